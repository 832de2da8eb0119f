"""Several coupons in one price: applied in order, combined only when each allows it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from adapters.clocks import ManualClock
from adapters.fx.fixed_rates import FixedRates
from adapters.money.fixed_currencies import FixedCurrencies
from funflights_core.coupon import Coupon
from funflights_core.exchange import CurrencyExchange
from funflights_core.margin_book import MarginBook
from funflights_core.margin_rule import FlightFacts, MarginRule
from funflights_core.money import Money
from funflights_core.pricing import Pricer, PricingContext, ProviderQuote

NOW = datetime(2030, 1, 2, 12, tzinfo=UTC)
EUR = FixedCurrencies().currency("EUR")
FLIGHT = FlightFacts("BA", "117", "LHR", "JFK", "GB", "US", date(2030, 3, 1))
CLOCK = ManualClock(NOW)
EXCHANGE = CurrencyExchange(
    sources=[FixedRates({"USD": Decimal("1.08")}, clock=CLOCK)],
    currencies=FixedCurrencies(),
    clock=CLOCK,
    max_age=timedelta(days=1),
)


def eur(amount: str | int | Decimal) -> Money:
    return Money.of(amount, EUR)


def pricer(percent: str) -> Pricer:
    rule = MarginRule(id="m", tenant_id="t", created_at=NOW, percent=Decimal(percent))
    return Pricer(margins=MarginBook([rule]), exchange=EXCHANGE)


def coupon(code: str, off: int | str, **flags: bool) -> Coupon:
    return Coupon(code, "t", amount_off=eur(off), **flags)


def context(*coupons: Coupon) -> PricingContext:
    return PricingContext(FLIGHT, 1, "EUR", NOW, coupons=coupons)


async def test_a_coupon_that_does_not_combine_is_refused_after_another() -> None:
    price = await pricer("0.10").price(
        [ProviderQuote("p", eur(400), eur(80))],
        context(coupon("A", 10, combinable=True), coupon("B", 5)),
    )

    assert [(c.code, c.discount, c.refused) for c in price.coupon_lines] == [
        ("A", eur(10), None),
        ("B", eur(0), "cannot be combined with another coupon"),
    ]


async def test_combined_coupons_share_one_margin_unless_one_is_funded() -> None:
    a, b = coupon("A", 30, combinable=True), coupon("B", 30, combinable=True)
    price = await pricer("0.10").price([ProviderQuote("p", eur(400), eur(80))], context(a, b))

    assert [c.discount for c in price.coupon_lines] == [eur(30), eur(10)]  # margin 40
    assert price.coupon_lines[1].capped
    funded = coupon("B", 30, combinable=True, below_cost_allowed=True)
    below = await pricer("0.10").price([ProviderQuote("p", eur(400), eur(80))], context(a, funded))
    assert below.subtotal == eur(460)  # 20 below the providers' cost


@given(
    fare=st.integers(min_value=1, max_value=5000),
    percent=st.sampled_from(["0", "0.05", "0.2"]),
    offs=st.lists(st.integers(min_value=1, max_value=800), min_size=1, max_size=4),
)
async def test_the_lines_sum_to_the_subtotal_which_never_falls_below_cost(
    fare: int, percent: str, offs: list[int]
) -> None:
    coupons = [coupon(f"C{n}", off, combinable=True) for n, off in enumerate(offs)]
    quote = ProviderQuote("p", eur(fare), eur(fare // 10))
    price = await pricer(percent).price([quote], context(*coupons))

    assert sum(price.lines, eur(0)) == price.subtotal
    assert price.subtotal >= quote.cost
