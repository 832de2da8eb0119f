"""The booking state machine: only allowed moves happen, every one is recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funflights_core.booking_status import (
    HOLDING,
    MOVES,
    BookingLifecycle,
    BookingStatus,
    IllegalMove,
    StatusChange,
)
from funflights_core.errors import Conflict

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
statuses = st.sampled_from(list(BookingStatus))


@given(st.lists(st.tuples(statuses, st.integers(min_value=-60, max_value=3600)), max_size=30))
def test_any_sequence_of_asked_moves_keeps_a_lawful_recorded_history(
    asked: list[tuple[BookingStatus, int]],
) -> None:
    life = BookingLifecycle.begun(T0, "customer:ada", "offer chosen")
    now = T0
    for status, seconds in asked:
        now += timedelta(seconds=seconds)
        allowed = status in MOVES[life.status]
        before = life
        try:
            life = life.moved(status, at=now, actor="worker", reason="test")
        except IllegalMove:
            assert not allowed
            assert life is before  # a refused move changes nothing
            continue
        assert allowed
        assert life.status is status
        assert life.changes[:-1] == before.changes
        assert life.changes[-1].before is before.status

    # Replaying the record checks it again: it is a lawful history in time order.
    assert BookingLifecycle(life.changes) == life


def test_final_statuses_allow_nothing_and_holding_ones_can_expire() -> None:
    finals = {s for s in BookingStatus if not MOVES[s]}

    assert finals == {BookingStatus.CANCELLED, BookingStatus.EXPIRED, BookingStatus.REFUNDED}
    assert all(BookingStatus.EXPIRED in MOVES[s] for s in HOLDING)
    assert all(BookingStatus.EXPIRED not in MOVES[s] for s in set(BookingStatus) - HOLDING)


def test_a_paid_booking_is_refunded_not_expired() -> None:
    life = BookingLifecycle.begun(T0, "customer:ada", "offer chosen")
    life = life.moved(BookingStatus.AWAITING_PAYMENT, at=T0, actor="customer:ada", reason="card")
    life = life.moved(BookingStatus.CONFIRMED, at=T0, actor="payments:cards", reason="captured")

    with pytest.raises(Conflict, match="a confirmed booking cannot become expired"):
        life.moved(BookingStatus.EXPIRED, at=T0, actor="worker", reason="hold ran out")

    refunded = life.moved(
        BookingStatus.PARTIALLY_REFUNDED, at=T0, actor="customer:ada", reason="one passenger"
    ).moved(BookingStatus.REFUNDED, at=T0, actor="customer:ada", reason="the others")
    assert refunded.is_final
    assert [c.after for c in refunded.changes] == [
        BookingStatus.HELD,
        BookingStatus.AWAITING_PAYMENT,
        BookingStatus.CONFIRMED,
        BookingStatus.PARTIALLY_REFUNDED,
        BookingStatus.REFUNDED,
    ]


def test_a_forged_history_is_refused() -> None:
    held = StatusChange(None, BookingStatus.HELD, T0, "customer:ada", "offer chosen")
    jump = StatusChange(BookingStatus.HELD, BookingStatus.REFUNDED, T0, "staff:eve", "why not")

    with pytest.raises(ValueError, match="cannot become refunded"):
        BookingLifecycle((held, jump))
    with pytest.raises(ValueError, match="says who made it and why"):
        StatusChange(None, BookingStatus.HELD, T0, " ", "x")
