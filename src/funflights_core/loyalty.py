"""Loyalty: an append-only points ledger per customer, tiers by spend, points worth USD."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

import attrs

from funflights_core.errors import InvalidInput
from funflights_core.money import Money


class EntryKind(enum.StrEnum):
    """Why points moved."""

    EARN = "earn"
    REDEEM = "redeem"
    REVERSAL = "reversal"
    """A cancelled booking undone whole (what is left of it)."""
    PART_REVERSAL = "part_reversal"
    """The part of a booking whose travellers cancelled, undone (with its spend)."""


@attrs.frozen
class LedgerEntry:
    """One movement of points; entries are never changed, only added."""

    id: str
    kind: EntryKind
    points: int
    """Signed: earning adds, redeeming subtracts."""
    at: datetime
    booking_id: str | None = None
    spend: Money | None = None
    """For earnings: the spend that earned them (tiers are computed from it); for a part
    of a booking reversed: the spend taken back (negative)."""


@attrs.frozen
class Tier:
    """A level of the programme: reached at ``min_spend`` over 12 months, earning ``rate``."""

    name: str
    min_spend: Decimal
    """In the programme's spend currency (``TierPolicy.currency``)."""
    points_per_unit: Decimal
    """Points per whole unit of spend."""


DEFAULT_TIERS = (
    Tier("blue", Decimal(0), Decimal(1)),
    Tier("silver", Decimal(2000), Decimal("1.5")),
    Tier("gold", Decimal(5000), Decimal(2)),
)
"""A programme's tiers unless its tenant sets others: spend in USD over 12 months."""

ROLLING_WINDOW = timedelta(days=365)
"""Tiers are reached by the spend of this long before now."""

TIER_CURRENCY = "USD"
"""Tiers are reached by spend in US dollars, so merged programmes compare."""


def tiers_text(tiers: tuple[Tier, ...]) -> str:
    """Tiers as ``name:min_spend:points_per_unit`` separated by ``;`` (settings and storage)."""
    return ";".join(f"{t.name}:{t.min_spend}:{t.points_per_unit}" for t in tiers)


def tiers_from_text(text: str) -> tuple[Tier, ...]:
    """Tiers from ``tiers_text`` form, validated as a policy; ``InvalidInput`` if malformed."""
    tiers: list[Tier] = []
    for part in text.split(";"):
        fields = part.strip().split(":")
        if len(fields) != 3 or not fields[0].strip():
            raise InvalidInput("loyalty_tiers", "write tiers as name:min_spend:points;...")
        try:
            spend, rate = Decimal(fields[1]), Decimal(fields[2])
        except ArithmeticError:
            raise InvalidInput("loyalty_tiers", f"{part!r} has a bad number") from None
        if not spend.is_finite() or not rate.is_finite() or spend < 0 or rate < 0:
            raise InvalidInput("loyalty_tiers", f"{part!r}: numbers must be 0 or more")
        tiers.append(Tier(fields[0].strip(), spend, rate))
    try:
        TierPolicy(TIER_CURRENCY, tuple(tiers))
    except InvalidInput as exc:
        raise InvalidInput("loyalty_tiers", exc.reason) from None
    return tuple(tiers)


@attrs.frozen
class TierPolicy:
    """The tiers of a programme, in ascending order of spend, in one spend currency."""

    currency: str
    tiers: tuple[Tier, ...]

    def __attrs_post_init__(self) -> None:
        if not self.tiers or self.tiers[0].min_spend != 0:
            raise InvalidInput("tiers", "the first tier must start at a spend of 0")
        spends = [tier.min_spend for tier in self.tiers]
        if spends != sorted(set(spends)):
            raise InvalidInput("tiers", "tiers must have rising, distinct spend thresholds")

    def tier_for(self, spend: Decimal) -> Tier:
        """The highest tier whose threshold the spend reaches."""
        return [tier for tier in self.tiers if spend >= tier.min_spend][-1]


@attrs.frozen
class LoyaltyAccount:
    """A customer's ledger; the balance and tier are derived, never stored."""

    entries: tuple[LedgerEntry, ...] = ()

    @property
    def balance(self) -> int:
        """The points available."""
        return sum(entry.points for entry in self.entries)

    def rolling_spend(self, policy: TierPolicy, now: datetime) -> Decimal:
        """Spend of the last 12 months that earned points and was not reversed (the part of
        travellers who cancelled counts only against a booking earned in those months)."""
        return spend_in(policy, self.counted_spend(now - ROLLING_WINDOW))

    def counted_spend(self, since: datetime) -> dict[str, Decimal]:
        """The spend that counts towards tiers since ``since``, summed per currency code:
        earnings since then whose booking was not reversed, less the parts of them whose
        travellers cancelled (what a store may also sum for itself, see ``spend_in``)."""
        reversed_bookings = {e.booking_id for e in self.entries if e.kind is EntryKind.REVERSAL}
        earned = {
            e.booking_id
            for e in self.entries
            if e.kind is EntryKind.EARN and e.spend is not None and e.at >= since
        }
        totals: dict[str, Decimal] = {}
        for entry in self.entries:
            if entry.spend is None or entry.kind is EntryKind.REDEEM:
                continue
            if entry.booking_id in reversed_bookings or entry.booking_id not in earned:
                continue
            if entry.kind is EntryKind.EARN and entry.at < since:
                continue
            code = entry.spend.currency.code
            totals[code] = totals.get(code, Decimal(0)) + entry.spend.amount
        return totals

    def tier(self, policy: TierPolicy, now: datetime) -> Tier:
        """The tier the last 12 months of spend reach."""
        return policy.tier_for(self.rolling_spend(policy, now))

    def earn(
        self, entry_id: str, spend: Money, policy: TierPolicy, *, booking_id: str, at: datetime
    ) -> LoyaltyAccount:
        """Points for a booking's spend at the customer's current tier (whole points)."""
        entry = earning(entry_id, spend, self.tier(policy, at), booking_id=booking_id, at=at)
        return attrs.evolve(self, entries=(*self.entries, entry))

    def redeem(
        self, entry_id: str, points: int, *, booking_id: str, at: datetime
    ) -> LoyaltyAccount:
        """Spend points on a booking; never more than the balance."""
        if points <= 0:
            raise InvalidInput("points", "must be positive")
        if points > self.balance:
            raise InvalidInput("points", f"only {self.balance} points are available")
        entry = LedgerEntry(entry_id, EntryKind.REDEEM, -points, at, booking_id)
        return attrs.evolve(self, entries=(*self.entries, entry))

    def reverse(self, entry_id: str, *, booking_id: str, at: datetime) -> LoyaltyAccount:
        """Undo a refunded booking's earning and redemption with one compensating entry.

        Points earned by the booking are clawed back even if they were spent since: the
        balance may then go below zero, and later earnings pay it back.
        """
        mine = [e for e in self.entries if e.booking_id == booking_id]
        if not mine or any(e.kind is EntryKind.REVERSAL for e in mine):
            return self  # nothing booked, or refunds reported twice: reversing once is enough
        # What is left after any parts reversed before (passengers cancelled earlier). Even
        # 0 points left are written: the entry takes the booking out of the tier's spend.
        moved = sum(e.points for e in mine)
        entry = LedgerEntry(entry_id, EntryKind.REVERSAL, -moved, at, booking_id)
        return attrs.evolve(self, entries=(*self.entries, entry))

    def reverse_part(
        self, entry_id: str, *, booking_id: str, share: Decimal, at: datetime
    ) -> LoyaltyAccount:
        """Undo ``share`` (0-1) of a booking's earning and redemption: the part of the
        travellers who cancelled, with the spend it stood for, so tiers count the rest."""
        if not Decimal(0) < share < Decimal(1):
            raise InvalidInput("share", "a part is more than 0 and less than 1")
        mine = [e for e in self.entries if e.booking_id == booking_id]
        if any(e.kind is EntryKind.REVERSAL for e in mine):
            return self  # reversed whole already
        original = sum(e.points for e in mine if e.kind in (EntryKind.EARN, EntryKind.REDEEM))
        moved = int((original * share).to_integral_value(ROUND_HALF_EVEN))
        earned = [e.spend for e in mine if e.kind is EntryKind.EARN and e.spend is not None]
        spend = None
        if earned:
            spend = (sum(earned[1:], earned[0]) * -share).rounded()
        if moved == 0 and (spend is None or spend.amount == 0):
            return self
        entry = LedgerEntry(entry_id, EntryKind.PART_REVERSAL, -moved, at, booking_id, spend)
        return attrs.evolve(self, entries=(*self.entries, entry))


def spend_in(policy: TierPolicy, counted: Mapping[str, Decimal]) -> Decimal:
    """The tier spend from ``LoyaltyAccount.counted_spend`` sums; spend in any currency but
    the policy's is refused (earnings are stored converted, so it means a broken ledger)."""
    others = sorted(code for code in counted if code != policy.currency)
    if others:
        raise InvalidInput("spend", f"tiers are computed in {policy.currency}, not {others[0]}")
    return counted.get(policy.currency, Decimal(0))


def earning(
    entry_id: str, spend: Money, tier: Tier, *, booking_id: str, at: datetime
) -> LedgerEntry:
    """The entry earning a booking's spend at ``tier``'s rate (whole points, rounded down)."""
    if spend.amount < 0:
        raise InvalidInput("spend", "must not be negative")
    points = int((spend.amount * tier.points_per_unit).to_integral_value(ROUND_FLOOR))
    return LedgerEntry(entry_id, EntryKind.EARN, points, at, booking_id, spend)


def points_to_usd(points: int, point_value_usd: Decimal) -> Decimal:
    """What points are worth in US dollars, exactly (the tenant's configured point value)."""
    return Decimal(points) * point_value_usd


def usd_to_points(usd: Decimal, point_value_usd: Decimal) -> int:
    """The whole points a dollar amount buys (never rounded up)."""
    if point_value_usd <= 0:
        raise InvalidInput("point_value_usd", "must be positive")
    return int((usd / point_value_usd).to_integral_value(ROUND_FLOOR))


def convert_points(points: int, from_value_usd: Decimal, to_value_usd: Decimal) -> int:
    """Points of one programme as points of another, through their USD values (rounded down)."""
    return usd_to_points(points_to_usd(points, from_value_usd), to_value_usd)
