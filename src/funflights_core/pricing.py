"""The price of an offer: best provider quote, margin, coupon, and the customer's currency."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from funflights_core.coupon import Coupon, CouponUse, discount, refusal
from funflights_core.errors import CurrencyMismatch, InvalidInput
from funflights_core.exchange import Conversion, CurrencyExchange
from funflights_core.loyalty import points_to_usd, usd_to_points
from funflights_core.margin_book import MarginBook
from funflights_core.margin_rule import FlightFacts
from funflights_core.money import Money


@attrs.frozen
class ProviderQuote:
    """What one provider asks for the offer, for all passengers."""

    provider: str
    base_fare: Money
    taxes: Money

    @property
    def cost(self) -> Money:
        """Base fare plus taxes: what the platform pays the provider."""
        return self.base_fare + self.taxes


@attrs.frozen
class PricingContext:
    """Who buys, when, in which currency, with which coupon."""

    flight: FlightFacts
    passengers: int
    customer_currency: str
    at: datetime
    coupon: Coupon | None = None
    coupon_use: CouponUse = attrs.field(factory=CouponUse)
    spread: Decimal = Decimal(0)
    allow_below_cost: bool = False
    """Whether a coupon may take the price below the provider's cost (a deliberate promotion)."""
    redeem_points: int = 0
    """Loyalty points the customer offers toward the price (checked against their balance)."""
    point_value_usd: Decimal = Decimal(0)
    """What one of the tenant's points is worth in US dollars."""


@attrs.frozen
class PriceBreakdown:
    """Every line of a price, in the offer's currency, and the total in the customer's."""

    chosen: ProviderQuote
    others: tuple[ProviderQuote, ...]
    """The losing quotes, kept for audit."""
    margin: Money
    margin_rule_id: str | None
    coupon_discount: Money
    coupon_code: str | None
    coupon_refused: str | None
    coupon_capped: bool
    """Whether the discount was cut to the margin (a price never goes below the cost)."""
    loyalty_points: int
    """Points redeemed toward the price."""
    loyalty_value: Money
    """What the redeemed points pay, in the offer's currency."""
    subtotal: Money
    """Cost + margin - coupon - points, exact, in the offer's currency."""
    conversion: Conversion | None
    total: Money
    """What the customer pays, rounded, in the customer's currency."""

    @property
    def lines(self) -> tuple[Money, ...]:
        """The signed lines whose sum is the subtotal."""
        return (
            self.chosen.base_fare,
            self.chosen.taxes,
            self.margin,
            -self.coupon_discount,
            -self.loyalty_value,
        )


def best_quote(quotes: Sequence[ProviderQuote]) -> tuple[ProviderQuote, tuple[ProviderQuote, ...]]:
    """The cheapest quote for the customer (ties by provider name) and the others."""
    if not quotes:
        raise InvalidInput("quotes", "an offer needs at least one provider quote")
    currency = quotes[0].cost.currency.code
    if any(q.cost.currency.code != currency for q in quotes):
        raise CurrencyMismatch("compare quotes in one currency: convert them first")
    ordered = sorted(quotes, key=lambda q: (q.cost.amount, q.provider))
    return ordered[0], tuple(ordered[1:])


class Pricer:
    """Prices offers with a tenant's margin book and the currency exchange."""

    def __init__(self, *, margins: MarginBook, exchange: CurrencyExchange) -> None:
        self._margins = margins
        self._exchange = exchange

    async def _rate(self, from_code: str, to_code: str) -> Decimal:
        """The mid rate between two currencies (1 when they are the same)."""
        if from_code == to_code:
            return Decimal(1)
        one = Money(Decimal(1), self._exchange.currency(from_code))
        return (await self._exchange.convert(one, to_code)).mid_rate

    async def price(
        self, quotes: Sequence[ProviderQuote], context: PricingContext
    ) -> PriceBreakdown:
        """The breakdown and total of an offer for this customer."""
        if context.passengers < 1:
            raise InvalidInput("passengers", "must be at least 1")
        if context.redeem_points < 0:
            raise InvalidInput("redeem_points", "must not be negative")
        chosen, others = best_quote(quotes)
        zero = chosen.cost * 0
        currency = zero.currency
        rule = self._margins.rule_for(context.flight, context.at)
        if rule is not None and rule.amounts_currency not in (None, currency.code):
            # A rule's fixed amounts are in the currency staff wrote them in.
            rule = rule.in_currency(
                currency, await self._rate(str(rule.amounts_currency), currency.code)
            )
        margin = zero if rule is None else rule.margin(chosen.base_fare, context.passengers)
        price = chosen.cost + margin
        off, refused, capped = zero, None, False
        coupon = context.coupon
        if coupon is not None:
            if coupon.amounts_currency not in (None, currency.code):
                coupon = coupon.in_currency(
                    currency, await self._rate(str(coupon.amounts_currency), currency.code)
                )
            refused = refusal(
                coupon, price=price, flight=context.flight, at=context.at, used=context.coupon_use
            )
            if refused is None:
                off = discount(coupon, price)
                # Never below the provider's cost unless the promotion says so.
                if not context.allow_below_cost and off > margin:
                    off, capped = (margin if margin > zero else zero), True
        points, points_value = 0, zero
        if context.redeem_points:
            points, points_value = await self._points(price - off, context)
        subtotal = price - off - points_value
        conversion = None
        total = subtotal
        if currency.code != context.customer_currency.strip().upper():
            conversion = await self._exchange.convert(
                subtotal, context.customer_currency, spread=context.spread
            )
            total = conversion.converted
        return PriceBreakdown(
            chosen=chosen,
            others=others,
            margin=margin,
            margin_rule_id=None if rule is None else rule.id,
            coupon_discount=off,
            coupon_code=None if context.coupon is None else context.coupon.code,
            coupon_refused=refused,
            coupon_capped=capped,
            loyalty_points=points,
            loyalty_value=points_value,
            subtotal=subtotal,
            conversion=conversion,
            total=total.rounded(),
        )

    async def _points(self, due: Money, context: PricingContext) -> tuple[int, Money]:
        """The points used toward ``due`` (never more than it is worth) and their value."""
        if context.point_value_usd <= 0:
            raise InvalidInput("point_value_usd", "the loyalty programme has no point value")
        usd_per_unit = await self._rate(due.currency.code, "USD")
        # The customer's total gets the spread on top; points are worth their USD value at the
        # mid rate, so they are counted net of it: 15 USD of points take 15 USD off.
        converted = due.currency.code != context.customer_currency.strip().upper()
        markup = 1 + context.spread if converted else Decimal(1)
        due_usd = due.amount * usd_per_unit * markup
        points = min(context.redeem_points, usd_to_points(due_usd, context.point_value_usd))
        value_usd = points_to_usd(points, context.point_value_usd)
        return points, Money(value_usd / usd_per_unit / markup, due.currency)
