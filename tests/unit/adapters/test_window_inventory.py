"""WindowInventory answers every read exactly as the inventory underneath does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.airports.airportsdata_directory import AirportsdataDirectory
from adapters.inventory.demo_schedule import DemoSchedule, bundled_routes
from adapters.inventory.in_memory_inventory import InMemoryInventory
from adapters.inventory.window_inventory import WindowInventory
from adapters.money.fixed_currencies import FixedCurrencies
from funflights_core.flight import Flight
from funflights_core.flight_source import SyncWindow

DAY = date(2026, 12, 1)
T0 = datetime(2026, 12, 1, tzinfo=UTC)
AIRPORTS = ["LHR", "JFK", "CDG", "FRA", "AMS", "LGW", "EWR", "DXB", "ORD", "ATL"]


def _flights() -> list[Flight]:
    schedule = DemoSchedule(bundled_routes(), AirportsdataDirectory(), FixedCurrencies(), scale=0.2)
    flights: list[Flight] = []
    for batch in schedule.batches(SyncWindow(DAY, 3)):
        flights.extend(f for f in batch if f.origin in AIRPORTS and f.destination in AIRPORTS)
    return flights


FLIGHTS = _flights()
INNER = InMemoryInventory(FLIGHTS)
START, END = T0 + timedelta(hours=12), T0 + timedelta(hours=60)
WINDOW = WindowInventory(INNER, [f for f in FLIGHTS if START <= f.departs_at < END], START, END)

codes = st.frozensets(st.sampled_from(AIRPORTS), min_size=1, max_size=4)
hours = st.integers(min_value=0, max_value=72)


@settings(max_examples=200, deadline=None)
@given(airports=codes, to=st.one_of(st.none(), codes), first=hours, span=hours)
async def test_reads_are_those_of_the_inventory_underneath(
    airports: frozenset[str], to: frozenset[str] | None, first: int, span: int
) -> None:
    start = T0 + timedelta(hours=first)
    end = start + timedelta(hours=span)

    assert list(await WINDOW.departing(airports, start, end, to=to)) == list(
        await INNER.departing(airports, start, end, to=to)
    )


async def test_the_window_holds_flights_at_all() -> None:
    # Without this the property above could pass on empty data.
    inside = await WINDOW.departing(frozenset(AIRPORTS), START, END)
    assert len(inside) > 50
    assert await WINDOW.busiest_routes(START, END, 3) == await INNER.busiest_routes(START, END, 3)
    assert await WINDOW.network() == await INNER.network()


def test_a_flight_outside_the_window_is_refused() -> None:
    late = next(f for f in FLIGHTS if f.departs_at >= END)
    with pytest.raises(ValueError, match="outside the window"):
        WindowInventory(INNER, [late], START, END)
