"""The outbox: events written with the state change that caused them, delivered later.

A booking's events (confirmed, cancelled, refunded, hold expired) are stored in the same
transaction as the change, so either both happen or neither does. A worker then delivers
each at least once: it leases a batch, delivers, and marks each delivered; a worker that
dies mid-delivery leaves its lease to run out, and another delivers those events again
(deliveries carry the event's id, so a repeat is recognisable and harmless).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta

import attrs

MAX_ATTEMPTS = 8
"""Deliveries tried before an event is set aside (dead-lettered) for an operator."""
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)


class EventKind(enum.StrEnum):
    """What happened."""

    BOOKING_CONFIRMED = "booking.confirmed"
    BOOKING_CHANGED = "booking.changed"
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_REFUNDED = "booking.refunded"
    HOLD_EXPIRED = "booking.hold_expired"


class EventState(enum.StrEnum):
    """Where an event's delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    """Given up after ``MAX_ATTEMPTS``, or refused for good: an operator looks at it."""


@attrs.frozen
class OutboxEvent:
    """One event to deliver, and how its deliveries went."""

    id: str
    tenant_id: str
    kind: EventKind
    subject_id: str
    """The booking the event is about."""
    payload: Mapping[str, str]
    """What the message needs (recipient, locator, amounts), as text."""
    created_at: datetime
    state: EventState = EventState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after ``attempts`` failed deliveries; None once it is time to stop.

    Doubles from ``FIRST_RETRY`` up to ``LONGEST_RETRY``: a mail server down for an hour
    is retried a few times, not hammered.
    """
    if attempts >= MAX_ATTEMPTS:
        return None
    delay: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return delay if delay < LONGEST_RETRY else LONGEST_RETRY
