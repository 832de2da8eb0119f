"""Search results kept for a while, keyed by everything that changes them.

A key carries the inventory version and the margin book in use, so a change to flights,
fares, seats or margin rules makes older entries unreachable (they age out of the LRU).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from funflights_core.clock import Clock
from funflights_core.flight_inventory import FlightInventory

Value = TypeVar("Value")


class InventoryVersions:
    """The inventory's version, read per search, or kept fresh by ``watch`` in a server."""

    def __init__(self, inventory: FlightInventory) -> None:
        self._inventory = inventory
        self._known: int | None = None

    async def current(self) -> int:
        """The version to key results with."""
        if self._known is not None:
            return self._known
        return await self._inventory.version()

    async def poll(self) -> None:
        """Read the version now."""
        self._known = await self._inventory.version()

    async def refresh(self) -> None:
        """After a write in this process: read the version again if it is being watched."""
        if self._known is not None:
            await self.poll()


class SearchCache(Generic[Value]):
    """A bounded, least-recently-used map whose entries also expire after ``ttl_s``."""

    def __init__(self, *, max_entries: int, ttl_s: float, clock: Clock) -> None:
        self._entries: OrderedDict[Hashable, tuple[float, Value]] = OrderedDict()
        self._max = max_entries
        self._ttl_s = ttl_s
        self._clock = clock
        self.hits = 0
        self.misses = 0

    @property
    def max_entries(self) -> int:
        """The bound."""
        return self._max

    def sibling(self, *, max_entries: int) -> SearchCache[Any]:
        """Another cache with the same expiry and clock (for values of another kind)."""
        return SearchCache(max_entries=max_entries, ttl_s=self._ttl_s, clock=self._clock)

    def get(self, key: Hashable) -> Value | None:
        """The fresh value under ``key``, or None."""
        entry = self._entries.get(key)
        if entry is None or self._clock.monotonic() - entry[0] > self._ttl_s:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[1]

    def put(self, key: Hashable, value: Value) -> None:
        """Keep ``value`` under ``key``, dropping the least recently used beyond the bound."""
        self._entries[key] = (self._clock.monotonic(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
