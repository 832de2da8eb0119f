"""RateSource: a fixed table from configuration (and the fake of the rates port)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from funflights_core.clock import Clock
from funflights_core.exchange import RateTable


class FixedRates:
    """Rates an operator sets by hand, valid as of when they are read (never stale)."""

    def __init__(
        self,
        rates: Mapping[str, Decimal],
        *,
        base: str = "EUR",
        clock: Clock,
        source: str = "fixed rates (configuration)",
        as_of: datetime | None = None,
    ) -> None:
        if any(not isinstance(r, Decimal) or r <= 0 for r in rates.values()):
            raise ValueError("fixed rates must be positive Decimals")
        self._rates = dict(rates)
        self._base = base
        self._clock = clock
        self._source = source
        self._as_of = as_of

    async def table(self) -> RateTable:
        """The configured table."""
        return RateTable(self._base, self._rates, self._source, self._as_of or self._clock.now())
