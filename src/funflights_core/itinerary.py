"""Itineraries: a direct flight, or flights joined at a hub within connection limits."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

import attrs

from funflights_core.errors import InvalidInput
from funflights_core.flight import CabinClass, Flight


@attrs.frozen
class ConnectionRules:
    """How long a traveller needs to change planes, and how long they will wait."""

    minimum: timedelta = timedelta(minutes=45)
    maximum: timedelta = timedelta(hours=6)
    max_detour: float = 1.6
    """A hub is used only if going through it is at most this many times the direct
    distance (no London to New York by way of Los Angeles)."""

    def __attrs_post_init__(self) -> None:
        if not timedelta(0) < self.minimum <= self.maximum:
            raise InvalidInput("connection", "the minimum must be positive and at most the maximum")

    def allows(self, arriving: Flight, leaving: Flight) -> bool:
        """Whether ``leaving`` can be caught after ``arriving`` at the same airport."""
        layover = leaving.departs_at - arriving.arrives_at
        return (
            arriving.destination == leaving.origin
            and self.minimum <= layover <= self.maximum
            and leaving.destination != arriving.origin
        )


@attrs.frozen
class Itinerary:
    """The flights a traveller takes from origin to destination, in order."""

    flights: tuple[Flight, ...]

    def __attrs_post_init__(self) -> None:
        if not self.flights:
            raise InvalidInput("flights", "an itinerary has at least one flight")

    @property
    def id(self) -> str:
        """Stable for the same flights: their ids joined."""
        return "+".join(flight.id for flight in self.flights)

    @property
    def origin(self) -> str:
        """Where the journey starts."""
        return self.flights[0].origin

    @property
    def destination(self) -> str:
        """Where the journey ends."""
        return self.flights[-1].destination

    @property
    def departs_at(self) -> datetime:
        """First take-off (UTC)."""
        return self.flights[0].departs_at

    @property
    def arrives_at(self) -> datetime:
        """Last landing (UTC)."""
        return self.flights[-1].arrives_at

    @property
    def duration(self) -> timedelta:
        """Door to door, layovers included."""
        return self.arrives_at - self.departs_at

    @property
    def stops(self) -> int:
        """Landings before the destination: a flight's own stops and each connection."""
        return sum(flight.stops for flight in self.flights) + len(self.flights) - 1

    @property
    def carriers(self) -> frozenset[str]:
        """The marketing carriers of its flights."""
        return frozenset(flight.marketing_carrier for flight in self.flights)

    def seats_left(self, cabin_class: CabinClass) -> int:
        """The fewest seats left in the cabin on any of its flights."""
        return min(flight.seats_left(cabin_class) for flight in self.flights)


def by_departure(flights: Iterable[Flight]) -> dict[str, list[Flight]]:
    """Flights grouped by origin airport, each group in departure order (for ``one_stop``)."""
    grouped: dict[str, list[Flight]] = {}
    for flight in flights:
        grouped.setdefault(flight.origin, []).append(flight)
    for group in grouped.values():
        group.sort(key=lambda f: (f.departs_at, f.id))
    return grouped


def one_stop(
    first: Iterable[Flight],
    onward: Mapping[str, Sequence[Flight]],
    *,
    destinations: frozenset[str],
    rules: ConnectionRules,
) -> list[Itinerary]:
    """Every pair of a first flight and an onward one to a destination that the rules allow.

    ``onward`` is ``by_departure`` output: for each hub, a binary search finds the flights
    leaving within the connection window, so the work grows with the matches, not the pairs.
    """
    joined: list[Itinerary] = []
    for arriving in first:
        leaving_hub = onward.get(arriving.destination)
        if not leaving_hub or arriving.destination in destinations:
            continue
        earliest = arriving.arrives_at + rules.minimum
        latest = arriving.arrives_at + rules.maximum
        start = bisect.bisect_left(leaving_hub, earliest, key=lambda f: f.departs_at)
        for leaving in leaving_hub[start:]:
            if leaving.departs_at > latest:
                break
            if leaving.destination in destinations and rules.allows(arriving, leaving):
                joined.append(Itinerary((arriving, leaving)))
    return joined
