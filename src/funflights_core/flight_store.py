"""The FlightStore port: where synced flights are written (the inventory searches read)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs

from funflights_core.flight import Flight
from funflights_core.flight_inventory import FlightInventory


@attrs.frozen
class StoreCounts:
    """What one write did."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0

    def __add__(self, other: StoreCounts) -> StoreCounts:
        """Both counts together."""
        return StoreCounts(
            self.added + other.added,
            self.changed + other.changed,
            self.unchanged + other.unchanged,
        )


class FlightStore(Protocol):
    """Flights as providers publish them; each provider's fares are kept side by side."""

    async def upsert(self, flights: Sequence[Flight], *, staff: bool = False) -> StoreCounts:
        """Add new flights; for known ones, take the schedule and the fares of each provider
        the incoming flight names (other providers' fares stay).

        Merged as ``Flight.merged_with`` says (``staff``: a staff change, which may cancel,
        restore and resize). Writing the same data again changes nothing (``unchanged``).
        """
        ...

    async def count(self) -> int:
        """How many flights are stored."""
        ...

    async def remove(self, flight_id: str) -> bool:
        """Delete a flight and its cabins; False if there is none."""
        ...


class Inventory(FlightInventory, FlightStore, Protocol):
    """The flights, read by searches and written by provider syncs and staff."""
