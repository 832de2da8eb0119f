"""Seat maps: layouts by cabin and aircraft size, and taken seats."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs

from funflights_core.flight import Cabin, CabinClass, Flight, FlightStatus, Leg
from funflights_core.seat_map import seat_maps

LEG = Leg("LHR", "JFK", datetime(2026, 6, 1, 10, tzinfo=UTC), datetime(2026, 6, 1, 18, tzinfo=UTC))


def flight(*cabins: Cabin) -> Flight:
    return Flight("BA117-LHR-20260601", "BA", "117", "BA", "777", (LEG,), cabins)


def test_cabins_are_laid_out_front_to_back_with_their_own_letters() -> None:
    maps = seat_maps(
        flight(
            Cabin(CabinClass.ECONOMY, 250, 250),
            Cabin(CabinClass.BUSINESS, 12, 12),
            Cabin(CabinClass.FIRST, 6, 6),
        )
    )

    assert [m.cabin_class for m in maps] == [
        CabinClass.FIRST,
        CabinClass.BUSINESS,
        CabinClass.ECONOMY,
    ]
    assert [s.designator for s in maps[0].rows[0].seats] == ["1A", "1F", "1K"]
    assert maps[1].rows[0].number == 3  # after two rows of first
    assert len(maps[2].rows[0].seats) == 9  # a wide-body's economy
    assert [sum(len(r.seats) for r in m.rows) for m in maps] == [6, 12, 250]


def test_as_many_seats_are_taken_as_the_cabin_sold_and_always_the_same_ones() -> None:
    cabin = Cabin(CabinClass.ECONOMY, 150, 140)

    first = seat_maps(flight(cabin))[0]
    again = seat_maps(flight(cabin))[0]
    assigned = seat_maps(flight(cabin), taken=frozenset({"1A", "20F"}))[0]

    assert first.available == 140
    assert first == again
    # Two of the ten sold seats have numbers: they are those; the other eight are spread.
    assert assigned.available == 140
    assert not assigned.rows[0].seats[0].available
    free = {s.designator for row in assigned.rows for s in row.seats if s.available}
    assert "20F" not in free
    everyone = seat_maps(flight(cabin), taken=frozenset(f"{n}A" for n in range(1, 13)))[0]
    assert everyone.available == 138  # more numbers than sold seats: each number counts


def test_a_cancelled_flight_offers_no_seat_to_choose() -> None:
    cancelled = attrs.evolve(
        flight(Cabin(CabinClass.ECONOMY, 150, 150)), status=FlightStatus.CANCELLED
    )

    assert seat_maps(cancelled)[0].available == 0
