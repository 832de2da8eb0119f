"""One contract for the flight inventory (search reads, provider sync writes): fake, SQLite, PG."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import attrs
import pytest

from adapters.inventory.in_memory_inventory import InMemoryInventory
from adapters.money.babel_currencies import BabelCurrencies
from adapters.persistence.engine import create_engine
from adapters.persistence.migrate import upgrade
from adapters.persistence.sql_flights import SqlFlights
from funflights_core.flight import Cabin, CabinClass, Fare, Flight, FlightStatus, Leg, flight_id
from funflights_core.flight_inventory import FlightInventory
from funflights_core.flight_store import FlightStore, StoreCounts
from funflights_core.money import Money
from postgres_schema import postgres_schema

POSTGRES_URL = os.environ.get("FUNFLIGHTS_TEST_DATABASE_URL")
CURRENCIES = BabelCurrencies()
EUR, JPY = CURRENCIES.currency("EUR"), CURRENCIES.currency("JPY")
T0 = datetime(2026, 6, 1, 9, tzinfo=UTC)
HALF_FULL = Cabin(CabinClass.ECONOMY, 200, 150)


class Inventory(FlightInventory, FlightStore, Protocol):
    """Both ports, as one adapter offers them."""


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def a_flight(
    number: str = "117",
    origin: str = "LHR",
    departs: float = 1,
    *,
    fares: tuple[Fare, ...] | None = None,
    economy: Cabin = HALF_FULL,
    legs: tuple[Leg, ...] | None = None,
) -> Flight:
    legs = legs or (Leg(origin, "JFK", at(departs), at(departs + 8)),)
    return Flight(
        id=flight_id("BA", number, origin, legs[0].departs_at.date()),
        marketing_carrier="BA",
        flight_number=number,
        operating_carrier="AA",
        aircraft="388",
        legs=legs,
        cabins=(economy, Cabin(CabinClass.BUSINESS, 40, 12)),
        fares=fares
        if fares is not None
        else (
            Fare("p1", CabinClass.ECONOMY, Money.of("412.50", EUR), Money.of("80.10", EUR)),
            Fare("p1", CabinClass.BUSINESS, Money.of("2100", EUR), Money.of("80.10", EUR)),
        ),
    )


class InventoryContract:
    """What every inventory adapter does."""

    @pytest.fixture
    async def inventory(self) -> Inventory:
        raise NotImplementedError

    async def test_a_flight_round_trips_exactly(self, inventory: Inventory) -> None:
        stop = a_flight(
            "9",
            legs=(
                Leg("LHR", "BOS", at(0), at(7)),
                Leg("BOS", "JFK", at(8), at(9.5)),
            ),
            fares=(
                Fare("p1", CabinClass.ECONOMY, Money.of("0.1", EUR), Money.of("0", EUR)),
                Fare("p2", CabinClass.ECONOMY, Money.of("56000", JPY), Money.of("1200", JPY)),
            ),
        )
        assert await inventory.upsert([a_flight(), stop]) == StoreCounts(added=2)

        assert await inventory.flight(stop.id) == stop
        assert await inventory.flight(a_flight().id) == a_flight()
        assert await inventory.flight("nope") is None
        assert await inventory.count() == 2

    async def test_departures_are_read_by_airport_and_time_window(
        self, inventory: Inventory
    ) -> None:
        flights = [
            a_flight("1", departs=0),
            a_flight("2", departs=5),
            a_flight("3", departs=30),
            a_flight("4", origin="LGW", departs=2),
            a_flight("5", origin="CDG", departs=2),
        ]
        await inventory.upsert(flights)

        london = await inventory.departing(frozenset({"LHR", "LGW"}), at(0), at(24))
        later = await inventory.departing(frozenset({"LHR"}), at(0.5), at(30))

        assert [f.flight_number for f in london] == ["1", "4", "2"]  # by departure time
        assert [f.flight_number for f in later] == ["2"]  # [start, end)
        assert await inventory.departing(frozenset({"FRA"}), at(0), at(99)) == []

    async def test_the_busiest_routes_are_counted_in_the_window(self, inventory: Inventory) -> None:
        def to_boston(number: str, departs: float) -> Flight:
            return a_flight(number, legs=(Leg("LHR", "BOS", at(departs), at(departs + 7)),))

        await inventory.upsert(
            [
                *(a_flight(n, departs=h) for n, h in (("1", 0), ("2", 5), ("3", 10))),
                *(a_flight(n, origin="CDG", departs=h) for n, h in (("4", 1), ("5", 2), ("6", 3))),
                a_flight("7", origin="LGW", departs=4),
                to_boston("8", 6),
                to_boston("9", 30),
                to_boston("10", 31),
                to_boston("11", 32),
            ]
        )

        busiest = await inventory.busiest_routes(at(0), at(24), 3)

        # Ties in code order; flights outside [start, end) are not counted.
        assert busiest == [("CDG", "JFK"), ("LHR", "JFK"), ("LGW", "JFK")]
        assert await inventory.busiest_routes(at(24), at(48), 10) == [("LHR", "BOS")]
        assert await inventory.busiest_routes(at(48), at(72), 10) == []

    async def test_a_second_provider_adds_its_fares_and_a_resync_changes_nothing(
        self, inventory: Inventory
    ) -> None:
        first = a_flight()
        other = attrs.evolve(
            first,
            fares=(Fare("p2", CabinClass.ECONOMY, Money.of("399", EUR), Money.of("80", EUR)),),
        )
        await inventory.upsert([first])

        assert await inventory.upsert([other]) == StoreCounts(changed=1)
        assert await inventory.upsert([other]) == StoreCounts(unchanged=1)
        stored = await inventory.flight(first.id)
        assert stored is not None
        assert {(f.provider, f.cabin_class) for f in stored.fares} == {
            ("p1", CabinClass.ECONOMY),
            ("p1", CabinClass.BUSINESS),
            ("p2", CabinClass.ECONOMY),
        }

    async def test_providers_move_the_schedule_but_not_what_the_platform_owns(
        self, inventory: Inventory
    ) -> None:
        await inventory.upsert([a_flight()])  # 50 of 200 economy seats sold
        resized = a_flight(departs=2, economy=Cabin(CabinClass.ECONOMY, 9, 9))

        assert await inventory.upsert([resized]) == StoreCounts(changed=1)
        stored = await inventory.flight(resized.id)
        assert stored is not None
        assert stored.departs_at == at(2)
        # A provider's placeholder seat count does not resize a known cabin.
        assert stored.cabin(CabinClass.ECONOMY) == HALF_FULL
        cancelled = attrs.evolve(resized, status=FlightStatus.CANCELLED)
        await inventory.upsert([cancelled])
        await inventory.upsert([resized])  # a provider still lists it: it stays cancelled
        again = await inventory.flight(resized.id)
        assert again is not None
        assert again.status is FlightStatus.CANCELLED

    async def test_staff_resize_and_restore_but_never_below_the_seats_sold(
        self, inventory: Inventory
    ) -> None:
        await inventory.upsert([attrs.evolve(a_flight(), status=FlightStatus.CANCELLED)])
        bigger = a_flight(economy=Cabin(CabinClass.ECONOMY, 250, 250))
        smaller = a_flight(economy=Cabin(CabinClass.ECONOMY, 10, 10))

        await inventory.upsert([bigger], staff=True)
        grown = await inventory.flight(bigger.id)
        await inventory.upsert([smaller], staff=True)
        shrunk = await inventory.flight(bigger.id)

        assert grown is not None
        assert grown.status is FlightStatus.SCHEDULED
        assert grown.cabin(CabinClass.ECONOMY) == Cabin(CabinClass.ECONOMY, 250, 200)
        assert shrunk is not None
        assert shrunk.cabin(CabinClass.ECONOMY) == Cabin(CabinClass.ECONOMY, 50, 0)


class TestInMemoryInventory(InventoryContract):
    @pytest.fixture
    async def inventory(self) -> Inventory:
        return InMemoryInventory()


class TestSqliteInventory(InventoryContract):
    @pytest.fixture
    async def inventory(self, tmp_path: Path) -> AsyncIterator[Inventory]:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'flights.db'}")
        await upgrade(engine)
        yield SqlFlights(engine, CURRENCIES)
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(POSTGRES_URL is None, reason="FUNFLIGHTS_TEST_DATABASE_URL is not set")
class TestPostgresInventory(InventoryContract):
    @pytest.fixture
    async def inventory(self) -> AsyncIterator[Inventory]:
        assert POSTGRES_URL is not None
        async with postgres_schema(POSTGRES_URL) as database:
            yield SqlFlights(database.engine, CURRENCIES)
