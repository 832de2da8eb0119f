"""The FlightSource port: where flights and their fares come from (providers, the demo)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Protocol

import attrs

from funflights_core.flight import Flight


@attrs.frozen
class SyncWindow:
    """What to fetch: departures on ``days`` days from ``start`` (origin local dates).

    ``routes`` narrows a provider that is asked route by route (a search API); None asks
    for everything the source has (a schedule).
    """

    start: date
    days: int = 1
    routes: Sequence[tuple[str, str]] | None = None


class FlightSource(Protocol):
    """A provider of flights: each flight carries the fares it quotes (a provider's own, or
    several resellers' for one schedule, as the demo does); a sync replaces the fares of
    each provider a copy names."""

    @property
    def name(self) -> str:
        """The provider's name, as fares name it."""
        ...

    def flights(self, window: SyncWindow) -> AsyncIterator[Sequence[Flight]]:
        """The flights in the window, in batches (a provider page, a day of schedule)."""
        ...
