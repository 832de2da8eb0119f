"""A FlightInventory wrapper that keeps recent reads, keyed by the inventory version.

Searches of different routes share airports (every search into New York reads the day's
arrivals at JFK and EWR): keeping those reads saves rebuilding the same flights from rows.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime

from funflights_core.flight import Flight
from funflights_core.flight_store import Inventory, StoreCounts
from funflights_core.search_cache import InventoryVersions


class CachedInventory:
    """Inventory reads kept in a bounded LRU; writes go through and change the version."""

    def __init__(self, inner: Inventory, versions: InventoryVersions, *, max_entries: int) -> None:
        self._inner = inner
        self._versions = versions
        self._max = max_entries
        self._reads: OrderedDict[Hashable, Sequence[Flight]] = OrderedDict()

    async def departing(
        self,
        airports: frozenset[str] | None,
        start: datetime,
        end: datetime,
        *,
        to: frozenset[str] | None = None,
    ) -> Sequence[Flight]:
        """The inner read, from memory when the same read was made at this version."""
        key = (await self._versions.current(), airports, start, end, to)
        found = self._reads.get(key)
        if found is not None:
            self._reads.move_to_end(key)
            return found
        flights = tuple(await self._inner.departing(airports, start, end, to=to))
        self._reads[key] = flights
        while len(self._reads) > self._max:
            self._reads.popitem(last=False)
        return flights

    async def flight(self, flight_id: str) -> Flight | None:
        """Always read through: offers and bookings need the seats of now."""
        return await self._inner.flight(flight_id)

    async def network(self) -> Mapping[str, frozenset[str]]:
        """The inner network (the SQL store keeps it per version)."""
        return await self._inner.network()

    async def busiest_routes(
        self, start: datetime, end: datetime, limit: int
    ) -> Sequence[tuple[str, str]]:
        """Counted by the inner store."""
        return await self._inner.busiest_routes(start, end, limit)

    async def version(self) -> int:
        """The inner version."""
        return await self._inner.version()

    async def upsert(self, flights: Sequence[Flight], *, staff: bool = False) -> StoreCounts:
        """Written through; this process sees the change at once."""
        counts = await self._inner.upsert(flights, staff=staff)
        await self._versions.refresh()
        return counts

    async def count(self) -> int:
        """Counted by the inner store."""
        return await self._inner.count()

    async def remove(self, flight_id: str) -> bool:
        """Removed through; this process sees the change at once."""
        removed = await self._inner.remove(flight_id)
        await self._versions.refresh()
        return removed
