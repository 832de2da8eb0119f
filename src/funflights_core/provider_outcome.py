"""How one provider fared in one refresh of the catalogue."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from funflights_core.circuit_breaker import CircuitState


@attrs.frozen
class ProviderOutcome:
    """Records delivered, records dropped by reason, or the error that stopped the fetch."""

    provider: str
    priority: int
    records: int
    dropped: Mapping[str, int]
    error: str | None
    latency_s: float
    circuit: CircuitState

    @property
    def ok(self) -> bool:
        """Whether the provider delivered its feed."""
        return self.error is None

    @property
    def dropped_total(self) -> int:
        """How many of the provider's records were unusable."""
        return sum(self.dropped.values())
