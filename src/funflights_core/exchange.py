"""Currency exchange: rates from sources, cross rates through a base, a recorded conversion."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

import attrs

from funflights_core.clock import Clock
from funflights_core.errors import InvalidInput, RateUnavailable
from funflights_core.money import CurrencyCatalogue, Money


@attrs.frozen
class RateTable:
    """Rates against one base currency: one ``base`` buys ``rates[code]`` of ``code``."""

    base: str
    rates: Mapping[str, Decimal]
    source: str
    as_of: datetime

    def mid_rate(self, from_code: str, to_code: str) -> Decimal:
        """Units of ``to_code`` one unit of ``from_code`` buys, through the base if needed."""
        return self._per_base(to_code) / self._per_base(from_code)

    def _per_base(self, code: str) -> Decimal:
        if code == self.base:
            return Decimal(1)
        rate = self.rates.get(code)
        if rate is None or rate <= 0:
            raise RateUnavailable(f"{self.source} has no rate for {code}")
        return rate


class RateSource(Protocol):
    """Publishes a table of exchange rates (ECB reference rates, a fixed table, a live feed)."""

    async def table(self) -> RateTable:
        """The latest table; ``RateUnavailable`` if it cannot be had."""
        ...


@attrs.frozen
class Conversion:
    """A converted amount and everything needed to reproduce it exactly later."""

    original: Money
    converted: Money
    """Exact (unrounded): round it when it is shown or charged."""
    mid_rate: Decimal
    spread: Decimal
    applied_rate: Decimal
    """``mid_rate * (1 + spread)``: what the customer's amount was computed with."""
    source: str
    as_of: datetime


class CurrencyExchange:
    """Converts with the first source whose rates are fresh enough (the others are fallbacks)."""

    def __init__(
        self,
        *,
        sources: Sequence[RateSource],
        currencies: CurrencyCatalogue,
        clock: Clock,
        max_age: timedelta,
    ) -> None:
        if not sources:
            raise ValueError("give at least one rate source")
        self._sources = tuple(sources)
        self._currencies = currencies
        self._clock = clock
        self._max_age = max_age

    async def convert(
        self, money: Money, to_code: str, *, spread: Decimal = Decimal(0)
    ) -> Conversion:
        """``money`` in ``to_code`` at the first fresh source's rate plus the spread."""
        if not Decimal(0) <= spread < Decimal(1):
            raise InvalidInput("spread", "must be at least 0 and below 1")
        target = self._currencies.currency(to_code)
        reasons: list[str] = []
        for source in self._sources:
            try:
                table = await source.table()
                age = self._clock.now() - table.as_of
                if age > self._max_age:
                    reasons.append(f"{table.source}: rates of {table.as_of:%Y-%m-%d} are too old")
                    continue
                mid = table.mid_rate(money.currency.code, target.code)
            except RateUnavailable as exc:
                reasons.append(str(exc))
                continue
            applied = mid * (1 + spread)
            return Conversion(
                original=money,
                converted=Money(money.amount * applied, target),
                mid_rate=mid,
                spread=spread,
                applied_rate=applied,
                source=table.source,
                as_of=table.as_of,
            )
        raise RateUnavailable("no usable rate: " + "; ".join(reasons))

    def replay(self, conversion: Conversion) -> Money:
        """The converted amount recomputed from what the conversion recorded."""
        return Money(
            conversion.original.amount * conversion.applied_rate, conversion.converted.currency
        )
