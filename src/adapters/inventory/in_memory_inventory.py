"""FlightInventory and FlightStore in memory: the fake the contract suite holds SQL to."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from funflights_core.flight import Flight
from funflights_core.flight_store import StoreCounts


class InMemoryInventory:
    """Flights indexed by origin airport and departure time."""

    def __init__(self, flights: Iterable[Flight] = ()) -> None:
        self._version = 0
        self._by_id: dict[str, Flight] = {}
        self._by_origin: dict[str, list[Flight]] = {}
        for flight in flights:
            self.put(flight)

    def put(self, flight: Flight) -> None:
        """Add a flight, or replace the one with its id."""
        self._version += 1
        old = self._by_id.get(flight.id)
        if old is not None:
            self._by_origin[old.origin].remove(old)
        self._by_id[flight.id] = flight
        group = self._by_origin.setdefault(flight.origin, [])
        bisect.insort(group, flight, key=lambda f: (f.departs_at, f.id))

    async def departing(
        self,
        airports: frozenset[str] | None,
        start: datetime,
        end: datetime,
        *,
        to: frozenset[str] | None = None,
    ) -> Sequence[Flight]:
        """Flights leaving in [``start``, ``end``) from ``airports`` (any) to ``to`` (any)."""
        found: list[Flight] = []
        origins = sorted(self._by_origin) if airports is None else sorted(airports)
        for code in origins:
            group = self._by_origin.get(code, [])
            first = bisect.bisect_left(group, start, key=lambda f: f.departs_at)
            for flight in group[first:]:
                if flight.departs_at >= end:
                    break
                if to is None or flight.destination in to:
                    found.append(flight)
        found.sort(key=lambda f: (f.departs_at, f.id))
        return found

    async def flight(self, flight_id: str) -> Flight | None:
        """The flight with this id, or None."""
        return self._by_id.get(flight_id)

    async def upsert(self, flights: Sequence[Flight], *, staff: bool = False) -> StoreCounts:
        """Add new flights; merge a provider's copy into a known one."""
        counts = StoreCounts()
        for flight in flights:
            known = self._by_id.get(flight.id)
            if known is None:
                self.put(flight)
                counts = counts + StoreCounts(added=1)
                continue
            merged = known.merged_with(flight, staff=staff)
            if merged == known:
                counts = counts + StoreCounts(unchanged=1)
            else:
                self.put(merged)
                counts = counts + StoreCounts(changed=1)
        return counts

    async def network(self) -> Mapping[str, frozenset[str]]:
        """Every origin and the airports it has flights to."""
        network: dict[str, set[str]] = {}
        for flight in self._by_id.values():
            network.setdefault(flight.origin, set()).add(flight.destination)
        return {origin: frozenset(to) for origin, to in network.items()}

    async def busiest_routes(
        self, start: datetime, end: datetime, limit: int
    ) -> Sequence[tuple[str, str]]:
        """The routes with the most flights leaving in the window."""
        counts: dict[tuple[str, str], int] = {}
        for flight in self._by_id.values():
            if start <= flight.departs_at < end:
                route = (flight.origin, flight.destination)
                counts[route] = counts.get(route, 0) + 1
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [route for route, _ in ranked[:limit]]

    async def version(self) -> int:
        """Grows with every flight put."""
        return self._version

    async def remove(self, flight_id: str) -> bool:
        """Delete a flight; False if there is none."""
        flight = self._by_id.pop(flight_id, None)
        if flight is None:
            return False
        self._by_origin[flight.origin].remove(flight)
        self._version += 1
        return True

    async def count(self) -> int:
        """How many flights are stored."""
        return len(self._by_id)
