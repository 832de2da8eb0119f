"""A FlightInventory holding the flights of a time window in memory, over the real one.

The search warmer reads a few days of flights once and answers thousands of searches from
them; any read reaching outside the window, and every other question (a flight by id, the
version, the network), goes to the inventory underneath, so answers are the same as its own.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from funflights_core.flight import Flight
from funflights_core.flight_inventory import FlightInventory


def _departure(flight: Flight) -> datetime:
    return flight.departs_at


class WindowInventory:
    """Flights leaving in [``start``, ``end``), indexed by origin and by route."""

    def __init__(
        self, inner: FlightInventory, flights: Iterable[Flight], start: datetime, end: datetime
    ) -> None:
        self._inner = inner
        self._start = start
        self._end = end
        self._network: Mapping[str, frozenset[str]] | None = None
        self._by_origin: dict[str, list[Flight]] = {}
        self._by_route: dict[tuple[str, str], list[Flight]] = {}
        for flight in sorted(flights, key=lambda f: (f.departs_at, f.id)):
            if not start <= flight.departs_at < end:
                raise ValueError(f"flight {flight.id} leaves outside the window")
            self._by_origin.setdefault(flight.origin, []).append(flight)
            self._by_route.setdefault((flight.origin, flight.destination), []).append(flight)

    async def departing(
        self,
        airports: frozenset[str] | None,
        start: datetime,
        end: datetime,
        *,
        to: frozenset[str] | None = None,
    ) -> Sequence[Flight]:
        """From memory inside the window (as the inner inventory orders them), else read."""
        if airports is None or start < self._start or end > self._end:
            return await self._inner.departing(airports, start, end, to=to)
        groups: list[list[Flight]] = []
        if to is None:
            groups = [self._by_origin.get(code, []) for code in airports]
        else:
            groups = [self._by_route.get((o, d), []) for o in airports for d in to]
        found: list[Flight] = []
        for group in groups:
            first = bisect.bisect_left(group, start, key=_departure)
            last = bisect.bisect_left(group, end, key=_departure)
            found.extend(group[first:last])
        found.sort(key=lambda f: (f.departs_at, f.id))
        return found

    async def flight(self, flight_id: str) -> Flight | None:
        """Read through (seats of now)."""
        return await self._inner.flight(flight_id)

    async def version(self) -> int:
        """The inner version."""
        return await self._inner.version()

    async def network(self) -> Mapping[str, frozenset[str]]:
        """The inner network (all days, not only the window's), read once: a window lives
        for one pass of searches at one version."""
        if self._network is None:
            self._network = await self._inner.network()
        return self._network

    async def busiest_routes(
        self, start: datetime, end: datetime, limit: int
    ) -> Sequence[tuple[str, str]]:
        """Counted by the inner inventory."""
        return await self._inner.busiest_routes(start, end, limit)
