"""How much of a fare comes back when travellers cancel: by time left before departure.

A tenant's policy is a list of tiers (for example: all of it more than 7 days out, half
inside that, nothing inside 24 hours), each less a fixed fee; the tier is the one whose
notice the cancellation still gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from funflights_core.errors import InvalidInput
from funflights_core.money import Money


@attrs.frozen
class RefundTier:
    """Cancelling at least ``notice`` before departure gives back ``percent`` less ``fee``."""

    notice: timedelta
    percent: Decimal
    fee: Decimal = Decimal(0)
    """In the currency paid, per passenger cancelled."""

    def __attrs_post_init__(self) -> None:
        if self.notice < timedelta(0):
            raise InvalidInput("notice", "must not be negative")
        if not Decimal(0) <= self.percent <= Decimal(100):
            raise InvalidInput("percent", "use 0 to 100")
        if self.fee < 0:
            raise InvalidInput("fee", "must not be negative")


@attrs.frozen
class RefundQuote:
    """What a cancellation gives back, and why."""

    refund: Money
    tier: RefundTier | None
    """None when no tier applies (too close to departure): nothing comes back."""


def _longest_notice_first(tiers: Sequence[RefundTier]) -> tuple[RefundTier, ...]:
    return tuple(sorted(tiers, key=lambda tier: tier.notice, reverse=True))


@attrs.frozen
class RefundPolicy:
    """A tenant's tiers, the longest notice first."""

    tiers: tuple[RefundTier, ...] = attrs.field(converter=_longest_notice_first)

    def __attrs_post_init__(self) -> None:
        notices = [tier.notice for tier in self.tiers]
        if len(set(notices)) != len(notices):
            raise InvalidInput("tiers", "one tier per notice")
        percents = [tier.percent for tier in self.tiers]
        if percents != sorted(percents, reverse=True):
            raise InvalidInput("tiers", "less notice never gives back more")

    def quote(
        self, paid: Money, *, departs_at: datetime, at: datetime, passengers: int = 1
    ) -> RefundQuote:
        """What cancelling ``passengers`` whose share of the price is ``paid`` gives back."""
        if passengers < 1:
            raise InvalidInput("passengers", "cancel at least one")
        left = departs_at - at
        for tier in self.tiers:
            if left >= tier.notice:
                share = paid * (tier.percent / Decimal(100))
                fees = Money(tier.fee * passengers, paid.currency)
                back = share - fees if share.amount > fees.amount else Money(0, paid.currency)
                return RefundQuote(back.rounded(), tier)
        return RefundQuote(Money(0, paid.currency), None)


def standard_policy(fee: Decimal = Decimal(0)) -> RefundPolicy:
    """All of it more than 7 days out, half from 24 hours to 7 days, nothing inside."""
    return RefundPolicy(
        (
            RefundTier(timedelta(days=7), Decimal(100), fee),
            RefundTier(timedelta(hours=24), Decimal(50), fee),
        )
    )


def policy_of(tiers: Sequence[tuple[float, Decimal, Decimal]]) -> RefundPolicy:
    """A policy from (hours of notice, percent, fee) triples, as a tenant configures it."""
    return RefundPolicy(
        tuple(RefundTier(timedelta(hours=hours), percent, fee) for hours, percent, fee in tiers)
    )


def refund_policy_text(policy: RefundPolicy) -> str:
    """The policy as ``hours:percent:fee`` words, longest notice first (how it is stored)."""
    return " ".join(
        f"{tier.notice.total_seconds() / 3600:g}:{tier.percent}:{tier.fee}" for tier in policy.tiers
    )


def refund_policy_from_text(text: str) -> RefundPolicy:
    """A policy from ``hours:percent:fee`` words (spaces or commas between them);
    ``InvalidInput("refund_tiers")`` saying what is wrong."""
    tiers = []
    for word in text.replace(",", " ").split():
        parts = word.split(":")
        try:
            if len(parts) != 3:
                raise ValueError(word)
            hours, percent, fee = float(parts[0]), Decimal(parts[1]), Decimal(parts[2])
        except (ValueError, ArithmeticError):
            raise InvalidInput("refund_tiers", f"{word!r} is not hours:percent:fee") from None
        if not (0 <= hours <= 24 * 366 and percent.is_finite() and fee.is_finite()):
            raise InvalidInput("refund_tiers", f"{word!r}: hours from 0 to a year, finite numbers")
        tiers.append((hours, percent, fee))
    try:
        return policy_of(tiers)
    except InvalidInput as exc:
        raise InvalidInput("refund_tiers", exc.reason) from None
