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
from funflights_core.refund_policy import (
    RefundPolicy,
    RefundTier,
    policy_of,
    refund_policy_from_text,
    refund_policy_text,
    standard_policy,
)

EUR = FixedCurrencies().currency("EUR")
DEPARTS = datetime(2026, 12, 24, 10, tzinfo=UTC)
amounts = st.decimals(min_value=0, max_value=100_000, places=2).map(lambda d: Money(d, EUR))
fees = st.decimals(min_value=0, max_value=100, places=2)
hours_before = st.integers(min_value=-48, max_value=24 * 60)


@st.composite
def policies(draw: st.DrawFn) -> RefundPolicy:
    """Any valid policy: distinct notices (quarter hours), less back for less notice."""
    quarters = draw(st.sets(st.integers(min_value=0, max_value=4 * 24 * 366), max_size=6))
    percents = draw(
        st.lists(
            st.decimals(min_value=0, max_value=100, places=2),
            min_size=len(quarters),
            max_size=len(quarters),
        )
    )
    tiers = [
        RefundTier(timedelta(minutes=15 * q), percent, draw(fees))
        for q, percent in zip(
            sorted(quarters, reverse=True), sorted(percents, reverse=True), strict=True
        )
    ]
    return RefundPolicy(tuple(tiers))


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


@given(policies())
def test_a_policy_reads_back_from_its_text(policy: RefundPolicy) -> None:
    assert refund_policy_from_text(refund_policy_text(policy)) == policy


@pytest.mark.parametrize("text", ["7d:100:0", "168:100", "168:100:0:1", "24:150:0", "-1:50:0"])
def test_unreadable_rules_are_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        refund_policy_from_text(text)
    assert refused.value.field == "refund_tiers"
