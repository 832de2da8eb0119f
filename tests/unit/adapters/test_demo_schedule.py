"""DemoSchedule: the deterministic demo timetable made up from the OpenFlights routes."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from adapters.airports.in_memory_directory import InMemoryDirectory
from adapters.inventory.demo_schedule import (
    DEMO_PROVIDERS,
    DemoSchedule,
    bundled_routes,
)
from adapters.money.fixed_currencies import FixedCurrencies
from funflights_core.airport import Airport
from funflights_core.flight import CabinClass, Flight, flight_id
from funflights_core.flight_source import FlightSource, SyncWindow
from funflights_core.route_record import RouteRecord

try:
    from adapters.airports.airportsdata_directory import AirportsdataDirectory
except ImportError:  # pragma: no cover - written alongside; the full-data tests need it
    AirportsdataDirectory = None  # type: ignore[assignment, misc]

needs_airports = pytest.mark.skipif(
    AirportsdataDirectory is None,
    reason="adapters.airports.airportsdata_directory (AirportsdataDirectory) is not there yet",
)

DAY = date(2026, 6, 1)  # a Monday
WEEK = SyncWindow(DAY, 7)

AIRPORTS = {
    # iata: (latitude, longitude, time zone)
    "LHR": (51.4706, -0.461941, "Europe/London"),
    "JFK": (40.6398, -73.7789, "America/New_York"),
    "CDG": (49.0128, 2.55, "Europe/Paris"),
    "AMS": (52.3086, 4.76389, "Europe/Amsterdam"),
    "MAD": (40.4719, -3.56264, "Europe/Madrid"),
    "SYD": (-33.9461, 151.177, "Australia/Sydney"),
    "HND": (35.5523, 139.78, "Asia/Tokyo"),
    "ATH": (37.9364, 23.9445, "Europe/Athens"),
    "INV": (57.5425, -4.0475, "Europe/London"),
    "KOI": (58.9578, -2.905, "Europe/London"),
}


def directory() -> InMemoryDirectory:
    return InMemoryDirectory(
        Airport(code, code, code, "XX", lat, lon, zone)
        for code, (lat, lon, zone) in AIRPORTS.items()
    )


def route(
    airline: str,
    source: str,
    destination: str,
    equipment: str = "320",
    *,
    stops: int = 0,
    code_share: bool = False,
) -> RouteRecord:
    return RouteRecord(airline, source, destination, stops, code_share, equipment)


ROUTES = [
    route("BA", "LHR", "JFK", "744 777"),
    route("AA", "LHR", "JFK", "77W"),
    route("VS", "LHR", "JFK", "346"),
    route("BA", "JFK", "LHR", "744"),
    route("BA", "LHR", "CDG", "320"),
    route("AF", "CDG", "LHR", "319"),
    route("AF", "CDG", "AMS", "E90"),
    route("KL", "AMS", "CDG", "73H"),
    route("IB", "MAD", "LHR", "321"),
    route("A3", "ATH", "LHR", "320"),
    route("IB", "MAD", "JFK", "332"),
    route("QF", "SYD", "HND", "388"),
    route("JL", "HND", "SYD", "763"),
    route("LM", "INV", "KOI", "SF3"),
    route("BA", "LHR", "MAD", ""),
]


def schedule(
    routes: Sequence[RouteRecord] = ROUTES,
    *,
    scale: float = 1.0,
    providers: Sequence[str] = DEMO_PROVIDERS,
    seed: int = 0,
    batch_size: int = 5_000,
) -> DemoSchedule:
    return DemoSchedule(
        routes,
        directory(),
        FixedCurrencies(),
        scale=scale,
        providers=providers,
        seed=seed,
        batch_size=batch_size,
    )


def week(source: DemoSchedule, window: SyncWindow = WEEK) -> list[Flight]:
    return [flight for batch in source.batches(window) for flight in batch]


def km(origin: str, destination: str) -> float:
    (lat1, lon1, _), (lat2, lon2, _) = AIRPORTS[origin], AIRPORTS[destination]
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_it_is_a_flight_source_named_demo() -> None:
    source: FlightSource = schedule()

    assert source.name == "demo"


async def test_flights_yields_what_batches_gives() -> None:
    source = schedule()

    batches = [list(batch) async for batch in source.flights(WEEK)]

    assert batches == list(source.batches(WEEK))
    assert sum(map(len, batches)) > 0


def test_two_generators_make_identical_flights() -> None:
    assert week(schedule()) == week(schedule())


def test_the_seed_changes_the_schedule() -> None:
    assert week(schedule(seed=1)) != week(schedule(seed=2))


def test_the_flights_are_the_same_in_another_process() -> None:
    # str hashes differ from one process to the next: nothing may depend on them.
    code = (
        "import sys; sys.path[:0] = [sys.argv[1]];"
        "import test_demo_schedule as t;"
        "print(repr([(f.id, f.departs_at, f.fares) for f in t.week(t.schedule())]))"
    )
    here = os.path.dirname(__file__)
    runs = {
        subprocess.run(
            [sys.executable, "-c", code, here],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    expected = repr([(f.id, f.departs_at, f.fares) for f in week(schedule())])

    assert runs == {expected + "\n"}


def test_only_direct_routes_of_two_letter_airlines_between_known_airports() -> None:
    routes = [
        route("BA", "LHR", "CDG"),
        route("AF", "LHR", "CDG", code_share=True),  # BA operates it
        route("BA", "LHR", "AMS", stops=1),
        route("ABC", "LHR", "MAD"),
        route("BA", "LHR", "XXX"),
        route("BA", "LHR", "LHR"),
        route("BA", "LHR", "CDG", "319"),  # the same route again
    ]

    flights = week(schedule(routes))

    assert {(f.designator[:2], f.origin, f.destination) for f in flights} == {("BA", "LHR", "CDG")}
    assert {f.aircraft for f in flights} == {"320"}


def test_every_flight_has_one_valid_leg_in_utc_landing_after_take_off() -> None:
    for flight in week(schedule()):
        assert isinstance(flight, Flight)  # the constructor checked the rest
        assert flight.stops == 0
        assert flight.departs_at.tzinfo is UTC
        assert flight.arrives_at.tzinfo is UTC
        assert flight.arrives_at > flight.departs_at
        assert flight.operating_carrier == flight.marketing_carrier


@pytest.mark.parametrize(
    "start",
    [date(2026, 3, 27), date(2026, 3, 6), date(2026, 10, 23), date(2026, 4, 3)],
    ids=["eu-spring", "us-spring", "eu-autumn", "au-autumn"],
)
def test_departures_are_0600_to_2300_at_the_origin_on_five_minute_marks(start: date) -> None:
    window = SyncWindow(start, 4)

    flights = week(schedule(), window)

    assert flights
    for flight in flights:
        local = flight.departs_at.astimezone(ZoneInfo(AIRPORTS[flight.origin][2]))
        assert time(6) <= local.time() <= time(23), flight.id
        assert local.minute % 5 == 0
        assert start <= local.date() < start + timedelta(days=4)
        assert flight.id.endswith(f"{local.date():%Y%m%d}")


def test_the_duration_follows_the_great_circle_at_the_aircrafts_speed() -> None:
    flights = week(schedule())

    def duration(carrier: str, origin: str, destination: str) -> timedelta:
        found = {
            f.duration
            for f in flights
            if (f.marketing_carrier, f.origin, f.destination) == (carrier, origin, destination)
        }
        assert len(found) == 1
        return found.pop()

    jet = duration("BA", "LHR", "JFK")
    expected = timedelta(minutes=30 + km("LHR", "JFK") / 830 * 60)
    assert abs(jet - expected) <= timedelta(minutes=5)
    assert jet.total_seconds() % 300 == 0
    turboprop = duration("LM", "INV", "KOI")
    assert turboprop == timedelta(minutes=5 * math.ceil((30 + km("INV", "KOI") / 500 * 60) / 5))
    assert duration("BA", "JFK", "LHR") == jet  # same distance, same speed


def test_cabins_by_distance_and_aircraft() -> None:
    def classes(carrier: str, origin: str, destination: str) -> set[tuple[CabinClass, ...]]:
        return {
            tuple(c.cabin_class for c in f.cabins)
            for f in week(schedule())
            if (f.marketing_carrier, f.origin, f.destination) == (carrier, origin, destination)
        }

    economy = (CabinClass.ECONOMY,)
    assert classes("BA", "LHR", "CDG") == {economy}  # 350 km
    assert classes("IB", "MAD", "LHR") == {economy}  # 1,250 km
    assert classes("A3", "ATH", "LHR") == {(CabinClass.ECONOMY, CabinClass.BUSINESS)}
    every = (
        CabinClass.ECONOMY,
        CabinClass.PREMIUM_ECONOMY,
        CabinClass.BUSINESS,
        CabinClass.FIRST,
    )
    assert classes("BA", "LHR", "JFK") == {every}  # a 747, 5,500 km
    assert classes("QF", "SYD", "HND") == {every}
    assert classes("LM", "INV", "KOI") == {economy}


def test_seats_available_vary_within_the_capacity() -> None:
    flights = week(schedule(scale=4.0))
    economy = [f.cabin(CabinClass.ECONOMY) for f in flights]

    assert all(c is not None and 0 <= c.seats_available <= c.capacity for c in economy)
    assert len({c.seats_available for c in economy if c is not None}) > 20
    assert {c.capacity for c in economy if c is not None} >= {60, 80, 150, 250, 350}


def test_several_providers_per_flight_with_different_fares_in_euros() -> None:
    flights = week(schedule(scale=4.0))
    providers_per_flight = Counter[int]()

    for flight in flights:
        for cabin in flight.cabins:
            fares = flight.fares_for(cabin.cabin_class)
            providers = [fare.provider for fare in fares]
            providers_per_flight[len(providers)] += 1
            assert len(set(providers)) == len(providers) in (2, 3)
            assert set(providers) <= set(DEMO_PROVIDERS)
            assert {fare.base_fare.currency.code for fare in fares} == {"EUR"}
            assert {fare.taxes.currency.code for fare in fares} == {"EUR"}
            bases = [fare.base_fare.amount for fare in fares]
            assert len(set(bases)) == len(bases), flight.id  # each provider its own price
            assert max(bases) / min(bases) <= Decimal("1.06") / Decimal("0.94")
            assert len({fare.taxes for fare in fares}) == 1
            for fare in fares:
                assert fare.base_fare.amount == fare.base_fare.amount.quantize(Decimal("0.01"))

    assert set(providers_per_flight) == {2, 3}
    winners = Counter(
        min(flight.fares_for(CabinClass.ECONOMY), key=lambda f: f.base_fare.amount).provider
        for flight in flights
    )
    assert set(winners) == set(DEMO_PROVIDERS)  # no provider is always the cheapest


def test_fares_follow_distance_and_cabin() -> None:
    distance = km("LHR", "JFK")
    flights = [f for f in week(schedule()) if f.designator.startswith("BA") and f.origin == "LHR"]
    long_haul = [f for f in flights if f.destination == "JFK"]
    assert long_haul
    lowest, highest = Decimal("0.85") * Decimal("0.94"), Decimal("1.30") * Decimal("1.06")
    for flight in long_haul:
        economy = 40 + 0.08 * distance
        for cabin, factor in (
            (CabinClass.ECONOMY, 1.0),
            (CabinClass.PREMIUM_ECONOMY, 1.8),
            (CabinClass.BUSINESS, 3.5),
            (CabinClass.FIRST, 6.0),
        ):
            for fare in flight.fares_for(cabin):
                ratio = fare.base_fare.amount / Decimal(economy * factor)
                assert lowest - Decimal("0.01") <= ratio <= highest + Decimal("0.01")
                taxes = Decimal(15 + 0.02 * distance)
                assert abs(fare.taxes.amount - taxes) < Decimal("0.01")
    short = [f for f in flights if f.destination == "CDG"]
    assert max(f.fares[0].base_fare for f in short) < min(f.fares[0].base_fare for f in long_haul)


def test_ids_are_unique_per_day_and_made_like_every_providers() -> None:
    by_day: defaultdict[str, list[str]] = defaultdict(list)
    for flight in week(schedule(scale=6.0)):
        local = flight.departs_at.astimezone(ZoneInfo(AIRPORTS[flight.origin][2])).date()
        assert flight.id == flight_id(
            flight.marketing_carrier, flight.flight_number, flight.origin, local
        )
        assert flight.flight_number.isdigit()
        assert 1 <= len(flight.flight_number) <= 4
        assert not flight.flight_number.startswith("0")
        by_day[f"{local}"].append(flight.id)

    for ids in by_day.values():
        assert len(ids) == len(set(ids))


def test_a_slot_keeps_its_number_and_time_from_day_to_day() -> None:
    source = schedule(scale=3.0)
    slots = defaultdict(set)
    for flight in week(source):
        local = flight.departs_at.astimezone(ZoneInfo(AIRPORTS[flight.origin][2]))
        slots[flight.designator, flight.origin, flight.destination].add(local.time())

    assert all(len(times) == 1 for times in slots.values())


def test_the_routes_of_the_window_narrow_the_schedule() -> None:
    source = schedule()
    pairs = {("LHR", "JFK"), ("CDG", "AMS")}
    everything = week(source)

    narrowed = week(source, SyncWindow(DAY, 7, [("LHR", "JFK"), ("cdg", "ams")]))

    assert {(f.origin, f.destination) for f in narrowed} == pairs
    assert narrowed == [f for f in everything if (f.origin, f.destination) in pairs]
    assert week(source, SyncWindow(DAY, 7, [])) == []


def test_batches_hold_one_day_and_at_most_the_batch_size() -> None:
    source = schedule(scale=6.0, batch_size=7)

    batches = list(source.batches(WEEK))

    assert all(1 <= len(batch) <= 7 for batch in batches)
    for batch in batches:
        assert len({flight.id.rsplit("-", 1)[1] for flight in batch}) == 1
    assert sum(map(len, batches)) == len(week(schedule(scale=6.0)))


def test_a_window_of_no_days_has_no_flights() -> None:
    assert list(schedule().batches(SyncWindow(DAY, 0))) == []


def test_the_counts_follow_the_schedule_summary() -> None:
    source = schedule(scale=2.5)

    assert len(week(source)) == source.weekly_flights()
    assert source.route_count == len(ROUTES)


@pytest.mark.parametrize("scale", [0, -1.0, math.inf, math.nan])
def test_the_scale_must_be_positive(scale: float) -> None:
    with pytest.raises(ValueError, match="scale"):
        schedule(scale=scale)


def test_providers_must_be_given_once_each() -> None:
    with pytest.raises(ValueError, match="provider"):
        schedule(providers=())
    with pytest.raises(ValueError, match="provider"):
        schedule(providers=("a", "a"))


def test_one_or_two_providers_sell_every_flight() -> None:
    for providers in (("solo",), ("one", "two")):
        for flight in week(schedule(providers=providers)):
            assert {fare.provider for fare in flight.fares} == set(providers)


def test_bundled_routes_are_all_the_openflights_routes() -> None:
    routes = bundled_routes()

    assert len(routes) == 67_663
    assert all(isinstance(r, RouteRecord) for r in routes[:100])


# -- the whole world (AirportsdataDirectory) ----------------------------------------------


@pytest.fixture(scope="module")
def world() -> DemoSchedule:
    if AirportsdataDirectory is None:  # pragma: no cover
        pytest.skip("AirportsdataDirectory is not there yet")
    return DemoSchedule(bundled_routes(), AirportsdataDirectory(), FixedCurrencies())


@needs_airports
def test_scale_one_makes_35000_to_40000_flights_a_day(world: DemoSchedule) -> None:
    flights = world.day(DAY)

    assert 35_000 <= len(flights) <= 40_000
    assert 35_000 * 7 <= world.weekly_flights() <= 40_000 * 7
    assert len({f.id for f in flights}) == len(flights)
    assert world.route_count > 50_000


@needs_airports
def test_lhr_to_jfk_has_several_flights_a_day_by_several_airlines(world: DemoSchedule) -> None:
    for day in (DAY, DAY + timedelta(days=3)):
        flights = [
            flight
            for batch in world.batches(SyncWindow(day, 1, [("LHR", "JFK")]))
            for flight in batch
        ]
        carriers = Counter(f.marketing_carrier for f in flights)

        assert len(flights) >= 10
        assert len(carriers) >= 5
        assert {"BA", "AA", "VS"} <= set(carriers)
        assert max(carriers.values()) >= 2
        assert all(f.origin == "LHR" and f.destination == "JFK" for f in flights)
        assert all(timedelta(hours=6) < f.duration < timedelta(hours=9) for f in flights)


@needs_airports
def test_scale_halves_and_doubles_the_count() -> None:
    assert AirportsdataDirectory is not None
    airports = AirportsdataDirectory()
    routes = bundled_routes()[:8_000]

    def per_week(scale: float) -> int:
        return DemoSchedule(routes, airports, FixedCurrencies(), scale=scale).weekly_flights()

    one = per_week(1.0)
    assert one > 5_000
    assert per_week(0.5) == pytest.approx(one / 2, rel=0.05)
    assert per_week(2.0) == pytest.approx(one * 2, rel=0.05)
    day = DemoSchedule(routes, airports, FixedCurrencies(), scale=2.0).day(DAY)
    assert len(day) == pytest.approx(one * 2 / 7, rel=0.1)


@needs_airports
def test_the_flight_numbers_do_not_depend_on_the_window(world: DemoSchedule) -> None:
    pairs = [("LHR", "JFK"), ("FRA", "SIN"), ("AER", "KZN")]
    everything = {f.id: f for f in world.day(DAY) if (f.origin, f.destination) in pairs}

    narrowed = [f for batch in world.batches(SyncWindow(DAY, 1, pairs)) for f in batch]

    assert narrowed
    assert {f.id: f for f in narrowed} == everything


@needs_airports
def test_every_flight_of_the_world_leaves_between_0600_and_2300_local(
    world: DemoSchedule,
) -> None:
    assert AirportsdataDirectory is not None
    airports = AirportsdataDirectory()
    zones: dict[str, ZoneInfo] = {}
    for flight in world.day(date(2026, 3, 29)):  # Europe changes its clocks
        airport = airports.airport(flight.origin)
        assert airport is not None
        zone = zones.setdefault(airport.time_zone, ZoneInfo(airport.time_zone))
        local = flight.departs_at.astimezone(zone)
        assert time(6) <= local.time() <= time(23), flight.id
        assert local.date() == date(2026, 3, 29)
        assert flight.departs_at < flight.arrives_at
        assert datetime(2026, 3, 27, tzinfo=UTC) < flight.departs_at
