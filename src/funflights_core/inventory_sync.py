"""Use case: fetch a provider's flights and write them into the inventory, idempotently."""

from __future__ import annotations

from collections.abc import Callable

from funflights_core.flight_source import FlightSource, SyncWindow
from funflights_core.flight_store import FlightStore, StoreCounts

Progress = Callable[[int], None]
"""Told how many flights each batch held (a progress bar's update)."""


async def sync_inventory(
    source: FlightSource,
    store: FlightStore,
    window: SyncWindow,
    *,
    progress: Progress | None = None,
) -> StoreCounts:
    """Every batch of the source's flights in the window, upserted; the counts in all."""
    total = StoreCounts()
    async for batch in source.flights(window):
        if not batch:
            continue
        total = total + await store.upsert(batch)
        if progress is not None:
            progress(len(batch))
    return total
