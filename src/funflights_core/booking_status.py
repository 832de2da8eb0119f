"""A booking's life: the statuses it goes through, the moves allowed, and their record.

Every move is kept with who made it, when and why, so a booking's history can always be
told (and audited); a move the rules do not allow is refused, changing nothing.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from funflights_core.errors import Conflict


class BookingStatus(enum.StrEnum):
    """Where a booking stands."""

    HELD = "held"
    """Seats taken from the inventory until the hold expires; nothing paid yet."""
    AWAITING_PAYMENT = "awaiting_payment"
    """A payment is under way (a 3-D Secure step, a PayPal approval, a Bitcoin invoice)."""
    CONFIRMED = "confirmed"
    """Paid: a record locator and tickets are issued."""
    CANCELLED = "cancelled"
    """Released before payment, or cancelled after it with nothing to refund."""
    EXPIRED = "expired"
    """The hold ran out before payment: the seats went back."""
    PARTIALLY_REFUNDED = "partially_refunded"
    """Some passengers cancelled, or a part of the price given back."""
    REFUNDED = "refunded"
    """All that was paid and is refundable given back."""


MOVES: dict[BookingStatus, frozenset[BookingStatus]] = {
    BookingStatus.HELD: frozenset(
        {
            BookingStatus.AWAITING_PAYMENT,
            BookingStatus.CONFIRMED,
            BookingStatus.CANCELLED,
            BookingStatus.EXPIRED,
        }
    ),
    BookingStatus.AWAITING_PAYMENT: frozenset(
        {
            # A declined or abandoned payment leaves the hold to try again while it lasts.
            BookingStatus.HELD,
            BookingStatus.CONFIRMED,
            BookingStatus.CANCELLED,
            BookingStatus.EXPIRED,
        }
    ),
    BookingStatus.CONFIRMED: frozenset(
        # Confirmed again: new flights (a date change), re-ticketed.
        {
            BookingStatus.CONFIRMED,
            BookingStatus.CANCELLED,
            BookingStatus.PARTIALLY_REFUNDED,
            BookingStatus.REFUNDED,
        }
    ),
    BookingStatus.PARTIALLY_REFUNDED: frozenset(
        # The last passengers may leave with nothing to give back (too close to departure).
        {BookingStatus.PARTIALLY_REFUNDED, BookingStatus.REFUNDED, BookingStatus.CANCELLED}
    ),
    BookingStatus.CANCELLED: frozenset(),
    BookingStatus.EXPIRED: frozenset(),
    BookingStatus.REFUNDED: frozenset(),
}
"""The moves allowed from each status; the last three are final."""

HOLDING = frozenset({BookingStatus.HELD, BookingStatus.AWAITING_PAYMENT})
"""Statuses in which the booking holds seats it has not paid for (they can expire)."""


class IllegalMove(Conflict):
    """A status change the booking's rules do not allow (409)."""


@attrs.frozen
class StatusChange:
    """One move of a booking: from, to, when, by whom, and why."""

    before: BookingStatus | None
    """None for the booking's first status."""
    after: BookingStatus
    at: datetime
    actor: str
    """Who moved it: ``customer:<id>``, ``staff:<id>``, ``worker``, ``payments:<provider>``."""
    reason: str

    def __attrs_post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("a status change is timed in UTC")
        if not self.actor.strip() or not self.reason.strip():
            raise ValueError("a status change says who made it and why")


@attrs.frozen
class BookingLifecycle:
    """A booking's current status and every move that led to it, oldest first."""

    changes: tuple[StatusChange, ...]

    def __attrs_post_init__(self) -> None:
        if not self.changes or self.changes[0].before is not None:
            raise ValueError("a lifecycle starts with the booking's first status")
        for earlier, later in zip(self.changes, self.changes[1:], strict=False):
            if later.before is not earlier.after or later.after not in MOVES[earlier.after]:
                raise ValueError(f"{earlier.after} cannot become {later.after}")
            if later.at < earlier.at:
                raise ValueError("status changes are kept in time order")

    @classmethod
    def begun(cls, at: datetime, actor: str, reason: str) -> BookingLifecycle:
        """A new booking, holding its seats."""
        return cls((StatusChange(None, BookingStatus.HELD, at, actor, reason),))

    @property
    def status(self) -> BookingStatus:
        """Where the booking stands now."""
        return self.changes[-1].after

    @property
    def is_final(self) -> bool:
        """Whether no further move is possible."""
        return not MOVES[self.status]

    def can_become(self, status: BookingStatus) -> bool:
        """Whether the rules allow moving to ``status`` now."""
        return status in MOVES[self.status]

    def moved(
        self, status: BookingStatus, *, at: datetime, actor: str, reason: str
    ) -> BookingLifecycle:
        """The lifecycle after a move; ``IllegalMove`` if the rules do not allow it."""
        if not self.can_become(status):
            raise IllegalMove(f"a {self.status} booking cannot become {status}")
        # A clock that steps back (another process's) must not reorder the history.
        moment = max(at, self.changes[-1].at)
        return BookingLifecycle(
            (*self.changes, StatusChange(self.status, status, moment, actor, reason))
        )
