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
    # Searches sort, filter, count and show each itinerary many times: its figures are
    # worked out once, when it is made.
    id: str = attrs.field(init=False, eq=False, repr=False)
    """Stable for the same flights: their ids joined."""
    origin: str = attrs.field(init=False, eq=False, repr=False)
    """Where the journey starts."""
    destination: str = attrs.field(init=False, eq=False, repr=False)
    """Where the journey ends."""
    departs_at: datetime = attrs.field(init=False, eq=False, repr=False)
    """First take-off (UTC)."""
    arrives_at: datetime = attrs.field(init=False, eq=False, repr=False)
    """Last landing (UTC)."""
    duration: timedelta = attrs.field(init=False, eq=False, repr=False)
    """Door to door, layovers included."""
    stops: int = attrs.field(init=False, eq=False, repr=False)
    """Landings before the destination: a flight's own stops and each connection."""
    carriers: frozenset[str] = attrs.field(init=False, eq=False, repr=False)
    """The marketing carriers of its flights."""

    def __attrs_post_init__(self) -> None:
        flights = self.flights
        if not flights:
            raise InvalidInput("flights", "an itinerary has at least one flight")
        first, last = flights[0], flights[-1]
        setter = object.__setattr__
        if len(flights) == 1:
            setter(self, "id", first.id)
            setter(self, "carriers", frozenset((first.marketing_carrier,)))
        else:
            setter(self, "id", "+".join(flight.id for flight in flights))
            setter(self, "carriers", frozenset(flight.marketing_carrier for flight in flights))
        setter(self, "origin", first.origin)
        setter(self, "destination", last.destination)
        setter(self, "departs_at", first.departs_at)
        setter(self, "arrives_at", last.arrives_at)
        setter(self, "duration", last.arrives_at - first.departs_at)
        setter(self, "stops", sum(len(flight.legs) for flight in flights) - 1)

    def seats_left(self, cabin_class: CabinClass) -> int:
        """The fewest seats left in the cabin on any of its flights."""
        fewest = self.flights[0].seats_left(cabin_class)
        for flight in self.flights[1:]:
            fewest = min(fewest, flight.seats_left(cabin_class))
        return fewest


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
