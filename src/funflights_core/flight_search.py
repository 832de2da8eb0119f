"""Use case: search flights between two places on a date, priced for the buyer.

Direct flights and one-stop connections are priced with the tenant's current margin rules
(the best provider fare of each flight), filtered, counted into facets, sorted and paged
with a cursor that stays valid while inventory changes (it names the last result's sort
key, not a position).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import enum
import json
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from funflights_core.airport import AirportDirectory
from funflights_core.clock import Clock
from funflights_core.errors import Conflict, CurrencyMismatch, InvalidInput, RateUnavailable
from funflights_core.exchange import CurrencyExchange
from funflights_core.flight import CabinClass, Flight
from funflights_core.flight_inventory import FlightInventory
from funflights_core.itinerary import ConnectionRules, Itinerary, by_departure, one_stop
from funflights_core.margin_book import MarginBook
from funflights_core.margin_books import MarginBooks
from funflights_core.margin_rule import FlightFacts
from funflights_core.money import Money
from funflights_core.passengers import Passengers
from funflights_core.price_quotes import Buyer
from funflights_core.pricing import PriceBreakdown, Pricer, PricingContext
from funflights_core.search_cache import InventoryVersions, SearchCache
from funflights_core.tenant import currency_code

_log = logging.getLogger(__name__)

MAX_PAGE = 100
SALE_LEAD = timedelta(minutes=30)
"""Flights leaving sooner than this are no longer sold (searches leave them out)."""
SALE_STEP = timedelta(minutes=10)
"""Searches move their cut-off in steps of this: a result page then stays right for a whole
step (it leaves out what will be too close to sell by the step's end), so it can be kept
and shared for that long instead of being computed again every minute."""
LONGEST_FLIGHT = timedelta(hours=20)
_EARLIEST_ZONE = timedelta(hours=14)
_LATEST_ZONE = timedelta(hours=12)
"""The farthest time zones from UTC, ahead (UTC+14) and behind (UTC-12)."""
BOOKING_HORIZON = timedelta(days=366)
"""How far ahead flights are sold."""
_DETOURS_KEPT = 200_000
"""Hub checks remembered (airports do not move; the bound keeps memory in check)."""
FEW_SEATS = 9
"""Seats left are shown when there are this many or fewer."""


def sale_cutoff(now: datetime) -> datetime:
    """The earliest departure a search shows now: ``SALE_LEAD`` after the end of the
    current ``SALE_STEP`` (so a flight shown stays on sale while the page is kept)."""
    step = int(SALE_STEP.total_seconds())
    elapsed = int((now - datetime(2000, 1, 1, tzinfo=UTC)).total_seconds())
    step_end = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=(elapsed // step + 1) * step)
    return step_end + SALE_LEAD


class SortOrder(enum.StrEnum):
    """How results are ordered."""

    BEST = "best"
    """Shortest journey first, then the cheapest."""
    CHEAPEST = "cheapest"
    FASTEST = "fastest"
    EARLIEST = "earliest"


@attrs.frozen
class SearchFilters:
    """What a traveller narrows results to; None means no limit."""

    min_price: Decimal | None = None
    max_price: Decimal | None = None
    """In the currency of the search."""
    depart_after: time | None = None
    depart_before: time | None = None
    """Local time at the origin."""
    arrive_after: time | None = None
    arrive_before: time | None = None
    """Local time at the destination."""
    max_duration: timedelta | None = None
    airlines: frozenset[str] = frozenset()
    """Only itineraries whose every flight is by one of these (empty: any)."""
    exclude_airlines: frozenset[str] = frozenset()
    max_stops: int | None = None


@attrs.frozen
class SearchRequest:
    """A one-way search (a round trip or multi-city search is one request per slice)."""

    origin: str
    destination: str
    departure: date
    """In the origin's local time."""
    cabin: CabinClass = CabinClass.ECONOMY
    passengers: Passengers = attrs.field(factory=Passengers)
    currency: str | None = None
    filters: SearchFilters = attrs.field(factory=SearchFilters)
    sort: SortOrder = SortOrder.BEST
    limit: int = 50
    cursor: str | None = None


@attrs.frozen
class PricedItinerary:
    """A result: the flights, each flight's price, and the total for the party."""

    itinerary: Itinerary
    prices: tuple[PriceBreakdown, ...]
    """One per flight, in order."""
    total: Money
    seats_left: int
    """Fewest seats left in the cabin along the way."""

    @property
    def few_seats_left(self) -> int | None:
        """Seats left, when few enough to tell the traveller."""
        return self.seats_left if self.seats_left <= FEW_SEATS else None


@attrs.frozen
class Facets:
    """Counts over every result that passed the filters (before paging)."""

    airlines: dict[str, int]
    stops: dict[int, int]
    min_price: Money | None
    max_price: Money | None


@attrs.frozen
class SearchPage:
    """One page of results, the facets, and the cursor of the next page."""

    results: tuple[PricedItinerary, ...]
    facets: Facets
    total: int
    next_cursor: str | None
    currency: str
    fingerprint: str | None = None
    """``FlightSearch.page_key`` of the request, when results are kept (None if not): what
    an edge may key an encoded copy of the page with."""


SortKey = tuple[Any, ...]
Ranked = tuple[tuple[PricedItinerary, ...], Facets]
"""Every result of a search that passed its filters, sorted, and the facets over them."""


def _sort_key(order: SortOrder) -> Callable[[PricedItinerary], SortKey]:
    def duration(result: PricedItinerary) -> int:
        return int(result.itinerary.duration.total_seconds())

    def departs(result: PricedItinerary) -> str:
        return result.itinerary.departs_at.isoformat()

    keys: dict[SortOrder, Callable[[PricedItinerary], SortKey]] = {
        SortOrder.BEST: lambda r: (duration(r), r.total.amount, r.itinerary.id),
        SortOrder.CHEAPEST: lambda r: (r.total.amount, duration(r), r.itinerary.id),
        SortOrder.FASTEST: lambda r: (duration(r), departs(r), r.itinerary.id),
        SortOrder.EARLIEST: lambda r: (departs(r), r.total.amount, r.itinerary.id),
    }
    return keys[order]


def encode_cursor(order: SortOrder, key: SortKey) -> str:
    """An opaque cursor naming the last result shown."""
    fields = [order.value, *(str(part) for part in key)]
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")


def decode_cursor(order: SortOrder, cursor: str) -> SortKey:
    """The sort key a cursor names; ``InvalidInput`` if it was not made for this sort."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        fields = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(fields, list) or fields[0] != order.value or len(fields) != 4:
            raise ValueError("another sort")
        first, second, identifier = fields[1:]
        if not all(isinstance(part, str) for part in (first, second, identifier)):
            raise ValueError("not a cursor")
        parts: dict[SortOrder, Callable[[], SortKey]] = {
            SortOrder.BEST: lambda: (int(first), Decimal(second), identifier),
            SortOrder.CHEAPEST: lambda: (Decimal(first), int(second), identifier),
            SortOrder.FASTEST: lambda: (int(first), str(second), identifier),
            SortOrder.EARLIEST: lambda: (str(first), Decimal(second), identifier),
        }
        key = parts[order]()
        if any(isinstance(part, Decimal) and not part.is_finite() for part in key):
            raise ValueError("not a cursor")
        return key
    except (ValueError, TypeError, IndexError, binascii.Error, ArithmeticError):
        raise InvalidInput("cursor", "use the next_cursor of a search with the same sort") from None


class FlightSearch:
    """Finds, prices, filters, sorts and pages itineraries for a buyer."""

    def __init__(
        self,
        *,
        inventory: FlightInventory,
        airports: AirportDirectory,
        books: MarginBooks,
        exchange: CurrencyExchange,
        clock: Clock,
        connections: ConnectionRules | None = None,
        cache: SearchCache[Ranked] | None = None,
        versions: InventoryVersions | None = None,
        prices: SearchCache[PriceBreakdown] | None = None,
    ) -> None:
        self._cache = cache
        self._running: dict[str, asyncio.Future[Ranked]] = {}
        self._prices = prices
        if prices is None and cache is not None:
            # Flights recur across searches (every search into New York prices the same
            # arrivals): their prices are kept too, under the same versions.
            self._prices = cache.sibling(max_entries=cache.max_entries * 10)
        self._versions = versions or InventoryVersions(inventory)
        self._inventory = inventory
        self._airports = airports
        self._books = books
        self._exchange = exchange
        self._clock = clock
        self._connections = connections or ConnectionRules()
        self._detours: dict[tuple[str, frozenset[str], frozenset[str]], bool] = {}
        self._rates: tuple[float, str] = (float("-inf"), "")

    def _airports_of(self, code: str, field: str) -> frozenset[str]:
        served = self._airports.serving(code.strip().upper())
        if not served:
            raise InvalidInput(field, f"{code!r} is neither an airport nor a city code")
        return frozenset(airport.iata for airport in served)

    async def itineraries(self, request: SearchRequest) -> list[Itinerary]:
        """Direct flights and one-stop connections leaving on the date (origin local time)."""
        origins = self._airports_of(request.origin, "origin")
        destinations = self._airports_of(request.destination, "destination")
        if origins & destinations:
            raise InvalidInput("destination", "must differ from the origin")
        start, end = self._local_day(origins, request.departure)
        # Nothing that leaves too soon to be booked and boarded.
        start = max(start, sale_cutoff(self._clock.now()))
        if end <= start:
            return []
        if request.filters.max_stops == 0:
            only = await self._inventory.departing(origins, start, end, to=destinations)
            return [Itinerary((f,)) for f in only]
        # The route network says which hubs link the two places at all: only flights to
        # them and on from them are read, so both reads stay small even at a busy airport.
        network = await self._inventory.network()
        reachable = frozenset().union(*(network.get(o, frozenset()) for o in origins))
        hubs = frozenset(
            hub
            for hub in reachable - origins - destinations
            if network.get(hub, frozenset()) & destinations
            and self._on_the_way(hub, origins, destinations)
        )
        first = await self._inventory.departing(origins, start, end, to=destinations | hubs)
        direct = [Itinerary((f,)) for f in first if f.destination in destinations]
        if not hubs:
            return direct
        # A first flight leaving late in the day may land the next day: onward flights are
        # read up to the longest flight's landing plus the longest layover.
        latest = end + LONGEST_FLIGHT + self._connections.maximum
        onward = by_departure(await self._inventory.departing(hubs, start, latest, to=destinations))
        connecting = one_stop(first, onward, destinations=destinations, rules=self._connections)
        return direct + connecting

    def _on_the_way(self, hub: str, origins: frozenset[str], destinations: frozenset[str]) -> bool:
        """Whether flying through ``hub`` is no great detour (unknown places are allowed)."""
        key = (hub, origins, destinations)
        known = self._detours.get(key)
        if known is None:
            if len(self._detours) >= _DETOURS_KEPT:
                self._detours.clear()
            known = self._detours[key] = self._measured_on_the_way(hub, origins, destinations)
        return known

    def _measured_on_the_way(
        self, hub: str, origins: frozenset[str], destinations: frozenset[str]
    ) -> bool:
        via = self._airports.airport(hub)
        if via is None:
            return True
        for origin in origins:
            start = self._airports.airport(origin)
            for destination in destinations:
                end = self._airports.airport(destination)
                if start is None or end is None:
                    return True
                direct = start.distance_km(end)
                if start.distance_km(via) + via.distance_km(end) <= (
                    self._connections.max_detour * direct
                ):
                    return True
        return False

    def reads_for(self, day: date) -> tuple[datetime, datetime]:
        """The UTC span any search of ``day`` (a local date, wherever) may read flights
        from: the day's start at UTC+14 to its end at UTC-12, then the longest flight and
        the longest connection (what ``itineraries`` reads, at most)."""
        midnight = datetime.combine(day, time(0), UTC)
        end = midnight + timedelta(days=1) + _LATEST_ZONE
        return midnight - _EARLIEST_ZONE, end + LONGEST_FLIGHT + self._connections.maximum

    def _local_day(self, airports: frozenset[str], day: date) -> tuple[datetime, datetime]:
        """The UTC span covering ``day`` at every one of the airports."""
        spans = []
        for code in airports:
            airport = self._airports.airport(code)
            zone = ZoneInfo(airport.time_zone) if airport is not None else UTC
            midnight = datetime.combine(day, time(0), zone)
            spans.append((midnight.astimezone(UTC), (midnight + timedelta(days=1)).astimezone(UTC)))
        return min(s for s, _ in spans), max(e for _, e in spans)

    def currency_for(self, buyer: Buyer, asked: str | None) -> str:
        """The currency to price in: the one asked for, else the buyer's, else the tenant's."""
        code = currency_code(
            asked or buyer.preferred_currency or buyer.tenant.default_currency, "currency"
        )
        self._exchange.currency(code)  # an unknown currency is the caller's mistake
        return code

    async def price(
        self,
        buyer: Buyer,
        itinerary: Itinerary,
        *,
        cabin: CabinClass,
        passengers: Passengers,
        currency: str | None = None,
    ) -> PricedItinerary:
        """The current price of chosen flights; ``Conflict`` if they cannot be sold now."""
        book = await self._books.book(buyer.tenant.id)
        request = SearchRequest(
            itinerary.origin, itinerary.destination, itinerary.departs_at.date(), cabin, passengers
        )
        code = self.currency_for(buyer, currency)
        pricer = Pricer(margins=book, exchange=self._exchange)
        priced = await self._priced(itinerary, request, code, pricer, buyer.tenant.exchange_spread)
        if priced is None:
            raise Conflict(
                f"these flights cannot be sold in {cabin} for {passengers.seats} now "
                "(not enough seats, or no fare that can be priced)"
            )
        return priced

    async def page_key(self, buyer: Buyer, request: SearchRequest) -> str:
        """The name of the page this search answers, the same in every process while
        nothing that changes the page moves (flights, fares, seats, margin rules, rates, and
        once the day is near, the sale cut-off): a shared store of pages is keyed by it."""
        return (await self._keyed(buyer, request)).page

    async def _keyed(self, buyer: Buyer, request: SearchRequest) -> _Keyed:
        """The request checked, its currency and margin book, and its cache keys."""
        if not 1 <= request.limit <= MAX_PAGE:
            raise InvalidInput("limit", f"use 1 to {MAX_PAGE}")
        now = self._clock.now()
        today = now.date()
        if not today - timedelta(days=1) <= request.departure <= today + BOOKING_HORIZON:
            raise InvalidInput(
                "date", f"search from yesterday to {BOOKING_HORIZON.days} days ahead"
            )
        tenant = buyer.tenant
        currency = self.currency_for(buyer, request.currency)
        after = None if request.cursor is None else decode_cursor(request.sort, request.cursor)
        book = await self._books.book(tenant.id)
        # Once the sale cut-off has reached the day at the origin, results shrink step by
        # step as flights get too close to sell: from then on the key names the cut-off.
        cutoff = ""
        if request.departure <= today + timedelta(days=1):
            origins = self._airports_of(request.origin, "origin")
            moment = sale_cutoff(now)
            if moment > self._local_day(origins, request.departure)[0]:
                cutoff = moment.isoformat()
        scope = "|".join(
            (
                tenant.id,
                str(tenant.exchange_spread),
                str(self._books.version_of(tenant.id)),
                str(await self._versions.current()),
                await self._rates_as_of(),
                currency,
                request.cabin.value,
                _party(request.passengers),
            )
        )
        ranked = "|".join(
            (
                scope,
                cutoff,
                request.origin.strip().upper(),
                request.destination.strip().upper(),
                request.departure.isoformat(),
                request.sort.value,
                _canonical(request.filters),
            )
        )
        page = f"{ranked}|{request.limit}|{request.cursor or ''}"
        return _Keyed(scope, ranked, page, currency, book, after)

    async def _rates_as_of(self) -> str:
        # Reference rates are published once a day: the source and the day name them.
        # Looked up at most once a second (every search names its page with them).
        now = self._clock.monotonic()
        if now < self._rates[0]:
            return self._rates[1]
        try:
            table = await self._exchange.table()
            named = f"{table.source}@{table.as_of.date().isoformat()}"
        except RateUnavailable:
            named = ""
        self._rates = (now + 1.0, named)
        return named

    async def search(self, buyer: Buyer, request: SearchRequest) -> SearchPage:
        """One page of priced results, with facets over all of them."""
        keyed = await self._keyed(buyer, request)
        currency = keyed.currency
        order_key = _sort_key(request.sort)
        key = keyed.ranked
        ranked = None if self._cache is None else self._cache.get(key)
        if ranked is None:
            running = self._running.get(key)
            if running is not None:
                # The same search is being computed for another caller: share its result
                # rather than do the same work again (a popular route's first requests).
                ranked = await asyncio.shield(running)
            else:
                task = asyncio.ensure_future(
                    self._ranked(
                        request, currency, keyed.book, buyer.tenant.exchange_spread, keyed.scope
                    )
                )
                self._running[key] = task
                try:
                    ranked = await asyncio.shield(task)
                finally:
                    self._running.pop(key, None)
                if self._cache is not None:
                    self._cache.put(key, ranked)
        priced, facets = ranked
        after = keyed.after
        remaining = priced if after is None else [r for r in priced if order_key(r) > after]
        page = tuple(remaining[: request.limit])
        more = len(remaining) > request.limit
        cursor = encode_cursor(request.sort, order_key(page[-1])) if more and page else None
        fingerprint = None if self._cache is None else keyed.page
        return SearchPage(page, facets, len(priced), cursor, currency, fingerprint)

    async def _ranked(
        self,
        request: SearchRequest,
        currency: str,
        book: MarginBook,
        spread: Decimal,
        scope: str,
    ) -> Ranked:
        """Every priced result that passes the filters, sorted, and their facets."""
        priced = []
        memo = _Prices(scope, self._prices)
        pricer = Pricer(margins=book, exchange=self._exchange)
        for itinerary in await self.itineraries(request):
            if not self._in_local_windows(itinerary, request):
                continue
            result = await self._priced(itinerary, request, currency, pricer, spread, memo)
            if result is not None and _passes(result, request.filters):
                priced.append(result)
        priced.sort(key=_sort_key(request.sort))
        return tuple(priced), _facets(priced)

    def _in_local_windows(self, itinerary: Itinerary, request: SearchRequest) -> bool:
        filters = request.filters
        if filters.depart_after or filters.depart_before:
            departs = self._local(itinerary.origin, itinerary.departs_at).time()
            if filters.depart_after and departs < filters.depart_after:
                return False
            if filters.depart_before and departs > filters.depart_before:
                return False
        if filters.arrive_after or filters.arrive_before:
            arrives = self._local(itinerary.destination, itinerary.arrives_at).time()
            if filters.arrive_after and arrives < filters.arrive_after:
                return False
            if filters.arrive_before and arrives > filters.arrive_before:
                return False
        return True

    def _local(self, code: str, moment: datetime) -> datetime:
        airport = self._airports.airport(code)
        return moment if airport is None else airport.local(moment)

    async def _priced(
        self,
        itinerary: Itinerary,
        request: SearchRequest,
        currency: str,
        pricer: Pricer,
        spread: Decimal,
        memo: _Prices | None = None,
    ) -> PricedItinerary | None:
        seats = itinerary.seats_left(request.cabin)
        if seats < request.passengers.seats:
            return None
        prices = []
        for flight in itinerary.flights:
            known = None if memo is None else memo.get(flight.id)
            if known is not None:
                prices.append(known)
                continue
            fares = flight.fares_for(request.cabin)
            if not fares:
                return None
            quotes = [request.passengers.quote(fare) for fare in fares]
            context = PricingContext(
                flight=self._facts(flight, request.cabin),
                passengers=request.passengers.count,
                customer_currency=currency,
                at=self._clock.now(),
                spread=spread,
            )
            try:
                price = await pricer.price(quotes, context)
            except (CurrencyMismatch, RateUnavailable, InvalidInput) as exc:
                # One flight that cannot be priced (a currency without rates, odd data)
                # must not fail a whole search: it is left out, and said so in the log.
                _log.warning("flight %s left out of a search: %s", flight.id, exc)
                return None
            if memo is not None:
                memo.put(flight.id, price)
            prices.append(price)
        total = prices[0].total
        for price in prices[1:]:
            total = total + price.total
        return PricedItinerary(itinerary, tuple(prices), total, seats)

    def _facts(self, flight: Flight, cabin: CabinClass) -> FlightFacts:
        return FlightFacts(
            carrier=flight.marketing_carrier,
            flight_number=flight.flight_number,
            origin=flight.origin,
            destination=flight.destination,
            origin_country=self._airports.country_of(flight.origin) or "",
            destination_country=self._airports.country_of(flight.destination) or "",
            departure=self._local(flight.origin, flight.departs_at).date(),
            cabin=cabin.value,
        )


@attrs.frozen
class _Keyed:
    """A checked request's keys: ``scope`` prices flights, ``ranked`` names every result,
    ``page`` names one page of them."""

    scope: str
    ranked: str
    page: str
    currency: str
    book: MarginBook
    after: SortKey | None


def _party(passengers: Passengers) -> str:
    return f"{passengers.adults},{passengers.children},{passengers.infants}"


def _canonical(filters: SearchFilters) -> str:
    """The filters as text, the same in every process (sets sorted)."""
    parts = (
        filters.min_price,
        filters.max_price,
        filters.depart_after,
        filters.depart_before,
        filters.arrive_after,
        filters.arrive_before,
        None if filters.max_duration is None else int(filters.max_duration.total_seconds()),
        ",".join(sorted(filters.airlines)),
        ",".join(sorted(filters.exclude_airlines)),
        filters.max_stops,
    )
    return ";".join("" if part is None else str(part) for part in parts)


class _Prices:
    """Flight prices of one search: its own, and those kept from searches of the same scope."""

    def __init__(self, scope: str, shared: SearchCache[PriceBreakdown] | None) -> None:
        self._scope = scope
        self._shared = shared
        self._mine: dict[str, PriceBreakdown] = {}

    def get(self, flight_id: str) -> PriceBreakdown | None:
        found = self._mine.get(flight_id)
        if found is None and self._shared is not None:
            found = self._shared.get((self._scope, flight_id))
            if found is not None:
                self._mine[flight_id] = found
        return found

    def put(self, flight_id: str, price: PriceBreakdown) -> None:
        self._mine[flight_id] = price
        if self._shared is not None:
            self._shared.put((self._scope, flight_id), price)


def _passes(result: PricedItinerary, filters: SearchFilters) -> bool:
    itinerary = result.itinerary
    amount = result.total.amount
    if filters.min_price is not None and amount < filters.min_price:
        return False
    if filters.max_price is not None and amount > filters.max_price:
        return False
    if filters.max_duration is not None and itinerary.duration > filters.max_duration:
        return False
    if filters.max_stops is not None and itinerary.stops > filters.max_stops:
        return False
    if filters.airlines and not itinerary.carriers <= filters.airlines:
        return False
    return not (filters.exclude_airlines and itinerary.carriers & filters.exclude_airlines)


def _facets(results: Sequence[PricedItinerary]) -> Facets:
    airlines: dict[str, int] = {}
    stops: dict[int, int] = {}
    for result in results:
        for carrier in result.itinerary.carriers:
            airlines[carrier] = airlines.get(carrier, 0) + 1
        stops[result.itinerary.stops] = stops.get(result.itinerary.stops, 0) + 1
    totals = [result.total for result in results]
    return Facets(
        airlines=dict(sorted(airlines.items())),
        stops=dict(sorted(stops.items())),
        min_price=min(totals, key=lambda m: m.amount) if totals else None,
        max_price=max(totals, key=lambda m: m.amount) if totals else None,
    )
