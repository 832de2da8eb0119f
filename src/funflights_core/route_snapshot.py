"""The catalogue as of one refresh: the routes and how each provider fared."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from funflights_core.provider_outcome import ProviderOutcome
from funflights_core.route_set import RouteSet


class Completeness(enum.StrEnum):
    """Complete: every provider delivered. Partial: some did. Unavailable: none did."""

    COMPLETE = "complete"
    PARTIAL = "partial"
    UNAVAILABLE = "unavailable"


@attrs.frozen
class RouteSnapshot:
    """Aggregated routes as of ``refreshed_at``, with every provider's outcome."""

    routes: RouteSet
    outcomes: tuple[ProviderOutcome, ...]
    refreshed_at: datetime
    duration_s: float

    @property
    def completeness(self) -> Completeness:
        """Whether every, some or no provider contributed to the routes."""
        delivered = sum(1 for outcome in self.outcomes if outcome.ok)
        if delivered == 0:
            return Completeness.UNAVAILABLE
        if delivered < len(self.outcomes):
            return Completeness.PARTIAL
        return Completeness.COMPLETE

    @property
    def failed(self) -> tuple[ProviderOutcome, ...]:
        """The providers that did not deliver, in priority order."""
        return tuple(outcome for outcome in self.outcomes if not outcome.ok)
