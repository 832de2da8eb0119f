"""Refund tiers: never more than paid, never negative, never more for less notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.money.fixed_currencies import FixedCurrencies
from funflights_core.errors import InvalidInput
from funflights_core.flight import CabinClass
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
    """Any valid policy: tiers for every fare and for some cabins, each group with distinct
    notices (quarter hours) and less back for less notice."""
    tiers = list(draw(fare_tiers(None)))
    if tiers:  # a cabin's own tiers need common ones beside them
        for cabin in draw(st.sets(st.sampled_from(list(CabinClass)), max_size=2)):
            tiers += draw(fare_tiers(cabin))
    return RefundPolicy(tuple(tiers))


@st.composite
def fare_tiers(draw: st.DrawFn, cabin: CabinClass | None) -> tuple[RefundTier, ...]:
    """A valid group of tiers for one fare (or for every fare)."""
    quarters = draw(st.sets(st.integers(min_value=0, max_value=4 * 24 * 366), max_size=6))
    percents = draw(
        st.lists(
            st.decimals(min_value=0, max_value=100, places=2),
            min_size=len(quarters),
            max_size=len(quarters),
        )
    )
    tiers = [
        RefundTier(timedelta(minutes=15 * q), percent, draw(fees), cabin)
        for q, percent in zip(
            sorted(quarters, reverse=True), sorted(percents, reverse=True), strict=True
        )
    ]
    return tuple(tiers)


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


def test_a_fare_with_tiers_of_its_own_follows_them_and_the_others_the_common_ones() -> None:
    policy = refund_policy_from_text("168:100:0 24:50:10 business/24:100:0 first/0:100:0")
    paid = Money.of("600.00", EUR)

    def back(hours: float, cabin: CabinClass | None) -> str:
        at = DEPARTS - timedelta(hours=hours)
        return str(policy.quote(paid, departs_at=DEPARTS, at=at, cabin=cabin).refund.amount)

    assert back(48, CabinClass.ECONOMY) == "290.00"  # half, less the fee
    assert back(48, None) == "290.00"
    assert back(48, CabinClass.BUSINESS) == "600.00"  # its own rule: all of it a day out
    assert back(12, CabinClass.BUSINESS) == "0"  # and nothing inside
    assert back(1, CabinClass.FIRST) == "600.00"
    assert [t.cabin for t in policy.for_fare(CabinClass.PREMIUM_ECONOMY)] == [None, None]
    assert refund_policy_text(policy) == ("168:100:0 24:50:10 business/24:100:0 first/0:100:0")


def test_a_cabins_tiers_alone_are_refused() -> None:
    # Every other fare would get nothing back, silently.
    with pytest.raises(InvalidInput, match="every fare too"):
        refund_policy_from_text("business/24:100:0")


def test_each_fares_tiers_are_checked_on_their_own() -> None:
    # The same notice for two fares is fine; more back for less notice within one is not.
    refund_policy_from_text("24:50:0 business/24:100:0")
    with pytest.raises(InvalidInput, match="of business fares"):
        refund_policy_from_text("168:100:0 business/168:10:0 business/24:50:0")


@pytest.mark.parametrize(
    "text",
    ["7d:100:0", "168:100", "168:100:0:1", "24:150:0", "-1:50:0", "coach/24:100:0", "/24:1:0"],
)
def test_unreadable_rules_are_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        refund_policy_from_text(text)
    assert refused.value.field == "refund_tiers"
