"""The demo schedule: a deterministic FlightSource made up from the OpenFlights routes.

Every direct, non-code-share route of a two-letter airline between two airports the directory
knows becomes a timetable: a few departures a week (thin routes) up to six a day (an airline
on a busy pair of large airports), times ``scale``. Each departure is a ``Flight`` with one
leg, cabins by distance and aircraft, and fares in EUR from two or three of the demo
providers, each a few percent dearer or cheaper than the others.

Nothing is random: every choice comes from a hash of (seed, carrier, route, slot, day), so
the same routes, directory and arguments give the same flights in any process. Whatever
depends only on the route (distance, duration, cabins, base fares, time zone, timetable
slots) is computed once, in the constructor; a day of flights then costs a few objects per
flight (~20 us each).
"""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import math
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from itertools import combinations
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from funflights_core.airport import Airport, AirportDirectory
from funflights_core.bulk_allocation import garbage_collection_paused
from funflights_core.feed_batch import FeedBatch
from funflights_core.flight import Cabin, CabinClass, Fare, Flight, Leg
from funflights_core.flight_source import SyncWindow
from funflights_core.money import Currency, CurrencyCatalogue, Money
from funflights_core.route_record import RouteRecord

DEMO_PROVIDERS = ("flights1", "flights2", "skyfare")
"""The providers whose fares the demo schedule carries, by default."""

CURRENCY = "EUR"
"""The currency of every demo fare."""

BATCH_SIZE = 5_000
"""At most this many flights per batch; a batch never spans two days."""

FIRST_DEPARTURE = 6 * 60
LAST_DEPARTURE = 23 * 60
"""Departures are between 06:00 and 23:00 (inclusive) at the origin, on 5-minute marks."""

_EARTH_RADIUS_KM = 6371.0088
_TAXI_AND_CLIMB_MINUTES = 30
_JET_KMH = 830
_TURBOPROP_KMH = 500

# Flights a week before ``scale``: k * (smaller airport's routes / 100) ** 0.7 * airlines
# on the pair ** 0.8, between twice a week and six times a day. Tuned on the bundled
# routes to ~37,500 flights a day at scale 1.
_FREQUENCY_FACTOR = 0.3
_SIZE_EXPONENT = 0.7
_AIRLINES_EXPONENT = 0.8
_MIN_WEEKLY = 2
_MAX_WEEKLY = 42

# Fares (cents, EUR): economy 40 + 0.08/km; other cabins a multiple; taxes 15 + 0.02/km.
_ECONOMY_CENTS = 4_000
_ECONOMY_CENTS_PER_KM = 8
_TAX_CENTS = 1_500
_TAX_CENTS_PER_KM = 2
_CABIN_PRICE_PERMILLE = {
    CabinClass.ECONOMY: 1_000,
    CabinClass.PREMIUM_ECONOMY: 1_800,
    CabinClass.BUSINESS: 3_500,
    CabinClass.FIRST: 6_000,
}
_BUSINESS_FROM_KM = 1_500
_LONG_HAUL_FROM_KM = 5_000
_PROVIDER_SPREAD_PERMILLE = 60
"""Each provider's price is the base fare +-0-6% (per flight, never two the same)."""

_MASK = (1 << 64) - 1

_AMOUNTS_KEPT = 1 << 18
"""Fares share their Money objects by amount (a third fewer objects); at most this many."""


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


_TURBOPROPS = _codes(
    "AT4 AT5 AT7 ATR ATP DH1 DH2 DH3 DH4 DH7 DH8 DHT DHP SF3 SFB S20 F50 J31 J32 J41 BEH "
    "BE1 BEC BET BE9 BH2 CNC CNA CNT CN1 CN2 BNI BNT L4T AN4 A40 EM2 EMB SWM D28 D38 SH6 "
    "PA1 PA2 PAG PL2 YN2 YN7 MA6 I14 S76 CS2 CS5"
)
_REGIONAL_JETS = _codes(
    "CRJ CR1 CR2 CR7 CR9 CRK ER3 ER4 ERJ ERD E70 E75 E7W E90 E95 EMJ 100 F70 F28 141 142 "
    "143 146 AR1 AR8 SU9 FRJ YK4 YK2 TU3 A58 A81 CNJ"
)
_WIDEBODIES = _codes(
    "300 310 313 330 332 333 33X 340 342 343 345 346 350 351 359 763 762 764 767 76W 76X "
    "772 777 77L M11 M1F D10 D1C L10 L11 IL9 I93 ILW AB3 AB4 AB6 787 788 789 78X"
)
_JUMBOS = _codes("380 388 747 744 74E 74H 74L 74M 74N 74Y 773 77W 77X")
"""Aircraft by size class (IATA codes); any other code flies as a narrow-body."""


class _Size(NamedTuple):
    """An aircraft size class: cruise speed and seats per cabin."""

    kmh: int
    economy: int
    premium_economy: int
    business: int
    first: int
    long_haul: bool
    """Whether it gets premium economy and first on long flights."""


_TURBOPROP = _Size(_TURBOPROP_KMH, 60, 0, 0, 0, long_haul=False)
_REGIONAL = _Size(_JET_KMH, 80, 0, 8, 0, long_haul=False)
_NARROW = _Size(_JET_KMH, 150, 0, 12, 0, long_haul=False)
_WIDE = _Size(_JET_KMH, 250, 24, 30, 8, long_haul=True)
_JUMBO = _Size(_JET_KMH, 350, 36, 48, 12, long_haul=True)


def _size(aircraft: str) -> _Size:
    if aircraft in _TURBOPROPS:
        return _TURBOPROP
    if aircraft in _REGIONAL_JETS:
        return _REGIONAL
    if aircraft in _JUMBOS:
        return _JUMBO
    if aircraft in _WIDEBODIES:
        return _WIDE
    return _NARROW


class ScheduledRoute(Protocol):
    """What the schedule reads of a route (a ``RouteRecord`` or a catalogue ``Route``)."""

    @property
    def airline(self) -> str:
        """The airline's code."""
        ...

    @property
    def source_airport(self) -> str:
        """Where it leaves from."""
        ...

    @property
    def destination_airport(self) -> str:
        """Where it goes."""
        ...

    @property
    def stops(self) -> int:
        """Landings on the way."""
        ...

    @property
    def code_share(self) -> bool:
        """Whether another airline operates it."""
        ...

    @property
    def equipment(self) -> str:
        """Aircraft codes, space-separated (the first one flies the schedule)."""
        ...


def bundled_routes() -> tuple[RouteRecord, ...]:
    """Every route of the OpenFlights routes bundled with the package (~67,700)."""
    raw = resources.files("adapters.demo_data").joinpath("routes.csv.gz").read_bytes()
    with io.TextIOWrapper(io.BytesIO(gzip.decompress(raw)), encoding="utf-8") as text:
        reader = csv.reader(text)
        next(reader)  # header
        rows = [(a, s, d, c, int(n), e) for a, s, d, c, n, e in reader]
    return FeedBatch.from_rows(rows).records


def _mix(value: int) -> int:
    """splitmix64's finaliser: 64 well-mixed bits from any int (stable across processes)."""
    z = (value + 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _seed_of(seed: int, *parts: str) -> int:
    """A 64-bit seed from text (``hash()`` of a str changes from one process to the next)."""
    text = "\x1f".join(parts).encode()
    return _mix((seed << 32) ^ zlib.crc32(text) ^ (zlib.adler32(text) << 32))


def _distance_km(origin: Airport, destination: Airport) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1 = math.radians(origin.latitude), math.radians(origin.longitude)
    lat2, lon2 = math.radians(destination.latitude), math.radians(destination.longitude)
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class _Slot(NamedTuple):
    """One departure of a route's timetable."""

    number: str
    hour: int
    minute: int
    weekdays: int
    """Bit ``d`` set: operates on weekday ``d`` (Monday 0) of the origin's calendar."""
    providers: tuple[str, ...]
    id_prefix: str
    """``BA117-LHR-``: the flight id without the date."""
    seed: int


class _CabinPlan(NamedTuple):
    cabin_class: CabinClass
    capacity: int
    base_cents: int
    """The economy-relative base fare before demand and provider spread."""
    taxes: Money


class _Route(NamedTuple):
    carrier: str
    origin: str
    destination: str
    aircraft: str
    zone: ZoneInfo
    duration: timedelta
    cabins: tuple[_CabinPlan, ...]
    slots: tuple[_Slot, ...]


class _Candidate(NamedTuple):
    carrier: str
    origin: Airport
    destination: Airport
    aircraft: str


class DemoSchedule:
    """A FlightSource of made-up but plausible flights on the given routes (see the module).

    The source is named ``demo``; its flights carry fares of several providers
    (``providers``), so a search over it shows the best of them.
    """

    def __init__(
        self,
        routes: Iterable[ScheduledRoute],
        airports: AirportDirectory,
        currencies: CurrencyCatalogue,
        *,
        scale: float = 1.0,
        providers: Sequence[str] = DEMO_PROVIDERS,
        seed: int = 0,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        if not scale > 0 or math.isinf(scale):
            raise ValueError("scale must be a positive number")
        if not providers or len(set(providers)) != len(providers):
            raise ValueError("give at least one provider, each once")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._scale = scale
        self._providers = tuple(providers)
        # Who sells a departure: two or three of the providers (all when there are fewer).
        self._offers = (
            [self._providers]
            if len(providers) <= 2
            else [*combinations(self._providers, 2), *combinations(self._providers, 3)]
        )
        self._seed = seed
        self._batch_size = batch_size
        self._currency = currencies.currency(CURRENCY)
        self._cabins: dict[tuple[CabinClass, int, int], Cabin] = {}
        self._amounts: dict[int, Money] = {}
        self._routes = self._plan(self._candidates(routes, airports))

    @property
    def name(self) -> str:
        """The source's name; the fares name the providers (``providers``)."""
        return "demo"

    @property
    def providers(self) -> tuple[str, ...]:
        """The providers whose fares the flights carry."""
        return self._providers

    @property
    def currency(self) -> Currency:
        """The currency of every fare."""
        return self._currency

    @property
    def route_count(self) -> int:
        """Routes with a timetable (every usable route at scale 1; fewer at tiny scales)."""
        return sum(1 for route in self._routes if route.slots)

    def weekly_flights(self) -> int:
        """Departures in a week of the whole schedule."""
        return sum(slot.weekdays.bit_count() for route in self._routes for slot in route.slots)

    async def flights(self, window: SyncWindow) -> AsyncIterator[Sequence[Flight]]:
        """The window's flights, day by day (origin dates), at most ``batch_size`` a batch."""
        for batch in self.batches(window):
            yield batch
            await asyncio.sleep(0)  # generating is CPU-bound: let the loop breathe

    def batches(self, window: SyncWindow) -> Iterator[list[Flight]]:
        """``flights`` without the event loop (for the CLI and benchmarks)."""
        routes = self._routes
        if window.routes is not None:
            pairs = {(o.strip().upper(), d.strip().upper()) for o, d in window.routes}
            routes = tuple(r for r in routes if (r.origin, r.destination) in pairs)
        size = self._batch_size
        for offset in range(window.days):
            day = window.start + timedelta(days=offset)
            departures = self._departures(routes, day)
            for start in range(0, len(departures), size):
                # The flights are long-lived and hold no cycles: the collector would only
                # walk them again and again (it doubles the cost of a large schedule).
                with garbage_collection_paused():
                    batch = self._build(departures[start : start + size], day)
                yield batch

    def day(self, day: date) -> list[Flight]:
        """Every flight leaving on ``day`` (origin date)."""
        with garbage_collection_paused():
            return self._build(self._departures(self._routes, day), day)

    # -- planning (once) ------------------------------------------------------------------

    def _candidates(
        self, routes: Iterable[ScheduledRoute], airports: AirportDirectory
    ) -> list[_Candidate]:
        seen: set[tuple[str, str, str]] = set()
        found: list[_Candidate] = []
        for route in routes:
            carrier = route.airline.strip().upper()
            source = route.source_airport.strip().upper()
            destination = route.destination_airport.strip().upper()
            key = (carrier, source, destination)
            if (
                route.stops != 0
                or route.code_share
                or len(carrier) != 2
                or source == destination
                or key in seen
            ):
                continue
            origin = airports.airport(source)
            arrival = airports.airport(destination)
            if origin is None or arrival is None:
                continue
            seen.add(key)
            equipment = route.equipment.split()
            found.append(_Candidate(carrier, origin, arrival, equipment[0] if equipment else ""))
        found.sort(key=lambda c: (c.carrier, c.origin.iata, c.destination.iata))
        return found

    def _plan(self, candidates: list[_Candidate]) -> tuple[_Route, ...]:
        airlines = Counter((c.origin.iata, c.destination.iata) for c in candidates)
        touching: Counter[str] = Counter()
        for c in candidates:
            touching[c.origin.iata] += 1
            touching[c.destination.iata] += 1
        zones: dict[str, ZoneInfo] = {}
        numbers = _FlightNumbers()
        planned: list[_Route] = []
        for c in candidates:
            zone = zones.get(c.origin.time_zone)
            if zone is None:
                try:
                    zone = zones[c.origin.time_zone] = ZoneInfo(c.origin.time_zone)
                except (ZoneInfoNotFoundError, ValueError):
                    continue
            route_seed = _seed_of(self._seed, c.carrier, c.origin.iata, c.destination.iata)
            km = _distance_km(c.origin, c.destination)
            size = _size(c.aircraft)
            smaller = min(touching[c.origin.iata], touching[c.destination.iata])
            per_day = (
                _FREQUENCY_FACTOR
                * (smaller / 100) ** _SIZE_EXPONENT
                * airlines[(c.origin.iata, c.destination.iata)] ** _AIRLINES_EXPONENT
            )
            weekly = min(_MAX_WEEKLY, max(_MIN_WEEKLY, round(7 * per_day))) * self._scale
            # Rounded up or down with odds by the fraction: the total scales linearly.
            fraction = (route_seed & 0xFFFF) / 0x10000
            minutes = _TAXI_AND_CLIMB_MINUTES + km / size.kmh * 60
            planned.append(
                _Route(
                    carrier=c.carrier,
                    origin=c.origin.iata,
                    destination=c.destination.iata,
                    aircraft=c.aircraft,
                    zone=zone,
                    duration=timedelta(minutes=5 * math.ceil(minutes / 5)),
                    cabins=self._cabin_plans(km, size),
                    slots=self._slots(c, route_seed, int(weekly + fraction), size, numbers),
                )
            )
        return tuple(planned)

    def _cabin_plans(self, km: float, size: _Size) -> tuple[_CabinPlan, ...]:
        economy_cents = _ECONOMY_CENTS + round(_ECONOMY_CENTS_PER_KM * km)
        taxes = Money(
            Decimal(_TAX_CENTS + round(_TAX_CENTS_PER_KM * km)).scaleb(-2), self._currency
        )
        seats = [(CabinClass.ECONOMY, size.economy)]
        if km > _BUSINESS_FROM_KM and size.business:
            seats.append((CabinClass.BUSINESS, size.business))
        if km > _LONG_HAUL_FROM_KM and size.long_haul:
            seats.append((CabinClass.PREMIUM_ECONOMY, size.premium_economy))
            seats.append((CabinClass.FIRST, size.first))
        seats.sort(key=lambda pair: _CABIN_PRICE_PERMILLE[pair[0]])
        return tuple(
            _CabinPlan(
                cabin_class,
                capacity,
                economy_cents * _CABIN_PRICE_PERMILLE[cabin_class] // 1_000,
                taxes,
            )
            for cabin_class, capacity in seats
        )

    def _slots(
        self,
        route: _Candidate,
        route_seed: int,
        weekly: int,
        size: _Size,
        numbers: _FlightNumbers,
    ) -> tuple[_Slot, ...]:
        daily, extra = divmod(weekly, 7)
        count = daily + (1 if extra else 0)
        if count == 0:
            return ()
        # The last slot of a route that does not fly it daily flies on ``extra`` weekdays,
        # spread over the week from a weekday of the route's own.
        first_weekday = route_seed >> 16 & 0xFFFF
        partial = sum(1 << ((first_weekday + i * 7 // extra) % 7) for i in range(extra))
        band = (LAST_DEPARTURE - FIRST_DEPARTURE) / count
        slots: list[_Slot] = []
        for index in range(count):
            slot_seed = _mix(route_seed + index + 1)
            start = FIRST_DEPARTURE + band * index
            jitter = (slot_seed & 0xFFFF) / 0x10000 * band
            at = min(LAST_DEPARTURE, 5 * int((start + jitter) / 5))
            if at < start:  # 5-minute mark below the band: the next one
                at = min(LAST_DEPARTURE, at + 5)
            number = numbers.allocate(route.carrier, route.origin.iata, slot_seed >> 16, size)
            slots.append(
                _Slot(
                    number=number,
                    hour=at // 60,
                    minute=at % 60,
                    weekdays=partial if extra and index == count - 1 else 0x7F,
                    providers=self._offers[(slot_seed >> 40) % len(self._offers)],
                    id_prefix=f"{route.carrier}{number}-{route.origin.iata}-",
                    seed=slot_seed,
                )
            )
        return tuple(slots)

    # -- a day (per flight) ---------------------------------------------------------------

    @staticmethod
    def _departures(routes: Sequence[_Route], day: date) -> list[tuple[_Route, _Slot]]:
        bit = 1 << day.weekday()
        return [(route, slot) for route in routes for slot in route.slots if slot.weekdays & bit]

    def _build(self, departures: Iterable[tuple[_Route, _Slot]], day: date) -> list[Flight]:
        ordinal_bits = day.toordinal() * 0x9E3779B97F4A7C15 & _MASK
        stamp = f"{day:%Y%m%d}"
        year, month, dom = day.year, day.month, day.day
        currency = self._currency
        cabins = self._cabins
        amounts = self._amounts
        if len(amounts) > _AMOUNTS_KEPT:
            amounts.clear()
        spread = 2 * _PROVIDER_SPREAD_PERMILLE + 1
        built: list[Flight] = []
        for route, slot in departures:
            bits = _mix(slot.seed ^ ordinal_bits)
            departs = datetime(
                year, month, dom, slot.hour, slot.minute, tzinfo=route.zone
            ).astimezone(UTC)
            leg = Leg(route.origin, route.destination, departs, departs + route.duration)
            # Per provider: the base fare -6% to +6%, no two providers alike on a flight.
            factors: list[int] = []
            for _ in slot.providers:
                step = (bits & 0x7F) * spread >> 7
                bits >>= 7
                while step in factors:
                    step = (step + 1) % spread
                factors.append(step)
            flight_cabins: list[Cabin] = []
            fares: list[Fare] = []
            for plan in route.cabins:
                # Load 30-100% (~5% of cabins full); fuller flights cost more.
                load = min(1_000, 300 + ((bits & 0x3FF) * 740 >> 10))
                bits >>= 10
                capacity = plan.capacity
                seats = capacity - capacity * load // 1_000
                key = (plan.cabin_class, capacity, seats)
                cabin = cabins.get(key)
                if cabin is None:
                    cabin = cabins[key] = Cabin(plan.cabin_class, capacity, seats)
                flight_cabins.append(cabin)
                demand = plan.base_cents * (850 + load * 45 // 100)
                for provider, step in zip(slot.providers, factors, strict=True):
                    permille = 1_000 - _PROVIDER_SPREAD_PERMILLE + step
                    cents = (demand * permille + 500_000) // 1_000_000
                    amount = amounts.get(cents)
                    if amount is None:
                        amount = amounts[cents] = Money(Decimal(cents).scaleb(-2), currency)
                    fares.append(Fare(provider, plan.cabin_class, amount, plan.taxes))
            built.append(
                Flight(
                    id=slot.id_prefix + stamp,
                    marketing_carrier=route.carrier,
                    flight_number=slot.number,
                    operating_carrier=route.carrier,
                    aircraft=route.aircraft,
                    legs=(leg,),
                    cabins=tuple(flight_cabins),
                    fares=tuple(fares),
                )
            )
        return built


class _FlightNumbers:
    """Flight numbers (1-4 digits) unique per carrier while it has enough, always per origin.

    The number starts from the slot's hash in a range by aircraft (long-haul low, regional
    high) and moves up to the first free one; routes are planned in a fixed order.
    """

    _CARRIER_LIMIT = 9_000

    def __init__(self) -> None:
        self._by_carrier: dict[str, set[int]] = {}
        self._by_origin: dict[tuple[str, str], set[int]] = {}

    def allocate(self, carrier: str, origin: str, bits: int, size: _Size) -> str:
        """A free number for a departure of ``carrier`` from ``origin``."""
        carrier_used = self._by_carrier.setdefault(carrier, set())
        origin_used = self._by_origin.setdefault((carrier, origin), set())
        low, high = (
            (1, 999)
            if size.long_haul
            else (3_000, 9_999)
            if size.kmh == _TURBOPROP_KMH or size.economy < 100
            else (100, 2_999)
        )
        number = low + bits % (high - low + 1)
        carrier_wide = len(carrier_used) < self._CARRIER_LIMIT
        for _ in range(9_999):
            if number not in origin_used and not (carrier_wide and number in carrier_used):
                break
            number = number % 9_999 + 1
        else:
            raise ValueError(f"{carrier} has more than 9,999 departures from {origin}")
        carrier_used.add(number)
        origin_used.add(number)
        return str(number)
