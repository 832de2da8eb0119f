"""Pricing an offer: invariants of the breakdown, checked with hypothesis."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
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
CURRENCIES = FixedCurrencies()
EUR, USD, JPY = (CURRENCIES.currency(c) for c in ("EUR", "USD", "JPY"))
FLIGHT = FlightFacts("BA", "117", "LHR", "JFK", "GB", "US", date(2030, 3, 1))
CLOCK = ManualClock(NOW)
EXCHANGE = CurrencyExchange(
    sources=[FixedRates({"USD": Decimal("1.0812"), "JPY": Decimal("163.2")}, clock=CLOCK)],
    currencies=CURRENCIES,
    clock=CLOCK,
    max_age=timedelta(days=1),
)


def eur(amount: Decimal | str) -> Money:
    return Money.of(amount, EUR)


def margin_rule(percent: str = "0.08", fixed: str | None = "4") -> MarginRule:
    return MarginRule(
        id="m1",
        tenant_id="default",
        created_at=NOW,
        percent=Decimal(percent),
        fixed_per_passenger=None if fixed is None else eur(fixed),
        carrier="BA",
    )


def pricer(*rules: MarginRule) -> Pricer:
    return Pricer(margins=MarginBook(rules), exchange=EXCHANGE)


def quote(provider: str, base: Decimal | str, taxes: Decimal | str = "60") -> ProviderQuote:
    return ProviderQuote(provider, eur(base), eur(taxes))


async def test_the_best_quote_wins_and_the_others_are_kept() -> None:
    context = PricingContext(FLIGHT, passengers=2, customer_currency="USD", at=NOW)

    breakdown = await pricer(margin_rule()).price(
        [quote("flights2", "400"), quote("flights1", "380"), quote("flights3", "380")], context
    )

    assert breakdown.chosen.provider == "flights1"
    assert [q.provider for q in breakdown.others] == ["flights3", "flights2"]
    assert breakdown.margin == eur("38.40")  # 8% of 380 + 2 x 4
    assert breakdown.margin_rule_id == "m1"
    assert breakdown.subtotal == eur("478.40")
    assert breakdown.conversion is not None
    assert breakdown.total == Money.of("517.25", USD)  # 478.40 x 1.0812, half-even


async def test_a_refused_coupon_says_why_and_changes_nothing() -> None:
    coupon = Coupon("BIG", "default", amount_off=eur("500"), minimum_spend=eur("1000"))
    context = PricingContext(FLIGHT, 1, "EUR", NOW, coupon=coupon)

    breakdown = await pricer(margin_rule()).price([quote("p", "380")], context)

    assert breakdown.coupon_refused == "needs a spend of at least 1000.00 EUR"
    assert breakdown.coupon_discount == eur("0")


fares = st.decimals(min_value=Decimal("1"), max_value=Decimal("20000"), places=2)
percents = st.decimals(min_value=0, max_value=Decimal("0.3"), places=3)
coupons = st.none() | st.builds(
    lambda p: Coupon("C", "default", percent_off=p),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1), places=2),
)


@settings(max_examples=150)
@given(fares, fares, percents, coupons, st.integers(1, 9), st.sampled_from(["EUR", "USD", "JPY"]))
async def test_breakdown_invariants(
    base: Decimal,
    taxes: Decimal,
    percent: Decimal,
    coupon: Coupon | None,
    passengers: int,
    currency: str,
) -> None:
    context = PricingContext(FLIGHT, passengers, currency, NOW, coupon=coupon)
    breakdown = await pricer(margin_rule(str(percent))).price([quote("p", base, taxes)], context)

    # the total is the sum of its lines
    assert sum((line.amount for line in breakdown.lines), Decimal(0)) == breakdown.subtotal.amount
    # never below the provider's cost without an explicit rule
    assert breakdown.subtotal >= breakdown.chosen.cost
    # converting there and back stays within one minor unit per conversion
    if breakdown.conversion is not None:
        back = await EXCHANGE.convert(breakdown.total, "EUR")
        rate = breakdown.conversion.applied_rate
        allowed = EUR.quantum + breakdown.total.currency.quantum / rate
        assert abs(back.converted.rounded().amount - breakdown.subtotal.amount) <= allowed


@given(fares, fares, st.integers(1, 9))
async def test_a_zero_margin_rule_is_the_identity(
    base: Decimal, taxes: Decimal, people: int
) -> None:
    context = PricingContext(FLIGHT, people, "EUR", NOW)

    breakdown = await pricer(margin_rule("0", None)).price([quote("p", base, taxes)], context)

    assert breakdown.total == (eur(base) + eur(taxes)).rounded()


@given(fares, fares, fares, percents)
async def test_price_never_falls_when_the_base_fare_rises(
    low: Decimal, high: Decimal, taxes: Decimal, percent: Decimal
) -> None:
    context = PricingContext(FLIGHT, 2, "USD", NOW)
    book = pricer(margin_rule(str(percent)))
    small, large = sorted([low, high])

    cheaper = await book.price([quote("p", small, taxes)], context)
    dearer = await book.price([quote("p", large, taxes)], context)

    assert cheaper.total <= dearer.total
