"""Resale caps: never above the tenant's cap, fee on top, shown in the buyer's currency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.clocks import ManualClock
from adapters.fx.fixed_rates import FixedRates
from adapters.money.fixed_currencies import FixedCurrencies
from funflights_core.errors import InvalidInput
from funflights_core.exchange import CurrencyExchange
from funflights_core.money import Money
from funflights_core.resale_cap import ResalePolicy, resale_cap

CURRENCIES = FixedCurrencies()
EUR, USD = CURRENCIES.currency("EUR"), CURRENCIES.currency("USD")


def eur(amount: str) -> Money:
    return Money.of(amount, EUR)


def test_by_default_no_more_than_was_paid_plus_the_fee() -> None:
    cap = resale_cap(eur("250.00"), ResalePolicy())

    assert (cap.seller_max, cap.platform_fee, cap.buyer_max) == (
        eur("250.00"),
        eur("12.50"),
        eur("262.50"),
    )


def test_a_tenant_cap_below_the_price_paid() -> None:
    cap = resale_cap(
        eur("199.99"), ResalePolicy(cap_ratio=Decimal("0.9"), platform_fee_ratio=Decimal(0))
    )

    assert cap.seller_max == eur("179.99")
    assert cap.buyer_max == eur("179.99")


async def test_the_buyers_maximum_in_the_buyers_currency() -> None:
    clock = ManualClock(datetime(2030, 1, 2, tzinfo=UTC))
    exchange = CurrencyExchange(
        sources=[FixedRates({"USD": Decimal("1.10")}, clock=clock)],
        currencies=CURRENCIES,
        clock=clock,
        max_age=timedelta(days=1),
    )
    policy = ResalePolicy()
    in_eur = resale_cap(eur("100"), policy)
    conversion = await exchange.convert(in_eur.buyer_max, "USD", spread=Decimal("0.01"))

    cap = resale_cap(eur("100"), policy, conversion)

    assert cap.buyer_max == Money.of("116.66", USD)  # 105.00 EUR x 1.10 x 1.01, half-even
    assert cap.conversion is conversion


@pytest.mark.parametrize(
    ("policy_args", "field"),
    [
        ({"cap_ratio": Decimal(0)}, "cap_ratio"),
        ({"platform_fee_ratio": Decimal(1)}, "platform_fee_ratio"),
    ],
)
def test_impossible_policies_are_refused(policy_args: dict[str, Decimal], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        ResalePolicy(**policy_args)

    assert raised.value.field == field


@given(
    st.decimals(min_value=0, max_value=Decimal("100000"), places=2),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1), places=2),
    st.decimals(min_value=0, max_value=Decimal("0.3"), places=3),
)
def test_the_asking_price_never_exceeds_the_cap(
    paid: Decimal, ratio: Decimal, fee: Decimal
) -> None:
    cap = resale_cap(eur(str(paid)), ResalePolicy(cap_ratio=ratio, platform_fee_ratio=fee))

    assert cap.seller_max.amount <= (paid * ratio).quantize(Decimal("0.01")) + Decimal("0.005")
    assert cap.seller_max.amount <= paid + Decimal("0.005")
    assert cap.buyer_max == cap.seller_max + cap.platform_fee
