"""The FlightInventory port: the flights a search reads (shared by every tenant)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from funflights_core.flight import Flight


class FlightInventory(Protocol):
    """Scheduled flights, read by departure airport and time."""

    async def departing(
        self,
        airports: frozenset[str] | None,
        start: datetime,
        end: datetime,
        *,
        to: frozenset[str] | None = None,
    ) -> Sequence[Flight]:
        """Flights leaving in [``start``, ``end``), by time: from one of ``airports`` (any
        when None) and, when ``to`` is given, flying to one of those airports."""
        ...

    async def flight(self, flight_id: str) -> Flight | None:
        """The flight with this id, or None."""
        ...

    async def version(self) -> int:
        """A number that grows whenever a flight, fare or seat count changes."""
        ...

    async def network(self) -> Mapping[str, frozenset[str]]:
        """Every airport with flights, and the airports it has flights to (any day)."""
        ...

    async def busiest_routes(
        self, start: datetime, end: datetime, limit: int
    ) -> Sequence[tuple[str, str]]:
        """Up to ``limit`` (origin, destination) pairs with the most flights leaving in
        [``start``, ``end``), the busiest first (ties in code order)."""
        ...
