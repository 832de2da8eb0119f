"""A RateSource wrapper that keeps another source's table for a while (live feeds are slow)."""

from __future__ import annotations

import asyncio

from funflights_core.clock import Clock
from funflights_core.errors import RateUnavailable
from funflights_core.exchange import RateSource, RateTable


class CachedRates:
    """Asks the wrapped source at most once per ``ttl_s``; after a failure, once per ``retry_s``."""

    def __init__(
        self, source: RateSource, *, clock: Clock, ttl_s: float, retry_s: float = 30.0
    ) -> None:
        self._source = source
        self._clock = clock
        self._ttl_s = ttl_s
        self._retry_s = retry_s
        self._table: RateTable | None = None
        self._failure: RateUnavailable | None = None
        self._until = float("-inf")
        self._lock = asyncio.Lock()

    async def table(self) -> RateTable:
        """The cached table, refreshed when it is older than the TTL."""
        if self._clock.monotonic() < self._until:
            return self._current()
        async with self._lock:
            if self._clock.monotonic() >= self._until:
                try:
                    self._table = await self._source.table()
                    self._failure = None
                    self._until = self._clock.monotonic() + self._ttl_s
                except RateUnavailable as exc:
                    # Keep serving the last good table (its age decides whether it is used).
                    self._failure = exc
                    self._until = self._clock.monotonic() + self._retry_s
        return self._current()

    def _current(self) -> RateTable:
        if self._table is not None:
            return self._table
        raise self._failure or RateUnavailable("no rates fetched yet")
