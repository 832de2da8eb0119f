"""Coupons: discounts with conditions; usage limits are enforced where coupons are stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from funflights_core.errors import InvalidInput
from funflights_core.margin_rule import FlightFacts
from funflights_core.money import Currency, Money


@attrs.frozen
class Coupon:
    """A discount code: a percentage or a fixed amount, and when it may be used."""

    code: str
    tenant_id: str
    percent_off: Decimal | None = None
    """0.10 is 10% off."""
    amount_off: Money | None = None
    minimum_spend: Money | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    airlines: frozenset[str] = frozenset()
    """Empty: every airline."""
    routes: frozenset[tuple[str, str]] = frozenset()
    cabins: frozenset[str] = frozenset()
    total_uses: int | None = None
    uses_per_customer: int | None = None
    combinable: bool = False
    description: str = ""
    below_cost_allowed: bool = False
    """A promotion the platform funds: the discount may take a price below the cost."""

    @property
    def amounts_currency(self) -> str | None:
        """The currency of the coupon's amounts, if it has any."""
        for amount in (self.amount_off, self.minimum_spend):
            if amount is not None:
                return amount.currency.code
        return None

    def in_currency(self, currency: Currency, rate: Decimal) -> Coupon:
        """The coupon with its amounts converted at ``rate`` (units of ``currency`` per unit)."""

        def convert(amount: Money | None) -> Money | None:
            return None if amount is None else Money(amount.amount * rate, currency)

        return attrs.evolve(
            self, amount_off=convert(self.amount_off), minimum_spend=convert(self.minimum_spend)
        )

    def __attrs_post_init__(self) -> None:
        if (self.percent_off is None) == (self.amount_off is None):
            raise InvalidInput("discount", "give either percent_off or amount_off")
        if self.percent_off is not None and not Decimal(0) < self.percent_off <= Decimal(1):
            raise InvalidInput("percent_off", "must be above 0 and at most 1")
        if self.amount_off is not None and self.amount_off.amount <= 0:
            raise InvalidInput("amount_off", "must be positive")


@attrs.frozen
class CouponUse:
    """How often a coupon was used, in all and by the customer at hand."""

    total: int = 0
    by_customer: int = 0


def refusal(
    coupon: Coupon,
    *,
    price: Money,
    flight: FlightFacts,
    at: datetime,
    used: CouponUse,
    others: Sequence[Coupon] = (),
) -> str | None:
    """Why the coupon cannot apply to this price, or None when it can."""
    if coupon.valid_from is not None and at < coupon.valid_from:
        return "not valid yet"
    if coupon.valid_until is not None and at >= coupon.valid_until:
        return "expired"
    if coupon.minimum_spend is not None and price < coupon.minimum_spend:
        return f"needs a spend of at least {coupon.minimum_spend}"
    if coupon.airlines and flight.carrier not in coupon.airlines:
        return "not valid on this airline"
    if coupon.routes and (flight.origin, flight.destination) not in coupon.routes:
        return "not valid on this route"
    if coupon.cabins and flight.cabin not in coupon.cabins:
        return "not valid in this cabin"
    if coupon.total_uses is not None and used.total >= coupon.total_uses:
        return "fully used"
    if coupon.uses_per_customer is not None and used.by_customer >= coupon.uses_per_customer:
        return "already used as often as allowed"
    if others and not (coupon.combinable and all(other.combinable for other in others)):
        return "cannot be combined with another coupon"
    return None


def discount(coupon: Coupon, price: Money) -> Money:
    """The discount on a price: never more than the price itself."""
    if coupon.percent_off is not None:
        off = price * coupon.percent_off
    elif coupon.amount_off is not None:
        off = coupon.amount_off
    else:  # unreachable: a coupon is created with exactly one of the two
        raise ValueError("a coupon needs percent_off or amount_off")
    return off if off <= price else price
