"""Searches computed ahead of demand: the busiest routes' first pages, into the page store.

Travellers search the busy routes most, over and over; computing each such search when it
is first asked costs tens of milliseconds and makes the next travellers wait. The warmer
computes them in bulk instead: for each date it reads the few days of flights any of that
date's searches can use once (``WindowInventory``), runs the same ``FlightSearch`` over
them, and keeps the encoded pages under the same keys a serving process looks for. A pass
computes only what the store lacks, so it can run again at any time (pages whose
inventory, margin rules or rates have moved have other keys and are computed anew).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time as timer
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta

import attrs

from adapters.inventory.window_inventory import WindowInventory
from entrypoints.bootstrap import InventoryParts, PricingParts
from entrypoints.http.flights_wire import Places
from entrypoints.http.search_pages import SearchPages, pack
from funflights_core.airline import ReferenceData
from funflights_core.airport import AirportDirectory
from funflights_core.clock import Clock
from funflights_core.exchange import CurrencyExchange
from funflights_core.flight import Flight
from funflights_core.flight_inventory import FlightInventory
from funflights_core.flight_search import FlightSearch, SearchRequest
from funflights_core.margin_books import MarginBooks
from funflights_core.page_store import PageStore
from funflights_core.price_quotes import Buyer
from funflights_core.search_cache import InventoryVersions, SearchCache
from funflights_core.tenant import DEFAULT_TENANT_ID
from funflights_core.unit_of_work import UnitOfWorkFactory

_log = logging.getLogger(__name__)

WINDOW_WORTH = 50
"""Searches of one date worth reading its window of flights for (fewer read their own)."""
_PUT_BATCH = 200


@attrs.frozen
class WarmReport:
    """What one pass did."""

    searches: int
    """Route-dates looked at."""
    computed: int
    """Searches computed now (the others were in the store)."""
    pages: int
    """Pages stored (a search with more results than a page also has its second page)."""
    flights_read: int
    seconds: float


Progress = Callable[[int, int], None]
"""Called with (searches done, searches in all) as a pass goes."""


class SearchWarmer:
    """Keeps the busiest routes' searches of the coming days in the page store."""

    def __init__(
        self,
        *,
        inventory: FlightInventory,
        airports: AirportDirectory,
        reference: ReferenceData,
        books: MarginBooks,
        exchange: CurrencyExchange,
        clock: Clock,
        store: PageStore,
        pages_per_search: int = 2,
        limit: int = 50,
        window_worth: int = WINDOW_WORTH,
    ) -> None:
        self._inventory = inventory
        self._airports = airports
        self._places = Places(airports, reference)
        self._books = books
        self._exchange = exchange
        self._clock = clock
        self._store = store
        self._pages_per_search = pages_per_search
        self._limit = limit
        self._window_worth = window_worth

    async def busiest_routes(self, start: date, days: int, count: int) -> list[tuple[str, str]]:
        """The ``count`` routes with the most flights over the days: the ones to warm."""
        # Counted in UTC with a day more on each side: a flight of a local date may leave
        # on the UTC day before or after it.
        window = (
            _midnight(start - timedelta(days=1)),
            _midnight(start + timedelta(days=days + 1)),
        )
        return list(await self._inventory.busiest_routes(*window, count))

    async def warm(
        self,
        buyer: Buyer,
        *,
        start: date,
        days: int,
        routes: Sequence[tuple[str, str]],
        progress: Progress | None = None,
    ) -> WarmReport:
        """Compute what the store lacks of the routes' searches on ``days`` from ``start``,
        as ``buyer`` (a visitor of the tenant) would search them."""
        began = timer.perf_counter()
        # Pinned for the pass: a change meanwhile gives later searches other keys, and the
        # next pass computes those.
        versions = InventoryVersions(self._inventory)
        await versions.poll()
        busiest = list(routes)
        loaded: dict[date, Sequence[Flight]] = {}
        total = len(busiest) * days
        done = computed = stored = flights_read = 0
        probe = self._search(self._inventory, versions)
        for offset in range(days):
            day = start + timedelta(days=offset)
            requests = [
                SearchRequest(origin, destination, day, limit=self._limit)
                for origin, destination in busiest
            ]
            keys = [await probe.page_key(buyer, request) for request in requests]
            held = await self._store.present(keys)
            missing = [r for r, key in zip(requests, keys, strict=True) if key not in held]
            utc_days = _utc_days(*probe.reads_for(day))
            for old in [d for d in loaded if d < utc_days[0]]:
                del loaded[old]
            if len(missing) >= self._window_worth:
                # Hundreds of thousands of flights, their prices and pages live until the
                # window moves on: each collection would walk them all again (it doubled
                # the time of a pass). They hold no cycles (counting frees them), so the
                # collector waits until the day is done.
                with _collector_paused():
                    flights_read += await self._load(loaded, utc_days)
                    stored += await self._compute(
                        buyer, missing, self._window(loaded, utc_days), versions
                    )
            elif missing:
                # A few searches (a change on a quiet day): each reads what it needs.
                stored += await self._compute(buyer, missing, self._inventory, versions)
            computed += len(missing)
            done += len(requests)
            if progress is not None:
                progress(done, total)
        return WarmReport(
            searches=total,
            computed=computed,
            pages=stored,
            flights_read=flights_read,
            seconds=round(timer.perf_counter() - began, 2),
        )

    def _search(self, inventory: FlightInventory, versions: InventoryVersions) -> FlightSearch:
        return FlightSearch(
            inventory=inventory,
            airports=self._airports,
            books=self._books,
            exchange=self._exchange,
            clock=self._clock,
            # One search's results at a time; a day's flight prices are shared by all.
            cache=SearchCache(max_entries=1, ttl_s=3600, clock=self._clock),
            prices=SearchCache(max_entries=500_000, ttl_s=3600, clock=self._clock),
            versions=versions,
        )

    async def _load(self, loaded: dict[date, Sequence[Flight]], utc_days: list[date]) -> int:
        read = 0
        for utc_day in utc_days:
            if utc_day not in loaded:
                start = _midnight(utc_day)
                loaded[utc_day] = await self._inventory.departing(
                    None, start, start + timedelta(days=1)
                )
                read += len(loaded[utc_day])
        return read

    def _window(
        self, loaded: dict[date, Sequence[Flight]], utc_days: list[date]
    ) -> WindowInventory:
        return WindowInventory(
            self._inventory,
            (flight for utc_day in utc_days for flight in loaded[utc_day]),
            _midnight(utc_days[0]),
            _midnight(utc_days[-1] + timedelta(days=1)),
        )

    async def _compute(
        self,
        buyer: Buyer,
        requests: Sequence[SearchRequest],
        inventory: FlightInventory,
        versions: InventoryVersions,
    ) -> int:
        pages = SearchPages(search=self._search(inventory, versions), places=self._places)
        batch: dict[str, bytes] = {}
        stored = 0
        for request in requests:
            await asyncio.sleep(0)  # in a serving process, requests go on meanwhile
            # The last page first: a reader finding the first page finds the next one too.
            for key, encoded in reversed(await self._pages_of(pages, buyer, request)):
                batch[key] = pack(encoded)
            if len(batch) >= _PUT_BATCH:
                await self._store.put(batch)
                stored += len(batch)
                batch = {}
        await self._store.put(batch)
        return stored + len(batch)

    async def _pages_of(
        self, pages: SearchPages, buyer: Buyer, request: SearchRequest
    ) -> list[tuple[str, bytes]]:
        found: list[tuple[str, bytes]] = []
        while len(found) < self._pages_per_search:
            encoded, page = await pages.computed(buyer, request)
            if page.fingerprint is None:
                break
            found.append((page.fingerprint, encoded))
            if page.next_cursor is None:
                break
            request = attrs.evolve(request, cursor=page.next_cursor)
        return found


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _utc_days(start: datetime, end: datetime) -> list[date]:
    """The whole UTC days covering [start, end)."""
    last = (end - timedelta(microseconds=1)).date()
    return [start.date() + timedelta(days=n) for n in range((last - start.date()).days + 1)]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def search_warmer(
    inventory: InventoryParts,
    pricing: PricingParts,
    clock: Clock,
    *,
    window_worth: int = WINDOW_WORTH,
) -> SearchWarmer:
    """The warmer over the parts a serving process (or the CLI) was built with."""
    if inventory.pages is None:
        raise ValueError("the inventory has no page store to warm")
    return SearchWarmer(
        inventory=inventory.flights,
        airports=inventory.airports,
        reference=inventory.reference,
        books=pricing.books,
        exchange=pricing.exchange,
        clock=clock,
        store=inventory.pages,
        window_worth=window_worth,
    )


async def visitor(database: UnitOfWorkFactory, tenant_id: str = DEFAULT_TENANT_ID) -> Buyer:
    """A visitor of the tenant: whom pages are computed for ahead of demand."""
    async with database.platform() as uow:
        tenant = await uow.tenants.get(tenant_id)
    if tenant is None:
        raise LookupError(f"no tenant {tenant_id!r}: run 'funflights db upgrade'")
    return Buyer(tenant)


async def keep_searches_warm(
    warmer: SearchWarmer,
    database: UnitOfWorkFactory,
    clock: Clock,
    *,
    routes: int,
    days: int,
    interval_s: float,
) -> None:
    """Warm the coming days' busiest searches, then again every ``interval_s`` (forever)."""
    while True:
        try:
            start = clock.now().date() + timedelta(days=1)
            report = await warmer.warm(
                await visitor(database),
                start=start,
                days=days,
                routes=await warmer.busiest_routes(start, days, routes),
            )
            if report.computed:
                _log.info(
                    "searches warmed: %d computed of %d (%d pages, %d flights read) in %.1f s",
                    report.computed,
                    report.searches,
                    report.pages,
                    report.flights_read,
                    report.seconds,
                )
        except Exception:
            _log.exception("warming searches failed")
        await asyncio.sleep(interval_s)
