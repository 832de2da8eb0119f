"""Pricing with loyalty points, and with rule and coupon amounts in another currency."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.clocks import ManualClock
from adapters.fx.fixed_rates import FixedRates
from adapters.money.fixed_currencies import FixedCurrencies
from funflights_core.coupon import Coupon
from funflights_core.errors import InvalidInput
from funflights_core.exchange import CurrencyExchange
from funflights_core.margin_book import MarginBook
from funflights_core.margin_rule import FlightFacts, MarginRule
from funflights_core.money import Money
from funflights_core.pricing import PriceBreakdown, Pricer, PricingContext, ProviderQuote

NOW = datetime(2030, 1, 2, 12, tzinfo=UTC)
CURRENCIES = FixedCurrencies()
EUR, USD, JPY, GBP = (CURRENCIES.currency(c) for c in ("EUR", "USD", "JPY", "GBP"))
USD_PER_EUR = Decimal("1.0812")
JPY_PER_EUR = Decimal("163.2")
FLIGHT = FlightFacts("BA", "117", "LHR", "JFK", "GB", "US", date(2030, 3, 1))
CLOCK = ManualClock(NOW)
EXCHANGE = CurrencyExchange(
    sources=[
        FixedRates({"USD": USD_PER_EUR, "JPY": JPY_PER_EUR, "GBP": Decimal("0.8561")}, clock=CLOCK)
    ],
    currencies=CURRENCIES,
    clock=CLOCK,
    max_age=timedelta(days=1),
)
CENT = Decimal("0.01")


def money(amount: Decimal | int | str, code: str = "EUR") -> Money:
    return Money.of(amount, CURRENCIES.currency(code))


def rule(
    percent: str = "0",
    *,
    fixed: Money | None = None,
    minimum: Money | None = None,
    maximum: Money | None = None,
) -> MarginRule:
    return MarginRule(
        id="m1",
        tenant_id="default",
        created_at=NOW,
        percent=Decimal(percent),
        fixed_per_passenger=fixed,
        minimum=minimum,
        maximum=maximum,
    )


def pricer(*rules: MarginRule) -> Pricer:
    return Pricer(margins=MarginBook(rules), exchange=EXCHANGE)


def quote(base: Decimal | str, taxes: Decimal | str = "0", code: str = "EUR") -> ProviderQuote:
    return ProviderQuote("p", money(base, code), money(taxes, code))


def context(
    *,
    passengers: int = 1,
    currency: str = "EUR",
    coupon: Coupon | None = None,
    points: int = 0,
    point_value: str = "0.01",
    spread: str = "0",
) -> PricingContext:
    return PricingContext(
        FLIGHT,
        passengers,
        currency,
        NOW,
        coupon=coupon,
        spread=Decimal(spread),
        redeem_points=points,
        point_value_usd=Decimal(point_value),
    )


def lines_sum(breakdown: PriceBreakdown) -> Decimal:
    return sum((line.amount for line in breakdown.lines), Decimal(0))


# --- loyalty points ----------------------------------------------------------------------


async def test_points_pay_their_usd_value_converted_into_the_offer_currency() -> None:
    breakdown = await pricer().price([quote("380", "60")], context(points=1000))

    assert breakdown.loyalty_points == 1000
    # 1000 points x 0.01 USD = 10 USD, which is 10 / 1.0812 EUR
    assert breakdown.loyalty_value == Money(Decimal("10.00") / USD_PER_EUR, EUR)
    assert breakdown.loyalty_value.rounded() == money("9.25")
    assert breakdown.subtotal == money("440") - breakdown.loyalty_value
    assert lines_sum(breakdown) == breakdown.subtotal.amount
    assert breakdown.total == money("430.75")


async def test_points_are_capped_at_the_amount_due_in_whole_points() -> None:
    breakdown = await pricer().price([quote("380", "60")], context(points=10**6))

    # 440 EUR = 475.728 USD: 47572 whole points, never the 47573rd that would overpay
    assert breakdown.loyalty_points == 47572
    assert breakdown.loyalty_value == Money(Decimal("475.72") / USD_PER_EUR, EUR)
    assert breakdown.subtotal.amount >= 0
    assert breakdown.subtotal.amount * USD_PER_EUR < CENT  # less than one point left
    assert lines_sum(breakdown) == breakdown.subtotal.amount
    assert breakdown.total == money("0.01")


async def test_points_of_an_offer_in_usd_need_no_conversion() -> None:
    breakdown = await pricer().price(
        [quote("10", code="USD")], context(currency="USD", points=500, point_value="0.03")
    )

    assert breakdown.loyalty_points == 333  # 10 / 0.03 = 333.3: whole points only
    assert breakdown.loyalty_value == money("9.99", "USD")
    assert breakdown.subtotal == money("0.01", "USD")
    assert lines_sum(breakdown) == breakdown.subtotal.amount


async def test_points_pay_what_is_left_after_the_coupon() -> None:
    coupon = Coupon("TWENTY", "default", amount_off=money("20", "USD"))
    breakdown = await pricer(rule("0.10")).price(
        [quote("400", "100", "USD")], context(currency="USD", coupon=coupon, points=10**6)
    )

    assert breakdown.margin == money("40", "USD")
    assert breakdown.coupon_discount == money("20", "USD")
    assert breakdown.loyalty_points == 52000  # (540 - 20) USD at 0.01 a point
    assert breakdown.loyalty_value == money("520", "USD")
    assert breakdown.subtotal.amount == 0
    assert lines_sum(breakdown) == 0


async def test_points_with_a_conversion_to_the_customer_currency() -> None:
    with_points = await pricer(rule("0.05")).price(
        [quote("380", "60")], context(currency="JPY", points=2500, spread="0.02")
    )
    without = await pricer(rule("0.05")).price(
        [quote("380", "60")], context(currency="JPY", spread="0.02")
    )

    assert with_points.conversion is not None
    assert with_points.conversion.original == with_points.subtotal
    assert with_points.conversion.applied_rate == JPY_PER_EUR * Decimal("1.02")
    applied = with_points.conversion.applied_rate
    assert with_points.total == Money(with_points.subtotal.amount * applied, JPY).rounded()
    assert with_points.total.currency == JPY
    assert with_points.total < without.total
    assert lines_sum(with_points) == with_points.subtotal.amount


async def test_no_points_asked_means_no_points_line() -> None:
    breakdown = await pricer().price([quote("100")], context(point_value="0"))

    assert breakdown.loyalty_points == 0
    assert breakdown.loyalty_value == money("0")


async def test_points_are_refused_without_a_point_value_or_when_negative() -> None:
    with pytest.raises(InvalidInput) as no_value:
        await pricer().price([quote("100")], context(points=10, point_value="0"))
    with pytest.raises(InvalidInput) as negative:
        await pricer().price([quote("100")], context(points=-1))

    assert no_value.value.field == "point_value_usd"
    assert negative.value.field == "redeem_points"


# --- rule and coupon amounts in another currency ----------------------------------------


async def test_a_rules_fixed_amount_in_usd_is_converted_at_the_mid_rate() -> None:
    usd_rule = rule("0.05", fixed=money("4", "USD"))

    breakdown = await pricer(usd_rule).price(
        [quote("400", "50")], context(passengers=2, spread="0.03")
    )

    eur_per_usd = Decimal(1) / USD_PER_EUR  # the mid rate: the spread is for customers only
    assert breakdown.margin == Money(
        Decimal(400) * Decimal("0.05") + Decimal(4) * eur_per_usd * 2, EUR
    )
    assert breakdown.margin.currency == EUR
    assert breakdown.margin.rounded() == money("27.40")
    assert breakdown.margin_rule_id == "m1"
    assert lines_sum(breakdown) == breakdown.subtotal.amount


async def test_a_rules_minimum_and_maximum_in_other_currencies_are_converted() -> None:
    floor = await pricer(rule("0.01", minimum=money("50", "USD"))).price([quote("100")], context())
    cap = await pricer(rule("0.5", maximum=money("1000", "JPY"))).price([quote("400")], context())

    assert floor.margin == Money(Decimal(50) * (Decimal(1) / USD_PER_EUR), EUR)
    assert floor.margin.rounded() == money("46.24")
    assert cap.margin == Money(Decimal(1000) * (Decimal(1) / JPY_PER_EUR), EUR)
    assert cap.margin.rounded() == money("6.13")


async def test_a_rule_in_the_offer_currency_is_not_converted() -> None:
    breakdown = await pricer(rule("0", fixed=money("4"))).price([quote("100")], context())

    assert breakdown.margin == money("4")


async def test_a_coupon_amount_in_usd_is_converted_into_the_offer_currency() -> None:
    coupon = Coupon("TENUSD", "default", amount_off=money("10", "USD"))

    breakdown = await pricer(rule("0.10")).price(
        [quote("400", "40")], context(coupon=coupon, currency="USD")
    )

    assert breakdown.coupon_refused is None
    assert breakdown.coupon_code == "TENUSD"
    assert breakdown.coupon_discount == Money(Decimal(10) * (Decimal(1) / USD_PER_EUR), EUR)
    assert breakdown.coupon_discount.rounded() == money("9.25")
    assert lines_sum(breakdown) == breakdown.subtotal.amount


async def test_a_coupon_minimum_spend_is_compared_after_conversion() -> None:
    # The price is 480 EUR = 518.98 USD: above a 500 USD minimum, below a 600 USD one.
    enough = Coupon(
        "MIN500", "default", percent_off=Decimal("0.05"), minimum_spend=money("500", "USD")
    )
    too_much = Coupon(
        "MIN600", "default", percent_off=Decimal("0.05"), minimum_spend=money("600", "USD")
    )

    accepted = await pricer(rule("0.10")).price([quote("400", "40")], context(coupon=enough))
    refused = await pricer(rule("0.10")).price([quote("400", "40")], context(coupon=too_much))

    assert accepted.coupon_refused is None
    assert accepted.coupon_discount == money("24.00")  # 5% of 480
    assert refused.coupon_refused == "needs a spend of at least 554.94 EUR"
    assert refused.coupon_discount == money("0")
    assert refused.coupon_code == "MIN600"


async def test_a_converted_coupon_still_never_takes_the_price_below_cost() -> None:
    coupon = Coupon("HUGE", "default", amount_off=money("10000", "JPY"))

    breakdown = await pricer(rule("0.10")).price([quote("300", "40")], context(coupon=coupon))

    # 10000 JPY = 61.27 EUR, but the margin is only 30 EUR
    assert breakdown.coupon_discount == money("30")
    assert breakdown.subtotal == breakdown.chosen.cost


# --- properties --------------------------------------------------------------------------

fares = st.decimals(min_value=Decimal("1"), max_value=Decimal("20000"), places=2)
taxes = st.decimals(min_value=Decimal("0"), max_value=Decimal("2000"), places=2)
percents = st.decimals(min_value=0, max_value=Decimal("0.3"), places=3)
codes = st.sampled_from(["EUR", "USD", "JPY", "GBP"])
fixed_amounts = st.none() | st.builds(
    money, st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=2), codes
)
coupons = (
    st.none()
    | st.builds(
        lambda p: Coupon("PCT", "default", percent_off=p),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1), places=2),
    )
    | st.builds(
        lambda a: Coupon("AMT", "default", amount_off=a),
        st.builds(
            money, st.decimals(min_value=Decimal("0.01"), max_value=Decimal(5000), places=2), codes
        ),
    )
)
point_values = st.sampled_from(["0.01", "0.005", "0.0137", "1", "0.00001"])


@settings(max_examples=200, deadline=None)
@given(
    base=fares,
    tax=taxes,
    percent=percents,
    fixed=fixed_amounts,
    coupon=coupons,
    points=st.integers(0, 10**7),
    point_value=point_values,
    offer_currency=codes,
    customer_currency=codes,
    passengers=st.integers(1, 9),
)
async def test_lines_sum_to_the_subtotal_and_points_never_raise_the_price(
    base: Decimal,
    tax: Decimal,
    percent: Decimal,
    fixed: Money | None,
    coupon: Coupon | None,
    points: int,
    point_value: str,
    offer_currency: str,
    customer_currency: str,
    passengers: int,
) -> None:
    book = pricer(rule(str(percent), fixed=fixed))
    quotes = [quote(base, tax, offer_currency)]
    asked = context(
        passengers=passengers,
        currency=customer_currency,
        coupon=coupon,
        points=points,
        point_value=point_value,
        spread="0.015",
    )
    plain = context(
        passengers=passengers,
        currency=customer_currency,
        coupon=coupon,
        point_value=point_value,
        spread="0.015",
    )

    with_points = await book.price(quotes, asked)
    without = await book.price(quotes, plain)

    for breakdown in (with_points, without):
        assert lines_sum(breakdown) == breakdown.subtotal.amount
        assert breakdown.subtotal.amount >= 0
        assert breakdown.total.amount >= 0
        assert breakdown.subtotal.currency.code == offer_currency
        assert breakdown.total.currency.code == customer_currency
    assert 0 <= with_points.loyalty_points <= points
    assert with_points.subtotal <= without.subtotal
    assert with_points.total <= without.total
    assert with_points.loyalty_value <= without.subtotal
    assert with_points.margin == without.margin
    assert with_points.coupon_discount == without.coupon_discount


async def test_points_paid_in_another_currency_are_worth_their_usd_value_despite_the_spread() -> (
    None
):
    without = await pricer().price([quote("500")], context(currency="USD", spread="0.02"))
    with_points = await pricer().price(
        [quote("500")], context(currency="USD", spread="0.02", points=1500)
    )

    # 1,500 points at 0.01 USD take exactly 15 USD off, though the total carries a 2% spread.
    assert with_points.loyalty_points == 1500
    assert (without.total - with_points.total).amount == Decimal("15.00")
