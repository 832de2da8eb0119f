"""Coupons: every condition is checked and named; a discount never exceeds the price."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.money.fixed_currencies import FixedCurrencies
from funflights_core.coupon import Coupon, CouponUse, discount, refusal
from funflights_core.errors import InvalidInput
from funflights_core.margin_rule import FlightFacts
from funflights_core.money import Money

NOW = datetime(2030, 1, 1, tzinfo=UTC)
EUR = FixedCurrencies().currency("EUR")
FLIGHT = FlightFacts("BA", "117", "LHR", "JFK", "GB", "US", date(2030, 3, 1), "economy")


def eur(amount: str) -> Money:
    return Money.of(amount, EUR)


TEN_PERCENT = Coupon("SPRING10", "default", percent_off=Decimal("0.10"))


def why(coupon: Coupon, price: str = "200", **kwargs: object) -> str | None:
    values: dict[str, object] = {
        "price": eur(price),
        "flight": FLIGHT,
        "at": NOW,
        "used": CouponUse(),
    }
    values.update(kwargs)
    return refusal(coupon, **values)  # type: ignore[arg-type]


def test_a_plain_coupon_applies() -> None:
    assert why(TEN_PERCENT) is None
    assert discount(TEN_PERCENT, eur("200")) == eur("20.0")
    assert discount(Coupon("FIFTY", "default", amount_off=eur("50")), eur("30")) == eur("30")


@pytest.mark.parametrize(
    ("changes", "kwargs", "reason"),
    [
        ({"valid_from": NOW + timedelta(days=1)}, {}, "not valid yet"),
        ({"valid_until": NOW}, {}, "expired"),
        ({"minimum_spend": eur("250")}, {}, "needs a spend of at least 250.00 EUR"),
        ({"airlines": frozenset({"AA"})}, {}, "not valid on this airline"),
        ({"routes": frozenset({("LHR", "CDG")})}, {}, "not valid on this route"),
        ({"cabins": frozenset({"business"})}, {}, "not valid in this cabin"),
        ({"total_uses": 100}, {"used": CouponUse(total=100)}, "fully used"),
        (
            {"uses_per_customer": 1},
            {"used": CouponUse(by_customer=1)},
            "already used as often as allowed",
        ),
        (
            {},
            {"others": [Coupon("X", "default", percent_off=Decimal("0.05"))]},
            "cannot be combined with another coupon",
        ),
    ],
)
def test_each_condition_is_checked_and_named(
    changes: dict[str, object], kwargs: dict[str, object], reason: str
) -> None:
    assert why(attrs.evolve(TEN_PERCENT, **changes), **kwargs) == reason


def test_combinable_coupons_combine_only_with_combinable_ones() -> None:
    a = attrs.evolve(TEN_PERCENT, combinable=True)
    b = Coupon("B", "default", amount_off=eur("5"), combinable=True)

    assert why(a, others=[b]) is None
    assert why(a, others=[attrs.evolve(b, combinable=False)]) is not None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "discount"),
        ({"percent_off": Decimal("0.1"), "amount_off": Money.of("5", EUR)}, "discount"),
        ({"percent_off": Decimal("1.5")}, "percent_off"),
        ({"amount_off": Money.of("0", EUR)}, "amount_off"),
    ],
)
def test_impossible_coupons_are_refused(fields: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        Coupon("BAD", "default", **fields)  # type: ignore[arg-type]

    assert raised.value.field == field


@given(
    st.decimals(min_value=0, max_value=Decimal("10000"), places=2),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1), places=2),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("20000"), places=2),
)
def test_a_discount_is_never_negative_nor_above_the_price(
    price: Decimal, percent: Decimal, amount: Decimal
) -> None:
    for coupon in (
        Coupon("P", "default", percent_off=percent),
        Coupon("A", "default", amount_off=eur(str(amount))),
    ):
        off = discount(coupon, eur(str(price)))
        assert eur("0") <= off <= eur(str(price))
