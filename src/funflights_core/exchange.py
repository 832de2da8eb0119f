"""Currency exchange: rates from sources, cross rates through a base, a recorded conversion."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

import attrs

from funflights_core.clock import Clock
from funflights_core.errors import InvalidInput, RateUnavailable
from funflights_core.money import Currency, CurrencyCatalogue, Money


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
    """Converts with the first source whose rates are fresh enough (the others are fallbacks).

    When every source is stale, conversions are refused, unless ``accept_stale`` is set:
    then the most recent stale table is used (and the conversion says how old it was).
    """

    def __init__(
        self,
        *,
        sources: Sequence[RateSource],
        currencies: CurrencyCatalogue,
        clock: Clock,
        max_age: timedelta,
        accept_stale: bool = False,
    ) -> None:
        if not sources:
            raise ValueError("give at least one rate source")
        self._sources = tuple(sources)
        self._currencies = currencies
        self._clock = clock
        self._max_age = max_age
        self._accept_stale = accept_stale

    def currency(self, code: str) -> Currency:
        """The currency with this code, from the exchange's catalogue."""
        return self._currencies.currency(code)

    async def _fresh_or_stale(self, reasons: list[str]) -> list[RateTable]:
        """Every source's table: the fresh ones, or if none is fresh the usable stale ones."""
        fresh: list[RateTable] = []
        stale: list[RateTable] = []
        now = self._clock.now()
        for source in self._sources:
            try:
                table = await source.table()
            except RateUnavailable as exc:
                reasons.append(str(exc))
                continue
            if now - table.as_of > self._max_age:
                reasons.append(f"{table.source}: rates of {table.as_of:%Y-%m-%d} are too old")
                stale.append(table)
            else:
                fresh.append(table)
        if fresh or not self._accept_stale:
            return fresh
        return sorted(stale, key=lambda t: t.as_of, reverse=True)

    async def table(self) -> RateTable:
        """The table conversions use now; ``RateUnavailable`` saying why when there is none."""
        reasons: list[str] = []
        tables = await self._fresh_or_stale(reasons)
        if not tables:
            raise RateUnavailable("no usable rates: " + "; ".join(reasons))
        return tables[0]

    async def convert(
        self, money: Money, to_code: str, *, spread: Decimal = Decimal(0)
    ) -> Conversion:
        """``money`` in ``to_code`` at the first usable source's rate plus the spread."""
        if not Decimal(0) <= spread < Decimal(1):
            raise InvalidInput("spread", "must be at least 0 and below 1")
        target = self._currencies.currency(to_code)
        now = self._clock.now()
        # The common case first: the first source is fresh and knows both currencies.
        first = self._sources[0]
        try:
            table = await first.table()
            if now - table.as_of <= self._max_age:
                return _conversion(money, target, table, spread)
        except RateUnavailable:
            pass
        reasons: list[str] = []
        tables = await self._fresh_or_stale(reasons)
        for table in tables:
            try:
                return _conversion(money, target, table, spread)
            except RateUnavailable as exc:
                reasons.append(str(exc))
        if tables:
            # Rates are there, just not for this pair: asking again will not help.
            raise InvalidInput(
                "currency",
                f"no exchange rate between {money.currency.code} and {target.code} "
                f"({'; '.join(reasons)})",
            )
        raise RateUnavailable("no usable rate: " + "; ".join(reasons))

    def replay(self, conversion: Conversion) -> Money:
        """The converted amount recomputed from what the conversion recorded."""
        return Money(
            conversion.original.amount * conversion.applied_rate, conversion.converted.currency
        )


def _conversion(money: Money, target: Currency, table: RateTable, spread: Decimal) -> Conversion:
    mid = table.mid_rate(money.currency.code, target.code)
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
