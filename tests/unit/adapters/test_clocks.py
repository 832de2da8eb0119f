"""Clock adapters: the manual clock moves only when told; the system clock is UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.clocks import ManualClock, SystemClock


def test_manual_clock_starts_at_a_fixed_time() -> None:
    clock = ManualClock()

    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)
    assert clock.monotonic() == 0.0


def test_manual_clock_starts_where_told() -> None:
    start = datetime(2030, 6, 15, 12, 30, tzinfo=UTC)

    clock = ManualClock(start)

    assert clock.now() == start
    assert clock.monotonic() == 0.0


def test_manual_clock_advance_moves_both_readings() -> None:
    clock = ManualClock(datetime(2030, 6, 15, 23, 59, 30, tzinfo=UTC))

    clock.advance(45)
    clock.advance(0.5)

    assert clock.now() == datetime(2030, 6, 16, 0, 0, 15, 500_000, tzinfo=UTC)
    assert clock.monotonic() == 45.5


def test_manual_clock_does_not_move_by_itself() -> None:
    clock = ManualClock()

    first = (clock.now(), clock.monotonic())

    assert (clock.now(), clock.monotonic()) == first


def test_system_clock_is_utc_and_monotonic() -> None:
    clock = SystemClock()

    before = clock.monotonic()
    now = clock.now()
    after = clock.monotonic()

    assert now.utcoffset() == timedelta(0)
    assert after >= before
