"""Seat maps: a cabin's rows and seats, and which of them can still be chosen."""

from __future__ import annotations

import hashlib

import attrs

from funflights_core.flight import Cabin, CabinClass, Flight, FlightStatus

_LAYOUTS = {
    CabinClass.FIRST: "AFK",
    CabinClass.BUSINESS: "ACDGHK",
    CabinClass.PREMIUM_ECONOMY: "ABCDEFG",
    CabinClass.ECONOMY: "ABCDEF",
}
_WIDE_ECONOMY = "ABCDEFGHK"
"""Ten abreast less one letter (I is never used): wide-bodies, over 200 economy seats."""
_NARROW_BUSINESS = "ACDF"


@attrs.frozen
class Seat:
    """One seat: ``12A``, and whether it can still be chosen."""

    designator: str
    available: bool


@attrs.frozen
class SeatRow:
    """A row of seats, numbered across the whole aircraft."""

    number: int
    seats: tuple[Seat, ...]


@attrs.frozen
class SeatMap:
    """The seats of one cabin of one flight."""

    cabin_class: CabinClass
    rows: tuple[SeatRow, ...]

    @property
    def available(self) -> int:
        """Seats that can still be chosen."""
        return sum(seat.available for row in self.rows for seat in row.seats)


def _letters(cabin: Cabin, widebody: bool) -> str:
    if cabin.cabin_class is CabinClass.ECONOMY and widebody:
        return _WIDE_ECONOMY
    if cabin.cabin_class is CabinClass.BUSINESS and not widebody:
        return _NARROW_BUSINESS
    return _LAYOUTS[cabin.cabin_class]


def seat_maps(flight: Flight, taken: frozenset[str] | None = None) -> tuple[SeatMap, ...]:
    """Every cabin's seat map, front to back (first, business, premium economy, economy).

    ``taken``: the seat numbers assigned to bookings, shown taken. The cabin's other sold
    seats (sold without a number) are shown taken too, spread over the rest of the cabin the
    same way for a given flight, so that a map shows as many free seats as are for sale.
    """
    economy = flight.cabin(CabinClass.ECONOMY)
    widebody = economy is not None and economy.capacity > 200
    maps = []
    row = 1
    for cabin in sorted(flight.cabins, key=lambda c: -list(CabinClass).index(c.cabin_class)):
        letters = _letters(cabin, widebody)
        designators: list[str] = []
        while len(designators) < cabin.capacity:
            for letter in letters:
                if len(designators) < cabin.capacity:
                    designators.append(f"{row}{letter}")
            row += 1
        if flight.status is FlightStatus.CANCELLED:
            occupied = frozenset(designators)  # nothing can be chosen on a cancelled flight
        else:
            assigned = frozenset(d for d in designators if d in (taken or frozenset()))
            occupied = assigned | _sold(flight, cabin, designators, assigned)
        rows: dict[int, list[Seat]] = {}
        for designator in designators:
            number = int(designator[:-1])
            rows.setdefault(number, []).append(Seat(designator, designator not in occupied))
        maps.append(
            SeatMap(cabin.cabin_class, tuple(SeatRow(n, tuple(s)) for n, s in rows.items()))
        )
    return tuple(maps)


def _sold(
    flight: Flight, cabin: Cabin, designators: list[str], assigned: frozenset[str]
) -> frozenset[str]:
    """The seats sold without a number, shown taken where a stable hash puts them."""
    unnumbered = max(cabin.capacity - cabin.seats_available - len(assigned), 0)
    ranked = sorted(
        (d for d in designators if d not in assigned),
        key=lambda d: hashlib.blake2s(f"{flight.id}/{d}".encode()).digest(),
    )
    return frozenset(ranked[:unnumbered])
