"""The FlightInventory port: the flights a search reads (shared by every tenant)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from funflights_core.flight import Flight


class FlightInventory(Protocol):
    """Scheduled flights, read by departure airport and time."""

    async def departing(
        self, airports: frozenset[str], start: datetime, end: datetime
    ) -> Sequence[Flight]:
        """Flights whose first leg leaves one of ``airports`` in [``start``, ``end``), by time."""
        ...

    async def flight(self, flight_id: str) -> Flight | None:
        """The flight with this id, or None."""
        ...
