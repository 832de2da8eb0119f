"""Flight search in the core: direct and one-stop itineraries, priced, filtered, sorted, paged."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from adapters.airports.airportsdata_directory import AirportsdataDirectory
from adapters.clocks import ManualClock
from adapters.fx.fixed_rates import FixedRates
from adapters.identity.ids import UuidIds
from adapters.inventory.in_memory_inventory import InMemoryInventory
from adapters.money.fixed_currencies import FixedCurrencies
from adapters.persistence.in_memory import InMemoryDatabase
from funflights_core.airport import Airport, AirportDirectory
from funflights_core.errors import InvalidInput
from funflights_core.exchange import CurrencyExchange
from funflights_core.flight import Cabin, CabinClass, Fare, Flight, FlightStatus, Leg
from funflights_core.flight_search import (
    FlightSearch,
    Ranked,
    SearchFilters,
    SearchRequest,
    SortOrder,
    decode_cursor,
)
from funflights_core.margin_books import MarginBooks
from funflights_core.margin_rule import MarginRule
from funflights_core.margin_rule_admin import MarginRuleAdmin
from funflights_core.money import Money
from funflights_core.passengers import Passengers
from funflights_core.price_quotes import Buyer
from funflights_core.search_cache import SearchCache
from funflights_core.staff import operator
from funflights_core.tenant import Tenant, auth_methods

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
DAY = date(2026, 6, 1)
CURRENCIES = FixedCurrencies()
EUR = CURRENCIES.currency("EUR")
TENANT = Tenant(
    id="default",
    name="FunWithFlights",
    domains=(),
    default_currency="EUR",
    locale="en",
    loyalty_programme="Miles",
    point_value_usd=Decimal("0.01"),
    auth_methods=auth_methods(["password"]),
    created_at=NOW,
)


class Airports:
    """A few airports and two city codes."""

    def __init__(self) -> None:
        rows = [
            ("LHR", "London", "GB", "Europe/London"),
            ("LGW", "London", "GB", "Europe/London"),
            ("DUB", "Dublin", "IE", "Europe/Dublin"),
            ("JFK", "New York", "US", "America/New_York"),
            ("EWR", "Newark", "US", "America/New_York"),
            ("BOS", "Boston", "US", "America/New_York"),
        ]
        self._airports = {
            code: Airport(code, f"{code} airport", city, country, 0.0, 0.0, zone)
            for code, city, country, zone in rows
        }
        self._cities = {"LON": ("LHR", "LGW"), "NYC": ("JFK", "EWR")}

    def airport(self, iata: str) -> Airport | None:
        return self._airports.get(iata)

    def country_of(self, iata: str) -> str | None:
        airport = self._airports.get(iata)
        return None if airport is None else airport.country

    def serving(self, code: str) -> Sequence[Airport]:
        if code in self._airports:
            return [self._airports[code]]
        return [self._airports[c] for c in self._cities.get(code, ())]


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def flight(
    designator: str,
    *stops: tuple[str, datetime],
    fares: Sequence[tuple[str, str]] = (("p1", "400"),),
    seats: int = 100,
    status: FlightStatus = FlightStatus.SCHEDULED,
) -> Flight:
    legs = tuple(
        Leg(origin, destination, departs, arrives)
        for (origin, departs), (destination, arrives) in itertools.pairwise(stops)
    )
    return Flight(
        id=f"{designator}-{stops[0][1]:%Y%m%d}",
        marketing_carrier=designator[:2],
        flight_number=designator[2:],
        operating_carrier=designator[:2],
        aircraft="77W",
        legs=legs,
        cabins=(Cabin(CabinClass.ECONOMY, 200, seats), Cabin(CabinClass.BUSINESS, 40, 4)),
        fares=tuple(
            Fare(provider, CabinClass.ECONOMY, Money.of(base, EUR), Money.of(80, EUR))
            for provider, base in fares
        ),
        status=status,
    )


BA117 = flight("BA117", ("LHR", at(10)), ("JFK", at(18)), fares=[("p1", "400"), ("p2", "380")])
AA101 = flight("AA101", ("LGW", at(12)), ("JFK", at(20, 30)), fares=[("p1", "300")])
EI154 = flight("EI154", ("LHR", at(7)), ("DUB", at(8, 15)), fares=[("p1", "60")])
EI105 = flight("EI105", ("DUB", at(10)), ("JFK", at(17, 30)), fares=[("p1", "250")])
EI101 = flight("EI101", ("DUB", at(8, 30)), ("JFK", at(16)), fares=[("p1", "250")])
"""Leaves Dublin 15 minutes after EI154 lands: too short a connection."""
EI109 = flight("EI109", ("DUB", at(16, 30)), ("JFK", at(23, 59)), fares=[("p1", "250")])
"""8h15 after EI154 lands: too long a layover."""
VS3 = flight("VS3", ("LHR", at(9)), ("BOS", at(16)), ("JFK", at(18, 30)))
"""One flight number with a stop in Boston."""


async def world(
    *flights: Flight,
    rules: Sequence[MarginRule] = (),
    inventory: InMemoryInventory | None = None,
    airports: AirportDirectory | None = None,
) -> FlightSearch:
    clock = ManualClock(NOW)
    database = InMemoryDatabase()
    async with database.for_tenant(TENANT.id) as uow:
        for rule in rules:
            await uow.margin_rules.add(rule, version=1)
        await uow.commit()
    books = MarginBooks(database)
    return FlightSearch(
        inventory=inventory or InMemoryInventory(flights),
        airports=airports or Airports(),
        books=books,
        exchange=CurrencyExchange(
            sources=[FixedRates({"USD": Decimal("1.08")}, clock=clock)],
            currencies=CURRENCIES,
            clock=clock,
            max_age=timedelta(days=1),
        ),
        clock=clock,
    )


ALL = (BA117, AA101, EI154, EI105, EI101, EI109, VS3)
BUYER = Buyer(TENANT)


async def designators(search: FlightSearch, **changes: object) -> list[str]:
    request = attrs.evolve(SearchRequest("LON", "NYC", DAY), **changes)  # type: ignore[arg-type]
    page = await search.search(BUYER, request)
    return ["+".join(f.designator for f in r.itinerary.flights) for r in page.results]


async def test_a_city_search_finds_direct_flights_stops_and_connections_in_best_order() -> None:
    found = await designators(await world(*ALL))

    # Best: shortest journey first (8h, 8h30, 9h30 with a stop, 10h30 via Dublin).
    assert found == ["BA117", "AA101", "VS3", "EI154+EI105"]


async def test_the_best_fare_of_each_flight_is_the_price() -> None:
    page = await (await world(BA117)).search(BUYER, SearchRequest("LHR", "JFK", DAY))

    (result,) = page.results
    assert result.prices[0].chosen.provider == "p2"
    assert result.total == Money.of("460.00", EUR)
    assert [q.provider for q in result.prices[0].others] == ["p1"]


async def test_a_connection_is_priced_flight_by_flight_and_summed() -> None:
    page = await (await world(EI154, EI105)).search(BUYER, SearchRequest("LHR", "JFK", DAY))

    (result,) = page.results
    assert result.itinerary.stops == 1
    assert result.total == Money.of(60 + 80 + 250 + 80, EUR)
    assert len(result.prices) == 2


async def test_margin_rules_price_the_results() -> None:
    rule = MarginRule(
        id="ba", tenant_id="default", created_at=NOW, carrier="BA", percent=Decimal("0.1")
    )
    page = await (await world(BA117, rules=[rule])).search(BUYER, SearchRequest("LHR", "JFK", DAY))

    assert page.results[0].prices[0].margin_rule_id == "ba"
    assert page.results[0].total == Money.of("498.00", EUR)  # 380 + 80 + 38


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (SortOrder.CHEAPEST, ["AA101", "BA117", "EI154+EI105", "VS3"]),
        (SortOrder.FASTEST, ["BA117", "AA101", "VS3", "EI154+EI105"]),
        (SortOrder.EARLIEST, ["EI154+EI105", "VS3", "BA117", "AA101"]),
    ],
)
async def test_results_sort_as_asked(order: SortOrder, expected: list[str]) -> None:
    assert await designators(await world(*ALL), sort=order) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SearchFilters(max_stops=0), ["BA117", "AA101"]),
        (SearchFilters(airlines=frozenset({"EI"})), ["EI154+EI105"]),
        (SearchFilters(exclude_airlines=frozenset({"BA", "VS"})), ["AA101", "EI154+EI105"]),
        (SearchFilters(max_price=Decimal("420")), ["AA101"]),
        (SearchFilters(min_price=Decimal("461")), ["VS3", "EI154+EI105"]),
        (SearchFilters(max_duration=timedelta(hours=8)), ["BA117"]),
        # London is on summer time: 10:00Z leaves at 11:00 local.
        (SearchFilters(depart_after=time(11), depart_before=time(12)), ["BA117"]),
        (SearchFilters(arrive_before=time(14)), ["BA117", "EI154+EI105"]),
    ],
)
async def test_filters_narrow_the_results(filters: SearchFilters, expected: list[str]) -> None:
    assert await designators(await world(*ALL), filters=filters) == expected


async def test_facets_count_every_filtered_result_not_just_the_page() -> None:
    page = await (await world(*ALL)).search(BUYER, SearchRequest("LON", "NYC", DAY, limit=1))

    assert page.total == 4
    assert page.facets.airlines == {"AA": 1, "BA": 1, "EI": 1, "VS": 1}
    assert page.facets.stops == {0: 2, 1: 2}
    assert page.facets.min_price == Money.of("380.00", EUR)
    assert page.facets.max_price == Money.of("480.00", EUR)


async def test_pages_follow_the_cursor_and_stay_stable_when_inventory_changes() -> None:
    inventory = InMemoryInventory(ALL)
    search = await world(inventory=inventory)
    first = await search.search(BUYER, SearchRequest("LON", "NYC", DAY, limit=2))
    assert first.next_cursor is not None
    # A new, faster flight appears between the two requests: it sorts before the cursor.
    inventory.put(flight("BA001", ("LHR", at(11)), ("JFK", at(18))))
    second = await search.search(
        BUYER, SearchRequest("LON", "NYC", DAY, limit=2, cursor=first.next_cursor)
    )

    seen = [r.itinerary.id for r in (*first.results, *second.results)]
    assert len(seen) == len(set(seen)) == 4
    assert second.next_cursor is None


async def test_a_cursor_of_another_sort_or_garbage_is_refused() -> None:
    search = await world(*ALL)
    page = await search.search(BUYER, SearchRequest("LON", "NYC", DAY, limit=1))
    assert page.next_cursor is not None

    for cursor in (page.next_cursor, "not-a-cursor", ""):
        with pytest.raises(InvalidInput, match="cursor"):
            decode_cursor(SortOrder.CHEAPEST, cursor)


async def test_only_flights_with_enough_seats_and_fares_in_the_cabin_are_shown() -> None:
    full = flight("BA117", ("LHR", at(10)), ("JFK", at(18)), seats=1)
    cancelled = flight("AA101", ("LGW", at(12)), ("JFK", at(20)), status=FlightStatus.CANCELLED)
    search = await world(full, cancelled)

    two = await search.search(
        BUYER, SearchRequest("LON", "NYC", DAY, passengers=Passengers(adults=2))
    )
    one = await search.search(BUYER, SearchRequest("LON", "NYC", DAY))
    business = await search.search(
        BUYER, SearchRequest("LON", "NYC", DAY, cabin=CabinClass.BUSINESS)
    )

    assert two.results == ()
    assert [r.few_seats_left for r in one.results] == [1]
    assert business.results == ()  # seats, but no business fare on sale


async def test_the_day_is_the_origins_local_day() -> None:
    late = flight("BA199", ("LHR", at(22, 30)), ("JFK", at(23, 59)))  # 23:30 in London
    after_midnight = flight("BA201", ("LHR", at(23, 30)), ("JFK", at(23, 59)))  # 00:30 next day

    found = await designators(await world(late, after_midnight), origin="LHR", destination="JFK")

    assert found == ["BA199"]


async def test_children_and_infants_pay_shares_of_the_adult_fare() -> None:
    party = Passengers(adults=2, children=1, infants=1)
    page = await (await world(BA117)).search(
        BUYER, SearchRequest("LHR", "JFK", DAY, passengers=party)
    )

    # Base 380 x (2 + 0.75 + 0.10) = 1083; taxes 80 x 3 seated = 240.
    assert page.results[0].total == Money.of("1323.00", EUR)


async def test_bad_searches_are_refused() -> None:
    search = await world(*ALL)
    for request, field in (
        (SearchRequest("XXX", "JFK", DAY), "origin"),
        (SearchRequest("LHR", "LON", DAY), "destination"),
        (SearchRequest("LHR", "JFK", DAY, limit=0), "limit"),
        (SearchRequest("LHR", "JFK", DAY, currency="XYZ"), "currency"),
    ):
        with pytest.raises(InvalidInput) as refused:
            await search.search(BUYER, request)
        assert refused.value.field == field
    with pytest.raises(InvalidInput):
        Passengers(adults=1, infants=2)


async def test_cached_results_give_way_to_inventory_and_rule_changes() -> None:
    inventory = InMemoryInventory([BA117])
    database = InMemoryDatabase()
    clock = ManualClock(NOW)
    books = MarginBooks(database)
    cache: SearchCache[Ranked] = SearchCache(max_entries=10, ttl_s=60, clock=clock)
    search = FlightSearch(
        inventory=inventory,
        airports=Airports(),
        books=books,
        exchange=CurrencyExchange(
            sources=[FixedRates({"USD": Decimal("1.08")}, clock=clock)],
            currencies=CURRENCIES,
            clock=clock,
            max_age=timedelta(days=1),
        ),
        clock=clock,
        cache=cache,
    )
    request = SearchRequest("LHR", "JFK", DAY)

    first = await search.search(BUYER, request)
    again = await search.search(BUYER, request)
    inventory.put(flight("BA001", ("LHR", at(11)), ("JFK", at(18))))
    after_flight = await search.search(BUYER, request)
    admin = MarginRuleAdmin(
        database=database, books=books, currencies=CURRENCIES, clock=clock, ids=UuidIds()
    )
    await admin.create(operator("default", "test"), {"carrier": "BA", "percent": "10"})
    after_rule = await search.search(BUYER, request)

    assert (cache.hits, len(first.results), len(again.results)) == (1, 1, 1)
    assert len(after_flight.results) == 2
    totals = {r.itinerary.id: r.total for r in after_rule.results}
    assert totals[BA117.id] == Money.of("498.00", EUR)  # 380 + 80 + 10% of 380


async def test_flights_leaving_within_half_an_hour_are_not_sold() -> None:
    soon = flight("BA1", ("LHR", NOW + timedelta(minutes=20)), ("JFK", NOW + timedelta(hours=8)))
    later = flight("BA3", ("LHR", NOW + timedelta(hours=2)), ("JFK", NOW + timedelta(hours=10)))

    found = await designators(
        await world(soon, later), origin="LHR", destination="JFK", departure=NOW.date()
    )

    assert found == ["BA3"]


async def test_an_evening_flight_connects_after_midnight() -> None:
    evening = flight("BA238", ("LHR", at(20)), ("BOS", at(3, day=date(2026, 6, 2))))
    morning = flight(
        "B6100", ("BOS", at(7, day=date(2026, 6, 2))), ("JFK", at(8, 30, day=date(2026, 6, 2)))
    )

    found = await designators(await world(evening, morning), origin="LHR", destination="JFK")

    assert found == ["BA238+B6100"]


async def test_fares_in_several_currencies_compete_after_conversion() -> None:
    usd = CURRENCIES.currency("USD")
    mixed = attrs.evolve(
        BA117,
        fares=(
            Fare("eu", CabinClass.ECONOMY, Money.of("400", EUR), Money.of("80", EUR)),
            Fare("us", CabinClass.ECONOMY, Money.of("324", usd), Money.of("86.40", usd)),
        ),
    )

    page = await (await world(mixed)).search(BUYER, SearchRequest("LHR", "JFK", DAY))

    (result,) = page.results
    assert result.prices[0].chosen.provider == "us"  # 300 + 80 EUR at 1.08
    assert result.total == Money.of("380.00", EUR)


async def test_no_connection_by_way_of_a_great_detour() -> None:
    day2 = date(2026, 6, 2)
    flights = [
        flight("BA283", ("LHR", at(9)), ("LAX", at(20))),
        flight("AA2", ("LAX", at(22)), ("JFK", at(3, day=day2))),
        flight("BA213", ("LHR", at(9)), ("BOS", at(16))),
        flight("B6100", ("BOS", at(18)), ("JFK", at(19, 30))),
    ]
    search = await world(*flights)
    search._airports = AirportsdataDirectory()  # real coordinates

    found = await designators(search, origin="LHR", destination="JFK")

    assert found == ["BA213+B6100"]
    heathrow, kennedy = (AirportsdataDirectory().airport(c) for c in ("LHR", "JFK"))
    assert heathrow is not None
    assert kennedy is not None
    assert 5500 < heathrow.distance_km(kennedy) < 5600


class CountingInventory(InMemoryInventory):
    """Counts reads (and lets other tasks run during each)."""

    reads = 0

    async def departing(self, *args: Any, **kwargs: Any) -> Sequence[Flight]:
        self.reads += 1
        await asyncio.sleep(0)
        return await super().departing(*args, **kwargs)


async def test_identical_searches_at_once_are_computed_once() -> None:
    inventory = CountingInventory([BA117, AA101, EI154, EI105])
    clock = ManualClock(NOW)
    search = await world(inventory=inventory)
    search._cache = SearchCache(max_entries=10, ttl_s=60, clock=clock)

    pages = await asyncio.gather(
        *(search.search(BUYER, SearchRequest("LON", "NYC", DAY)) for _ in range(5))
    )

    assert len({tuple(r.itinerary.id for r in page.results) for page in pages}) == 1
    assert inventory.reads == 2  # one search's two reads, shared by all five


class RecordingInventory(InMemoryInventory):
    """Keeps the time span of every read."""

    def __init__(self, flights: Sequence[Flight]) -> None:
        super().__init__(flights)
        self.spans: list[tuple[datetime, datetime]] = []

    async def departing(self, *args: Any, **kwargs: Any) -> Sequence[Flight]:
        self.spans.append((args[1], args[2]))
        return await super().departing(*args, **kwargs)


async def test_searches_read_only_within_the_span_reads_for_names() -> None:
    # Kiritimati (UTC+14) starts a day first; Pago Pago (UTC-11) ends it nearly last.
    airports = Airports()
    for code, zone in (("CXI", "Pacific/Kiritimati"), ("PPG", "Pacific/Pago_Pago")):
        airports._airports[code] = Airport(code, code, code, "KI", 0.0, 0.0, zone)
    hop = flight("XX1", ("CXI", at(12)), ("PPG", at(20)))
    inventory = RecordingInventory([hop, flight("XX2", ("PPG", at(23)), ("CXI", at(23, 50)))])
    search = await world(inventory=inventory, airports=airports)
    start, end = search.reads_for(DAY)

    for origin, destination in (("CXI", "PPG"), ("PPG", "CXI"), ("LON", "NYC")):
        await search.search(BUYER, SearchRequest(origin, destination, DAY))

    assert inventory.spans
    assert all(start <= first and last <= end for first, last in inventory.spans)
