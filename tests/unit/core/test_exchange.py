"""Currency exchange: cross rates both ways, spread, staleness and fallback, replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.clocks import ManualClock
from adapters.fx.fixed_rates import FixedRates
from adapters.money.fixed_currencies import FixedCurrencies
from funflights_core.errors import InvalidInput, RateUnavailable
from funflights_core.exchange import CurrencyExchange, RateTable
from funflights_core.money import Money

NOW = datetime(2030, 1, 2, 12, tzinfo=UTC)
CURRENCIES = FixedCurrencies()
RATES = {"USD": Decimal("1.0812"), "JPY": Decimal("163.2"), "GBP": Decimal("0.8561")}


def exchange(*sources: object, max_age_h: int = 36) -> CurrencyExchange:
    clock = ManualClock(NOW)
    return CurrencyExchange(
        sources=sources or (FixedRates(RATES, clock=clock),),  # type: ignore[arg-type]
        currencies=CURRENCIES,
        clock=clock,
        max_age=timedelta(hours=max_age_h),
    )


def money(amount: str, code: str) -> Money:
    return Money.of(amount, CURRENCIES.currency(code))


async def test_a_conversion_records_how_it_was_made() -> None:
    result = await exchange().convert(money("100", "EUR"), "usd", spread=Decimal("0.02"))

    assert result.converted.currency.code == "USD"
    assert result.mid_rate == Decimal("1.0812")
    assert result.applied_rate == Decimal("1.0812") * Decimal("1.02")
    assert result.converted.rounded() == money("110.28", "USD")
    assert (result.source, result.as_of) == ("fixed rates (configuration)", NOW)
    assert exchange().replay(result) == result.converted


async def test_cross_rates_go_through_the_base_both_ways() -> None:
    there = await exchange().convert(money("1000", "JPY"), "GBP")
    back = await exchange().convert(there.converted, "JPY")

    assert there.mid_rate == Decimal("0.8561") / Decimal("163.2")
    assert back.converted.rounded() == money("1000", "JPY")


async def test_stale_rates_fall_back_to_the_next_source_or_are_refused() -> None:
    clock = ManualClock(NOW)
    old = FixedRates(RATES, clock=clock, source="old feed", as_of=NOW - timedelta(days=3))
    fresh = FixedRates({"USD": Decimal("1.1")}, clock=clock, source="fallback")

    used = await exchange(old, fresh).convert(money("10", "EUR"), "USD")

    assert used.source == "fallback"
    with pytest.raises(RateUnavailable, match="old feed: rates of 2029-12-30 are too old"):
        await exchange(old).convert(money("10", "EUR"), "USD")


async def test_an_unknown_pair_or_a_bad_spread_is_refused() -> None:
    # The source works but lacks the pair: the request is wrong, not the rates (no retry).
    with pytest.raises(InvalidInput, match="no rate for CHF"):
        await exchange().convert(money("10", "EUR"), "CHF")
    with pytest.raises(InvalidInput):
        await exchange().convert(money("10", "EUR"), "XYZ")
    with pytest.raises(InvalidInput, match="spread"):
        await exchange().convert(money("10", "EUR"), "USD", spread=Decimal("1"))


rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100000"), places=4)


@given(rates, rates, st.decimals(min_value=0, max_value=Decimal("1000000"), places=2))
def test_a_round_trip_at_mid_rates_returns_the_amount(
    usd: Decimal, gbp: Decimal, amount: Decimal
) -> None:
    table = RateTable("EUR", {"USD": usd, "GBP": gbp}, "test", NOW)

    there = table.mid_rate("USD", "GBP")
    back = table.mid_rate("GBP", "USD")

    assert abs(amount * there * back - amount) <= amount * Decimal("1e-20")
