"""How much of a fare comes back when travellers cancel: by fare and time left before departure.

A tenant's policy is a list of tiers (for example: all of it more than 7 days out, half
inside that, nothing inside 24 hours), each less a fixed fee; the tier is the one whose
notice the cancellation still gives. Tiers may name the fare (the cabin) they are for: a
business fare follows the business tiers when there are any, every other fare the tiers
that name none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from funflights_core.errors import InvalidInput
from funflights_core.flight import CabinClass
from funflights_core.money import Money


@attrs.frozen
class RefundTier:
    """Cancelling at least ``notice`` before departure gives back ``percent`` less ``fee``."""

    notice: timedelta
    percent: Decimal
    fee: Decimal = Decimal(0)
    """In the currency paid, per passenger cancelled."""
    cabin: CabinClass | None = None
    """The fare this tier is for; None: every fare without tiers of its own."""

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
    """Every fare's tiers first, then each cabin's in cabin order; the longest notice first."""
    order = {cabin: n for n, cabin in enumerate(CabinClass, start=1)}
    return tuple(
        sorted(
            tiers,
            key=lambda tier: (0 if tier.cabin is None else order[tier.cabin], -tier.notice),
        )
    )


@attrs.frozen
class RefundPolicy:
    """A tenant's tiers: those for every fare, then each cabin's; the longest notice first."""

    tiers: tuple[RefundTier, ...] = attrs.field(converter=_longest_notice_first)

    def __attrs_post_init__(self) -> None:
        cabins = {tier.cabin for tier in self.tiers}
        if cabins and None not in cabins:
            # Else every other fare would quietly get nothing back.
            raise InvalidInput("tiers", "give rules for every fare too (without a cabin)")
        for cabin in cabins:
            group = [tier for tier in self.tiers if tier.cabin is cabin]
            fare = "" if cabin is None else f" of {cabin} fares"
            notices = [tier.notice for tier in group]
            if len(set(notices)) != len(notices):
                raise InvalidInput("tiers", f"one tier per notice{fare}")
            percents = [tier.percent for tier in group]
            if percents != sorted(percents, reverse=True):
                raise InvalidInput("tiers", f"less notice never gives back more{fare}")

    def for_fare(self, cabin: CabinClass | None) -> tuple[RefundTier, ...]:
        """The tiers a fare of this cabin follows: its own if it has any, else every fare's."""
        own = tuple(tier for tier in self.tiers if cabin is not None and tier.cabin is cabin)
        return own or tuple(tier for tier in self.tiers if tier.cabin is None)

    def quote(
        self,
        paid: Money,
        *,
        departs_at: datetime,
        at: datetime,
        passengers: int = 1,
        cabin: CabinClass | None = None,
    ) -> RefundQuote:
        """What cancelling ``passengers`` of a ``cabin`` fare whose share of the price is
        ``paid`` gives back."""
        if passengers < 1:
            raise InvalidInput("passengers", "cancel at least one")
        left = departs_at - at
        for tier in self.for_fare(cabin):
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


def policy_of(
    tiers: Sequence[tuple[float, Decimal, Decimal] | tuple[float, Decimal, Decimal, CabinClass]],
) -> RefundPolicy:
    """A policy from (hours of notice, percent, fee[, cabin]) tuples, as a tenant configures it."""
    return RefundPolicy(
        tuple(
            RefundTier(timedelta(hours=t[0]), t[1], t[2], t[3] if len(t) == 4 else None)
            for t in tiers
        )
    )


def refund_policy_text(policy: RefundPolicy) -> str:
    """The policy as ``[cabin/]hours:percent:fee`` words (how it is stored)."""
    return " ".join(
        ("" if tier.cabin is None else f"{tier.cabin}/")
        + f"{tier.notice.total_seconds() / 3600:g}:{tier.percent}:{tier.fee}"
        for tier in policy.tiers
    )


def refund_policy_from_text(text: str) -> RefundPolicy:
    """A policy from ``[cabin/]hours:percent:fee`` words (spaces or commas between them);
    ``InvalidInput("refund_tiers")`` saying what is wrong."""
    tiers = []
    for word in text.replace(",", " ").split():
        fare, slash, rule = word.rpartition("/")
        try:
            cabin = CabinClass(fare.lower()) if slash else None
        except ValueError:
            cabins = ", ".join(CabinClass)
            raise InvalidInput("refund_tiers", f"{word!r}: the fare is one of {cabins}") from None
        parts = rule.split(":")
        try:
            if len(parts) != 3:
                raise ValueError(word)
            hours, percent, fee = float(parts[0]), Decimal(parts[1]), Decimal(parts[2])
        except (ValueError, ArithmeticError):
            raise InvalidInput(
                "refund_tiers", f"{word!r} is not [cabin/]hours:percent:fee"
            ) from None
        if not (0 <= hours <= 24 * 366 and percent.is_finite() and fee.is_finite()):
            raise InvalidInput("refund_tiers", f"{word!r}: hours from 0 to a year, finite numbers")
        tiers.append((timedelta(hours=hours), percent, fee, cabin))
    try:
        return RefundPolicy(tuple(RefundTier(*tier) for tier in tiers))
    except InvalidInput as exc:
        raise InvalidInput("refund_tiers", exc.reason) from None
