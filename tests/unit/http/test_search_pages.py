"""Search pages kept in the shared store: warmed ahead, served as stored, never stale."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import msgspec
import punq
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from test_flights_api import EUR

from adapters.clocks import ManualClock
from adapters.inventory.in_memory_inventory import InMemoryInventory
from adapters.page_stores.in_memory_page_store import InMemoryPageStore
from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from conftest import FLIGHTS1, fake_container
from entrypoints.bootstrap import InventoryParts, PricingParts, build_inventory
from entrypoints.http.app import create_app
from entrypoints.http.search_pages import pack, unpack
from entrypoints.http.search_warmer import WarmReport, search_warmer, visitor
from funflights_core.clock import Clock
from funflights_core.flight import Cabin, CabinClass, Fare, Flight, Leg, flight_id
from funflights_core.flight_search import SearchRequest
from funflights_core.money import Money
from funflights_core.staff import operator
from funflights_core.unit_of_work import UnitOfWorkFactory

NOW = datetime(2026, 5, 30, 12, tzinfo=UTC)
DAY = date(2026, 6, 1)
SEARCH = "/api/v1/flights/search"
Client = TestClient[Litestar]


def flight(
    carrier: str, number: str, origin: str, destination: str, hour: float, hours: float, fare: str
) -> Flight:
    departs = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC) + timedelta(hours=hour)
    return Flight(
        id=flight_id(carrier, number, origin, departs.date()),
        marketing_carrier=carrier,
        flight_number=number,
        operating_carrier=carrier,
        aircraft="388",
        legs=(Leg(origin, destination, departs, departs + timedelta(hours=hours)),),
        cabins=(Cabin(CabinClass.ECONOMY, 200, 100),),
        fares=(Fare("p1", CabinClass.ECONOMY, Money.of(fare, EUR), Money.of(80, EUR)),),
    )


# LHR-JFK is the busiest route; with a limit of 2 its search has a second page.
SCHEDULE = [
    flight("BA", "117", "LHR", "JFK", 10, 8, "400"),
    flight("BA", "175", "LHR", "JFK", 13, 8, "420"),
    flight("VS", "3", "LHR", "JFK", 15, 8.5, "380"),
    flight("EI", "154", "LHR", "DUB", 7, 1.25, "60"),
    flight("EI", "105", "DUB", "JFK", 10, 7.5, "250"),
]


T = TypeVar("T")


class Parts:
    """The app under test and what the tests reach into."""

    def __init__(self, client: Client, store: InMemoryPageStore, container: punq.Container):
        self.client = client
        self.store = store
        self.inventory: InventoryParts = container.resolve(InventoryParts)
        self.pricing: PricingParts = container.resolve(PricingParts)
        self.database: UnitOfWorkFactory = container.resolve(UnitOfWorkFactory)
        self.clock: ManualClock = container.resolve(Clock)
        self.window_worth = 1

    def call(self, work: Callable[[], Awaitable[T]]) -> T:
        return self.client.blocking_portal.call(work)

    def warm(self, limit: int = 2) -> WarmReport:
        warmer = search_warmer(self.inventory, self.pricing, self.clock)
        warmer._limit = limit
        warmer._window_worth = self.window_worth
        buyer = self.call(lambda: visitor(self.database))
        return self.call(lambda: warmer.warm(buyer, start=DAY, days=1, routes=[("LHR", "JFK")]))

    def key(self, cursor: str | None = None) -> str:
        request = SearchRequest("LHR", "JFK", DAY, limit=2, cursor=cursor)
        buyer = self.call(lambda: visitor(self.database))
        return self.call(lambda: self.inventory.search.page_key(buyer, request))

    def stored(self, key: str) -> Any:
        found = self.call(lambda: self.store.get(key))
        assert found is not None
        return msgspec.json.decode(unpack(found))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture(params=[1, 1000], ids=["window", "direct"])
def parts(clock: ManualClock, request: pytest.FixtureRequest) -> Iterator[Parts]:
    container = fake_container({"flights1": InMemoryRouteFeed(FLIGHTS1)}, clock=clock)
    pricing: PricingParts = container.resolve(PricingParts)
    store = InMemoryPageStore(clock=clock, ttl_s=3600)
    container.register(
        InventoryParts,
        instance=build_inventory(
            InMemoryInventory(),
            pricing,
            database=container.resolve(UnitOfWorkFactory),
            clock=clock,
            cache_entries=100,
            pages=store,
        ),
    )
    with TestClient(create_app(container, refresh_in_background=False)) as client:
        found = Parts(client, store, container)
        found.window_worth = request.param  # whether the warmer reads a window of days
        found.call(lambda: found.inventory.flights.upsert(SCHEDULE))
        yield found


def slice_of(parts: Parts, **params: Any) -> Any:
    query = {"origin": "LHR", "destination": "JFK", "date": DAY.isoformat(), "limit": 2, **params}
    response = parts.client.get(SEARCH, params=query)
    assert response.status_code == 200, response.text
    return response.json()["slices"][0]


def test_a_warmed_page_is_the_page_a_search_computes(parts: Parts) -> None:
    computed_first = slice_of(parts)
    computed_second = slice_of(parts, cursor=computed_first["next_cursor"])
    parts.store._pages.clear()  # what the searches above kept

    report = parts.warm()

    assert (report.computed, report.pages) == (1, 2)
    first_key = parts.key()
    kept = parts.call(lambda: parts.store.get(first_key))
    assert kept is not None
    assert len(kept) < len(unpack(kept))  # kept compressed
    assert parts.stored(parts.key()) == computed_first
    assert parts.stored(parts.key(computed_first["next_cursor"])) == computed_second


def test_a_search_answers_from_the_store(parts: Parts) -> None:
    parts.warm()
    marked = {**parts.stored(parts.key()), "total": 999}  # only the stored copy says this
    key = parts.key()
    parts.call(lambda: parts.store.put({key: pack(msgspec.json.encode(marked))}))

    assert slice_of(parts)["total"] == 999


def test_a_second_pass_computes_nothing_until_something_changes(parts: Parts) -> None:
    assert parts.warm().computed == 1
    assert parts.warm().computed == 0

    later = flight("AA", "1", "LHR", "JFK", 9, 8, "300")
    parts.call(lambda: parts.inventory.flights.upsert([later]))

    assert parts.warm().computed == 1


def test_a_margin_change_is_priced_at_once_not_served_stale(parts: Parts) -> None:
    parts.warm()
    before = slice_of(parts)["results"][0]["price"]["amount"]
    rules = parts.pricing.margin_rules
    staff = operator("default", "test")
    parts.call(lambda: rules.create(staff, {"carrier": "BA", "percent": "10"}))
    parts.call(parts.pricing.books.poll)

    after = slice_of(parts)["results"][0]["price"]["amount"]

    # BA 117 (400 + 80) is first (shortest, then cheapest); 10% of its fare shows at once.
    assert (before, after) == ("480.00", "520.00")


def test_an_inventory_change_is_served_at_once(parts: Parts) -> None:
    parts.warm()
    assert slice_of(parts)["total"] == 4  # three direct flights and one connection

    faster = flight("AA", "1", "LHR", "JFK", 9, 7, "300")
    parts.call(lambda: parts.inventory.flights.upsert([faster]))

    assert slice_of(parts)["total"] == 5


def test_near_dates_are_named_by_the_sale_cut_off_once_it_reaches_their_day(
    parts: Parts,
) -> None:
    far = parts.key()
    parts.clock.advance(600)
    assert parts.key() == far  # the cut-off is nowhere near 1 June at 12:10 UTC on 30 May

    # 22:31 UTC on 31 May: the cut-off (the step's end, 22:40, plus 30 minutes) is past
    # midnight in London (23:00 UTC): 1 June's page shrinks as flights stop selling.
    parts.clock.advance((datetime(2026, 5, 31, 22, 31, tzinfo=UTC) - NOW).total_seconds() - 600)
    near = parts.key()
    parts.clock.advance(60)
    same_step = parts.key()
    parts.clock.advance(600)

    assert near != far
    assert same_step == near  # a page stays right for its whole 10-minute step
    assert parts.key() != near
