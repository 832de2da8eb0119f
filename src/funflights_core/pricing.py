"""The price of an offer: best provider quote, margin, coupon, and the customer's currency."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

_UNUSED = CouponUse()


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
    """How often ``coupon`` was used (the one-coupon case of ``coupons``)."""
    spread: Decimal = Decimal(0)
    allow_below_cost: bool = False
    """Whether coupons may take the price below the provider's cost (a deliberate promotion)."""
    coupons: tuple[Coupon, ...] = ()
    """Further coupons, applied in order after ``coupon``; combined only if all allow it."""
    coupon_uses: Mapping[str, CouponUse] = attrs.field(factory=dict)
    """How often each of ``coupons`` was used, by code."""
    redeem_points: int = 0
    """Loyalty points the customer offers toward the price (checked against their balance)."""
    point_value_usd: Decimal = Decimal(0)
    """What one of the tenant's points is worth in US dollars."""


@attrs.frozen
class CouponLine:
    """One coupon in a price: what it took off, or why it took nothing."""

    code: str
    discount: Money
    refused: str | None
    capped: bool
    """Cut to what was left of the margin: a price never goes below the provider's cost."""


@attrs.frozen
class PriceBreakdown:
    """Every line of a price, in the offer's currency, and the total in the customer's."""

    chosen: ProviderQuote
    others: tuple[ProviderQuote, ...]
    """The losing quotes, kept for audit."""
    margin: Money
    margin_rule_id: str | None
    coupon_lines: tuple[CouponLine, ...]
    """Each coupon asked for, in order: its discount, or why it did not apply."""
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
    def coupon_discount(self) -> Money:
        """What all coupons together take off."""
        return sum((line.discount for line in self.coupon_lines), self.margin * 0)

    @property
    def coupon_code(self) -> str | None:
        """The first coupon asked for (the one-coupon case)."""
        return self.coupon_lines[0].code if self.coupon_lines else None

    @property
    def coupon_refused(self) -> str | None:
        """Why the first coupon did not apply, if it did not."""
        return self.coupon_lines[0].refused if self.coupon_lines else None

    @property
    def coupon_capped(self) -> bool:
        """Whether a discount was cut to the margin (a price never goes below the cost)."""
        return any(line.capped for line in self.coupon_lines)

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
    costs = [q.cost for q in quotes]  # each checks its own fare and taxes share a currency
    currency = costs[0].currency.code
    if any(cost.currency.code != currency for cost in costs):
        raise CurrencyMismatch("compare quotes in one currency: convert them first")
    ordered = sorted(
        ((cost.amount, q.provider, n), q)
        for n, (cost, q) in enumerate(zip(costs, quotes, strict=True))
    )
    return ordered[0][1], tuple(q for _, q in ordered[1:])


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
        chosen, others = best_quote(await self._in_one_currency(quotes))
        cost = chosen.cost
        zero = cost * 0
        currency = zero.currency
        rule = self._margins.rule_for(context.flight, context.at)
        if rule is not None and rule.amounts_currency not in (None, currency.code):
            # A rule's fixed amounts are in the currency staff wrote them in.
            rule = rule.in_currency(
                currency, await self._rate(str(rule.amounts_currency), currency.code)
            )
        margin = zero if rule is None else rule.margin(chosen.base_fare, context.passengers)
        price = cost + margin
        coupon_lines: tuple[CouponLine, ...] = ()
        off = zero
        if context.coupon is not None or context.coupons:
            coupon_lines = await self._coupons(price, margin, context)
            for line in coupon_lines:
                off = off + line.discount
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
            coupon_lines=coupon_lines,
            loyalty_points=points,
            loyalty_value=points_value,
            subtotal=subtotal,
            conversion=conversion,
            total=total.rounded(),
        )

    async def _in_one_currency(self, quotes: Sequence[ProviderQuote]) -> Sequence[ProviderQuote]:
        """The quotes, those in other currencies than the first converted to it (mid rate)."""
        if not quotes:
            return quotes
        target = quotes[0].base_fare.currency
        if all(q.base_fare.currency.code == target.code for q in quotes):
            return quotes
        converted = []
        for quote in quotes:
            code = quote.base_fare.currency.code
            if code == target.code:
                converted.append(quote)
                continue
            rate = await self._rate(code, target.code)
            converted.append(
                ProviderQuote(
                    quote.provider,
                    Money(quote.base_fare.amount * rate, target),
                    Money(quote.taxes.amount * rate, target),
                )
            )
        return converted

    async def _coupons(
        self, price: Money, margin: Money, context: PricingContext
    ) -> tuple[CouponLine, ...]:
        """Each coupon's line: applied in order to what is left of the price."""
        asked = [(c, context.coupon_uses.get(c.code, _UNUSED)) for c in context.coupons]
        if context.coupon is not None:
            asked.insert(0, (context.coupon, context.coupon_use))
        zero = price * 0
        currency = price.currency
        lines: list[CouponLine] = []
        accepted: list[Coupon] = []
        left, margin_left = price, margin if margin > zero else zero
        for coupon, use in asked:
            if coupon.amounts_currency not in (None, currency.code):
                rate = await self._rate(str(coupon.amounts_currency), currency.code)
                coupon = coupon.in_currency(currency, rate)
            refused = refusal(
                coupon, price=price, flight=context.flight, at=context.at, used=use, others=accepted
            )
            if refused is not None:
                lines.append(CouponLine(coupon.code, zero, refused, False))
                continue
            off, capped = discount(coupon, left), False
            # Never below the provider's cost unless the promotion says so.
            may_go_below = context.allow_below_cost or coupon.below_cost_allowed
            if not may_go_below and off > margin_left:
                off, capped = margin_left, True
            left = left - off
            margin_left = margin_left - off if off < margin_left else zero
            accepted.append(coupon)
            lines.append(CouponLine(coupon.code, off, None, capped))
        return tuple(lines)

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
