"""PageStore in this process: a bounded LRU whose entries expire."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping

from funflights_core.clock import Clock


class InMemoryPageStore:
    """Pages of one process (``make run`` without Redis, and the tests' fake)."""

    def __init__(self, *, clock: Clock, ttl_s: float, max_entries: int = 50_000) -> None:
        self._clock = clock
        self._ttl_s = ttl_s
        self._max = max_entries
        self._pages: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    async def get(self, key: str) -> bytes | None:
        """The page under ``key`` if it has not expired."""
        entry = self._fresh(key)
        if entry is None:
            return None
        self._pages.move_to_end(key)
        return entry

    async def put(self, pages: Mapping[str, bytes]) -> None:
        """Keep the pages, dropping the least recently used beyond the bound."""
        expires = self._clock.monotonic() + self._ttl_s
        for key, page in pages.items():
            self._pages[key] = (expires, page)
            self._pages.move_to_end(key)
        while len(self._pages) > self._max:
            self._pages.popitem(last=False)

    async def present(self, keys: Iterable[str]) -> set[str]:
        """The keys held and not expired."""
        return {key for key in keys if self._fresh(key) is not None}

    def _fresh(self, key: str) -> bytes | None:
        entry = self._pages.get(key)
        if entry is None:
            return None
        if self._clock.monotonic() >= entry[0]:
            del self._pages[key]
            return None
        return entry[1]
