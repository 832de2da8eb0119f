"""Resale price control: the most a ticket may be resold for, in seller's and buyer's money."""

from __future__ import annotations

from decimal import Decimal

import attrs

from funflights_core.errors import InvalidInput
from funflights_core.exchange import Conversion
from funflights_core.money import Money


@attrs.frozen
class ResalePolicy:
    """A tenant's resale rules: a cap relative to what was paid, and the platform's fee."""

    cap_ratio: Decimal = Decimal(1)
    """The asking price may be at most this share of the price paid (1: no more than paid)."""
    platform_fee_ratio: Decimal = Decimal("0.05")
    """The platform's fee, a share of the resale price, paid by the buyer on top."""

    def __attrs_post_init__(self) -> None:
        if not Decimal(0) < self.cap_ratio <= Decimal(2):
            raise InvalidInput("cap_ratio", "must be above 0 and at most 2")
        if not Decimal(0) <= self.platform_fee_ratio < Decimal(1):
            raise InvalidInput("platform_fee_ratio", "must be at least 0 and below 1")


@attrs.frozen
class ResaleCap:
    """The highest resale price, and what a buyer pays at most, each rounded to charge."""

    seller_max: Money
    """The highest asking price, in the currency the seller paid in."""
    platform_fee: Money
    buyer_max: Money
    """Asking price plus fee, in the buyer's currency when a conversion is given."""
    conversion: Conversion | None


def resale_cap(paid: Money, policy: ResalePolicy, to_buyer: Conversion | None = None) -> ResaleCap:
    """The cap for a ticket bought for ``paid``.

    ``to_buyer``: a conversion of the buyer's total into the buyer's currency (made by the
    ``CurrencyExchange`` at quote time, and recorded so the cap can be shown again exactly).
    """
    if paid.amount < 0:
        raise InvalidInput("paid", "must not be negative")
    seller_max = (paid * policy.cap_ratio).rounded()
    fee = (seller_max * policy.platform_fee_ratio).rounded()
    total = seller_max + fee
    if to_buyer is None:
        return ResaleCap(seller_max, fee, total, None)
    if to_buyer.original != total:
        raise ValueError("the conversion must be of the buyer's total (asking price plus fee)")
    return ResaleCap(seller_max, fee, to_buyer.converted.rounded(), to_buyer)
