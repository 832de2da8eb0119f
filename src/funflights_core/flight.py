"""A scheduled flight: carriers, legs (stops), cabins with seats, and fares per provider."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import attrs

from funflights_core.errors import InvalidInput
from funflights_core.money import Money


class CabinClass(enum.StrEnum):
    """The cabins a flight can sell, cheapest first."""

    ECONOMY = "economy"
    PREMIUM_ECONOMY = "premium_economy"
    BUSINESS = "business"
    FIRST = "first"


_CABIN_ORDER = {cabin: n for n, cabin in enumerate(CabinClass)}


class FlightStatus(enum.StrEnum):
    """Whether a flight operates."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


@attrs.frozen
class Leg:
    """One take-off and landing, in UTC (shown in each airport's local time at the edge)."""

    origin: str
    destination: str
    departs_at: datetime
    arrives_at: datetime

    @property
    def duration(self) -> timedelta:
        """Time in the air (and taxiing)."""
        return self.arrives_at - self.departs_at


@attrs.frozen
class Cabin:
    """A cabin's seats: how many there are and how many can still be sold."""

    cabin_class: CabinClass
    capacity: int
    seats_available: int


@attrs.frozen
class Fare:
    """What one provider asks for one adult seat in one cabin."""

    provider: str
    cabin_class: CabinClass
    base_fare: Money
    taxes: Money


def _in_cabin_order(cabins: Iterable[Cabin]) -> tuple[Cabin, ...]:
    return tuple(sorted(cabins, key=lambda c: _CABIN_ORDER[c.cabin_class]))


def _in_fare_order(fares: Iterable[Fare]) -> tuple[Fare, ...]:
    return tuple(sorted(fares, key=lambda f: (_CABIN_ORDER[f.cabin_class], f.provider)))


def flight_id(marketing_carrier: str, flight_number: str, origin: str, departs_on: date) -> str:
    """The id every provider's copy of a flight shares: ``BA117-LHR-20261224``.

    ``departs_on`` is the departure date at the origin (local), as timetables print it.
    """
    return f"{marketing_carrier}{flight_number}-{origin}-{departs_on:%Y%m%d}"


@attrs.frozen
class Flight:
    """A flight on one date; its legs make one journey under one flight number."""

    id: str
    marketing_carrier: str
    flight_number: str
    operating_carrier: str
    aircraft: str
    legs: tuple[Leg, ...]
    cabins: tuple[Cabin, ...] = attrs.field(converter=_in_cabin_order)
    """In cabin order (economy first), whatever order they were given in."""
    fares: tuple[Fare, ...] = attrs.field(default=(), converter=_in_fare_order)
    """By cabin, then provider: two copies with the same fares are equal."""
    status: FlightStatus = FlightStatus.SCHEDULED
    # Read by every search many times per flight: taken from the legs once, here.
    origin: str = attrs.field(init=False, eq=False, repr=False)
    """Where the first leg leaves from."""
    destination: str = attrs.field(init=False, eq=False, repr=False)
    """Where the last leg lands."""
    departs_at: datetime = attrs.field(init=False, eq=False, repr=False)
    """Departure of the first leg (UTC)."""
    arrives_at: datetime = attrs.field(init=False, eq=False, repr=False)
    """Arrival of the last leg (UTC)."""

    def __attrs_post_init__(self) -> None:
        _check_legs(self.legs)
        _check_cabins(self.cabins)
        offered = [(fare.provider, fare.cabin_class) for fare in self.fares]
        if len(set(offered)) != len(offered):
            raise InvalidInput("fares", "one fare per provider and cabin")
        for fare in self.fares:
            if self.cabin(fare.cabin_class) is None:
                raise InvalidInput("fares", f"a fare for {fare.cabin_class}, a cabin it lacks")
            if fare.base_fare.amount < 0 or fare.taxes.amount < 0:
                raise InvalidInput("fares", "fares and taxes must not be negative")
        first, last = self.legs[0], self.legs[-1]
        object.__setattr__(self, "origin", first.origin)
        object.__setattr__(self, "destination", last.destination)
        object.__setattr__(self, "departs_at", first.departs_at)
        object.__setattr__(self, "arrives_at", last.arrives_at)

    @property
    def duration(self) -> timedelta:
        """From the first take-off to the last landing, stops included."""
        return self.arrives_at - self.departs_at

    @property
    def stops(self) -> int:
        """Landings before the destination."""
        return len(self.legs) - 1

    @property
    def designator(self) -> str:
        """Carrier and number, e.g. ``BA117``."""
        return f"{self.marketing_carrier}{self.flight_number}"

    def merged_with(self, incoming: Flight, *, staff: bool = False) -> Flight:
        """This stored flight updated by a provider's copy of it (or by staff).

        The schedule is the incoming one; each provider the incoming copy names has its fares
        replaced (other providers' stay); a cabin the flight did not have is added. What the
        platform owns stays unless ``staff`` change it: a cancelled flight stays cancelled,
        and known cabins keep their capacity (providers may send placeholder seat counts).
        Seats already sold always stay sold: a cabin never shrinks below them.
        """
        if incoming.id != self.id:
            raise ValueError("only copies of the same flight merge")
        if staff:
            # Staff change fares one by one: each (provider, cabin) they send.
            sent = {(f.provider, f.cabin_class) for f in incoming.fares}
            kept_fares = [f for f in self.fares if (f.provider, f.cabin_class) not in sent]
        else:
            # A provider's copy lists all its fares: those it no longer lists are gone.
            named = {fare.provider for fare in incoming.fares}
            kept_fares = [f for f in self.fares if f.provider not in named]
        fares = (*kept_fares, *incoming.fares)
        cabins = []
        for cabin in incoming.cabins:
            old = self.cabin(cabin.cabin_class)
            if old is None:
                cabins.append(cabin)
            elif not staff:
                cabins.append(old)
            else:
                sold = old.capacity - old.seats_available
                capacity = max(cabin.capacity, sold)
                cabins.append(Cabin(cabin.cabin_class, capacity, capacity - sold))
        kept = [c for c in self.cabins if incoming.cabin(c.cabin_class) is None]
        status = incoming.status
        if not staff and self.status is FlightStatus.CANCELLED:
            status = FlightStatus.CANCELLED
        return attrs.evolve(incoming, cabins=(*cabins, *kept), fares=fares, status=status)

    def cabin(self, cabin_class: CabinClass) -> Cabin | None:
        """The cabin of this class, if the flight has one."""
        for cabin in self.cabins:
            if cabin.cabin_class is cabin_class:
                return cabin
        return None

    def fares_for(self, cabin_class: CabinClass) -> tuple[Fare, ...]:
        """Every provider's fare for the cabin."""
        return tuple(fare for fare in self.fares if fare.cabin_class is cabin_class)

    def seats_left(self, cabin_class: CabinClass) -> int:
        """Seats that can still be sold in the cabin (0 without one, or when cancelled)."""
        cabin = self.cabin(cabin_class)
        if cabin is None or self.status is FlightStatus.CANCELLED:
            return 0
        return cabin.seats_available


def _check_legs(legs: Iterable[Leg]) -> None:
    previous: Leg | None = None
    count = 0
    for leg in legs:
        count += 1
        if leg.departs_at.tzinfo is None or leg.arrives_at.tzinfo is None:
            raise InvalidInput("legs", "times need a time zone (UTC)")
        if leg.origin == leg.destination:
            raise InvalidInput("legs", f"a leg from {leg.origin} goes nowhere")
        if leg.arrives_at <= leg.departs_at:
            raise InvalidInput("legs", f"the leg from {leg.origin} lands before it takes off")
        if previous is not None:
            if leg.origin != previous.destination:
                raise InvalidInput("legs", f"the leg from {leg.origin} does not follow on")
            if leg.departs_at < previous.arrives_at:
                raise InvalidInput("legs", f"the leg from {leg.origin} leaves before arriving")
        previous = leg
    if count == 0:
        raise InvalidInput("legs", "a flight has at least one leg")


def _check_cabins(cabins: Iterable[Cabin]) -> None:
    seen: set[CabinClass] = set()
    for cabin in cabins:
        if cabin.cabin_class in seen:
            raise InvalidInput("cabins", f"two {cabin.cabin_class} cabins")
        seen.add(cabin.cabin_class)
        if cabin.capacity < 1 or not 0 <= cabin.seats_available <= cabin.capacity:
            raise InvalidInput(
                "cabins", f"{cabin.cabin_class}: seats available must be 0 to the capacity"
            )
    if not seen:
        raise InvalidInput("cabins", "a flight has at least one cabin")
