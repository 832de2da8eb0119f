"""Flights and itineraries: what makes a valid flight, and how connections are allowed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.money.fixed_currencies import FixedCurrencies
from funflights_core.errors import InvalidInput
from funflights_core.flight import Cabin, CabinClass, Fare, Flight, FlightStatus, Leg
from funflights_core.itinerary import ConnectionRules, Itinerary, by_departure, one_stop
from funflights_core.money import Money

EUR = FixedCurrencies().currency("EUR")
T0 = datetime(2026, 6, 1, 10, tzinfo=UTC)
ECONOMY = (Cabin(CabinClass.ECONOMY, 180, 20),)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def make(*legs: Leg, cabins: tuple[Cabin, ...] = ECONOMY, fares: tuple[Fare, ...] = ()) -> Flight:
    return Flight("f", "BA", "117", "BA", "388", legs, cabins, fares)


def test_a_flight_with_a_stop_reports_its_journey() -> None:
    flight = make(Leg("LHR", "BOS", hours(0), hours(7)), Leg("BOS", "JFK", hours(8), hours(9.5)))

    assert (flight.origin, flight.destination, flight.stops) == ("LHR", "JFK", 1)
    assert flight.duration == timedelta(hours=9.5)
    assert flight.designator == "BA117"
    assert flight.seats_left(CabinClass.ECONOMY) == 20
    assert flight.seats_left(CabinClass.FIRST) == 0


@pytest.mark.parametrize(
    "legs",
    [
        (),
        (Leg("LHR", "LHR", hours(0), hours(1)),),
        (Leg("LHR", "JFK", hours(2), hours(1)),),
        (Leg("LHR", "BOS", hours(0), hours(7)), Leg("ORD", "JFK", hours(8), hours(9))),
        (Leg("LHR", "BOS", hours(0), hours(7)), Leg("BOS", "JFK", hours(6), hours(9))),
        (Leg("LHR", "JFK", datetime(2026, 6, 1, 10), datetime(2026, 6, 1, 18)),),
    ],
)
def test_legs_must_follow_on_in_time_and_place(legs: tuple[Leg, ...]) -> None:
    with pytest.raises(InvalidInput, match="leg"):
        make(*legs)


@pytest.mark.parametrize(
    "cabins",
    [
        (),
        (Cabin(CabinClass.ECONOMY, 100, 101),),
        (Cabin(CabinClass.ECONOMY, 0, 0),),
        (Cabin(CabinClass.ECONOMY, 100, 1), Cabin(CabinClass.ECONOMY, 10, 1)),
    ],
)
def test_cabins_must_be_distinct_and_within_capacity(cabins: tuple[Cabin, ...]) -> None:
    with pytest.raises(InvalidInput, match="cabin"):
        make(Leg("LHR", "JFK", hours(0), hours(8)), cabins=cabins)


def test_fares_must_be_for_a_cabin_the_flight_has_and_not_negative() -> None:
    leg = Leg("LHR", "JFK", hours(0), hours(8))
    first = Fare("p", CabinClass.FIRST, Money.of(1, EUR), Money.of(1, EUR))
    negative = Fare("p", CabinClass.ECONOMY, Money.of(-1, EUR), Money.of(1, EUR))

    for fare in (first, negative):
        with pytest.raises(InvalidInput, match="fare"):
            make(leg, fares=(fare,))


def test_a_cancelled_flight_has_no_seats_to_sell() -> None:
    flight = make(Leg("LHR", "JFK", hours(0), hours(8)))
    cancelled = Flight(
        "f", "BA", "117", "BA", "388", flight.legs, flight.cabins, status=FlightStatus.CANCELLED
    )

    assert cancelled.seats_left(CabinClass.ECONOMY) == 0


def test_connections_need_the_minimum_and_at_most_the_maximum_layover() -> None:
    rules = ConnectionRules(minimum=timedelta(minutes=45), maximum=timedelta(hours=6))
    arriving = Flight(
        "a", "EI", "1", "EI", "320", (Leg("LHR", "DUB", hours(0), hours(1)),), ECONOMY
    )

    def leaving(at: float, to: str = "JFK", ident: str = "b") -> Flight:
        return Flight(
            ident, "EI", "2", "EI", "330", (Leg("DUB", to, hours(at), hours(at + 7)),), ECONOMY
        )

    assert rules.allows(arriving, leaving(1.75))
    assert rules.allows(arriving, leaving(7))  # exactly six hours
    assert not rules.allows(arriving, leaving(1.5))  # 30 minutes
    assert not rules.allows(arriving, leaving(7.25))
    assert not rules.allows(arriving, leaving(2, to="LHR"))  # back where it started
    onward = by_departure([leaving(1.5, ident="x"), leaving(2, ident="y"), leaving(8, ident="z")])
    joined = one_stop([arriving], onward, destinations=frozenset({"JFK"}), rules=rules)
    assert [i.id for i in joined] == ["a+y"]
    assert joined[0].stops == 1
    with pytest.raises(InvalidInput):
        ConnectionRules(minimum=timedelta(hours=2), maximum=timedelta(hours=1))
    with pytest.raises(InvalidInput):
        Itinerary(())
