"""The per-provider circuit breaker, driven by a manual clock."""

import pytest

from adapters.clocks import ManualClock
from funflights_core.circuit_breaker import CircuitBreaker, CircuitState


def make(threshold: int = 2, reset: float = 30.0) -> tuple[CircuitBreaker, ManualClock]:
    clock = ManualClock()
    return CircuitBreaker(failure_threshold=threshold, reset_after_s=reset, clock=clock), clock


def test_opens_after_consecutive_failures_and_refuses_calls() -> None:
    breaker, _ = make()
    breaker.record_failure()
    assert breaker.state is CircuitState.CLOSED
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is CircuitState.OPEN
    assert not breaker.allow()
    assert breaker.seconds_until_retry() == 30.0


def test_success_resets_the_failure_count() -> None:
    breaker, _ = make()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state is CircuitState.CLOSED
    assert breaker.consecutive_failures == 1


def test_half_open_after_reset_time_lets_one_trial_through() -> None:
    breaker, clock = make()
    breaker.record_failure()
    breaker.record_failure()
    clock.advance(29.9)
    assert not breaker.allow()
    clock.advance(0.1)
    assert breaker.state is CircuitState.HALF_OPEN
    assert breaker.allow()
    assert not breaker.allow(), "only one trial at a time"


def test_failed_trial_reopens_for_a_full_period() -> None:
    breaker, clock = make()
    breaker.record_failure()
    breaker.record_failure()
    clock.advance(30)
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is CircuitState.OPEN
    clock.advance(29)
    assert not breaker.allow()


def test_successful_trial_closes() -> None:
    breaker, clock = make()
    breaker.record_failure()
    breaker.record_failure()
    clock.advance(30)
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is CircuitState.CLOSED
    assert breaker.allow()


@pytest.mark.parametrize(("threshold", "reset"), [(0, 1.0), (1, 0.0)])
def test_rejects_nonsense_settings(threshold: int, reset: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        CircuitBreaker(failure_threshold=threshold, reset_after_s=reset, clock=ManualClock())
