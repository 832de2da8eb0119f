"""Refund tiers: never more than paid, never negative, never more for less notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.money.fixed_currencies import FixedCurrencies
from funflights_core.errors import InvalidInput
from funflights_core.money import Money
from funflights_core.refund_policy import RefundTier, policy_of, standard_policy

EUR = FixedCurrencies().currency("EUR")
DEPARTS = datetime(2026, 12, 24, 10, tzinfo=UTC)
amounts = st.decimals(min_value=0, max_value=100_000, places=2).map(lambda d: Money(d, EUR))
fees = st.decimals(min_value=0, max_value=100, places=2)
hours_before = st.integers(min_value=-48, max_value=24 * 60)


@given(amounts, fees, hours_before, hours_before, st.integers(min_value=1, max_value=9))
def test_refunds_stay_within_what_was_paid_and_shrink_as_departure_nears(
    paid: Money, fee: Decimal, early: int, late: int, passengers: int
) -> None:
    policy = standard_policy(fee)
    earlier, later = sorted((early, late), reverse=True)

    sooner = policy.quote(
        paid, departs_at=DEPARTS, at=DEPARTS - timedelta(hours=earlier), passengers=passengers
    )
    closer = policy.quote(
        paid, departs_at=DEPARTS, at=DEPARTS - timedelta(hours=later), passengers=passengers
    )

    assert Money(0, EUR) <= closer.refund <= sooner.refund <= paid


def test_the_standard_tiers() -> None:
    policy = standard_policy(Decimal("25"))
    paid = Money.of("600.00", EUR)

    def back(hours: float) -> str:
        quote = policy.quote(paid, departs_at=DEPARTS, at=DEPARTS - timedelta(hours=hours))
        return str(quote.refund.amount)

    assert back(24 * 8) == "575.00"  # all of it, less the fee
    assert back(24 * 7) == "575.00"  # exactly 7 days: still the first tier
    assert back(24 * 3) == "275.00"  # half, less the fee
    assert back(23.9) == "0"  # inside 24 hours: nothing
    assert policy.quote(paid, departs_at=DEPARTS, at=DEPARTS - timedelta(hours=1)).tier is None


def test_a_policy_that_pays_more_for_less_notice_is_refused() -> None:
    with pytest.raises(InvalidInput, match="less notice never gives back more"):
        policy_of([(168, Decimal(50), Decimal(0)), (24, Decimal(100), Decimal(0))])
    with pytest.raises(InvalidInput, match="0 to 100"):
        RefundTier(timedelta(hours=1), Decimal(101))
