"""Loyalty: ledger-derived balances, tiers by 12-month spend, reversals, USD point values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.money.fixed_currencies import FixedCurrencies
from funflights_core.errors import InvalidInput
from funflights_core.loyalty import (
    EntryKind,
    LoyaltyAccount,
    Tier,
    TierPolicy,
    convert_points,
    points_to_usd,
    usd_to_points,
)
from funflights_core.money import Money

NOW = datetime(2030, 6, 1, tzinfo=UTC)
EUR = FixedCurrencies().currency("EUR")
POLICY = TierPolicy(
    "EUR",
    (
        Tier("blue", Decimal(0), Decimal(1)),
        Tier("silver", Decimal(1000), Decimal("1.5")),
        Tier("gold", Decimal(5000), Decimal(2)),
    ),
)


def eur(amount: str) -> Money:
    return Money.of(amount, EUR)


def test_points_are_earned_by_tier_and_the_balance_is_derived() -> None:
    account = LoyaltyAccount().earn("e1", eur("999.99"), POLICY, booking_id="b1", at=NOW)
    assert account.balance == 999
    assert account.tier(POLICY, NOW).name == "blue"

    account = account.earn("e2", eur("100"), POLICY, booking_id="b2", at=NOW)

    assert account.tier(POLICY, NOW).name == "silver"
    assert account.balance == 999 + 100  # earned at blue: the tier applies from then on
    account = account.earn("e3", eur("10"), POLICY, booking_id="b3", at=NOW)
    assert account.balance == 1099 + 15


def test_tiers_look_at_the_last_twelve_months_only() -> None:
    old = LoyaltyAccount().earn(
        "e1", eur("6000"), POLICY, booking_id="b1", at=NOW - timedelta(days=400)
    )

    assert old.tier(POLICY, NOW).name == "blue"
    assert old.tier(POLICY, NOW - timedelta(days=300)).name == "gold"


def test_redemption_and_reversal_of_a_refunded_booking() -> None:
    account = LoyaltyAccount().earn("e1", eur("500"), POLICY, booking_id="b1", at=NOW)
    account = account.redeem("r1", 200, booking_id="b2", at=NOW)
    account = account.earn("e2", eur("300"), POLICY, booking_id="b2", at=NOW)
    assert account.balance == 600

    refunded = account.reverse("x1", booking_id="b2", at=NOW)
    twice = refunded.reverse("x2", booking_id="b2", at=NOW)

    assert refunded.balance == 500  # the redeemed points come back, the earned ones go
    assert twice == refunded
    assert refunded.rolling_spend(POLICY, NOW) == Decimal(500)
    with pytest.raises(InvalidInput, match="only 500 points"):
        refunded.redeem("r2", 501, booking_id="b3", at=NOW)


def test_a_part_of_a_booking_reversed_then_the_rest() -> None:
    account = LoyaltyAccount().earn("e0", eur("400"), POLICY, booking_id="b0", at=NOW)
    account = account.redeem("r1", 300, booking_id="b1", at=NOW)
    account = account.earn("e1", eur("600"), POLICY, booking_id="b1", at=NOW)
    assert account.balance == 400 - 300 + 600

    third = account.reverse_part("x1", booking_id="b1", share=Decimal(1) / 3, at=NOW)

    assert third.balance == account.balance - 100  # a third of +600 -300
    assert third.rolling_spend(POLICY, NOW) == Decimal("800.00")  # a third of 600 gone
    whole = third.reverse("x2", booking_id="b1", at=NOW)
    assert whole.balance == 400  # as if b1 had never been booked
    assert whole.rolling_spend(POLICY, NOW) == Decimal(400)
    assert whole.reverse("x3", booking_id="b1", at=NOW) == whole
    assert whole.reverse_part("x4", booking_id="b1", share=Decimal("0.5"), at=NOW) == whole
    with pytest.raises(InvalidInput, match="more than 0 and less than 1"):
        account.reverse_part("x5", booking_id="b1", share=Decimal(1), at=NOW)


def test_a_booking_cancelled_in_parts_leaves_the_tier_even_when_no_points_are_left() -> None:
    # Earned 600, redeemed 600 on the same booking: once everyone cancelled, 0 points are
    # left to move, and still the booking's spend must stop counting towards the tier.
    account = LoyaltyAccount().earn("e0", eur("600"), POLICY, booking_id="b0", at=NOW)
    account = account.redeem("r0", 600, booking_id="b0", at=NOW)
    half = account.reverse_part("x0", booking_id="b0", share=Decimal("0.5"), at=NOW)
    whole = half.reverse("x1", booking_id="b0", at=NOW)

    assert [e.kind for e in whole.entries[-2:]] == [EntryKind.PART_REVERSAL, EntryKind.REVERSAL]
    assert whole.balance == 0
    assert whole.rolling_spend(POLICY, NOW) == 0
    assert LoyaltyAccount().reverse("x2", booking_id="never", at=NOW) == LoyaltyAccount()


def test_a_part_reversed_counts_only_against_spend_still_in_the_window() -> None:
    long_ago = NOW - timedelta(days=400)
    account = LoyaltyAccount().earn("e0", eur("900"), POLICY, booking_id="b0", at=long_ago)
    account = account.earn("e1", eur("300"), POLICY, booking_id="b1", at=NOW)
    account = account.reverse_part("x0", booking_id="b0", share=Decimal("0.5"), at=NOW)

    # b0's spend left the window long ago: taking half of it back changes nothing now.
    assert account.rolling_spend(POLICY, NOW) == Decimal(300)


@given(st.lists(st.integers(1, 5), min_size=1, max_size=6))
def test_passengers_leaving_one_by_one_undo_exactly_the_booking(weights: list[int]) -> None:
    account = LoyaltyAccount().earn("e0", eur("2000"), POLICY, booking_id="b0", at=NOW)
    account = account.redeem("r1", 77, booking_id="b1", at=NOW)
    account = account.earn("e1", eur("1234.56"), POLICY, booking_id="b1", at=NOW)
    before_b1 = account.balance - sum(e.points for e in account.entries if e.booking_id == "b1")
    whole = sum(weights)
    for n, weight in enumerate(weights[:-1]):
        account = account.reverse_part(
            f"x{n}", booking_id="b1", share=Decimal(weight) / whole, at=NOW
        )
    account = account.reverse("last", booking_id="b1", at=NOW)

    assert account.balance == before_b1
    assert account.rolling_spend(POLICY, NOW) == Decimal(2000)


def test_points_convert_exactly_through_usd() -> None:
    assert points_to_usd(1000, Decimal("0.0125")) == Decimal("12.5000")
    assert usd_to_points(Decimal("12.50"), Decimal("0.01")) == 1250
    assert convert_points(1000, Decimal("0.0125"), Decimal("0.01")) == 1250  # merged programme
    assert usd_to_points(Decimal("0.019"), Decimal("0.01")) == 1  # never rounded up


@given(
    st.lists(st.decimals(min_value=0, max_value=Decimal("5000"), places=2), max_size=20),
    st.sets(st.integers(0, 19)),
)
def test_the_balance_is_the_sum_of_the_ledger(spends: list[Decimal], refunded: set[int]) -> None:
    account = LoyaltyAccount()
    for n, spend in enumerate(spends):
        account = account.earn(f"e{n}", eur(str(spend)), POLICY, booking_id=f"b{n}", at=NOW)
        if account.balance >= 10:
            account = account.redeem(f"r{n}", 10, booking_id=f"b{n}", at=NOW)
    assert account.balance >= 0  # redeeming never overdraws
    for n in refunded:
        account = account.reverse(f"x{n}", booking_id=f"b{n}", at=NOW)

    assert account.balance == sum(entry.points for entry in account.entries)
    # A refund claws back points even if they were spent since: the balance may go below
    # zero, and later earnings pay it back.
