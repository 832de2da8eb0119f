"""A circuit breaker per provider: stop calling a provider that keeps failing, retry later."""

from __future__ import annotations

import enum

from funflights_core.clock import Clock


class CircuitState(enum.StrEnum):
    """Closed lets calls through, open refuses them, half-open lets one trial through."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    """Opens after ``failure_threshold`` consecutive failures, for ``reset_after_s`` seconds."""

    def __init__(self, *, failure_threshold: int, reset_after_s: float, clock: Clock) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if reset_after_s <= 0:
            raise ValueError("reset_after_s must be positive")
        self._threshold = failure_threshold
        self._reset_after_s = reset_after_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> CircuitState:
        """The state now, which moves from open to half-open as time passes."""
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self._clock.monotonic() - self._opened_at >= self._reset_after_s:
            return CircuitState.HALF_OPEN
        return CircuitState.OPEN

    @property
    def consecutive_failures(self) -> int:
        """Failures since the last success."""
        return self._failures

    def seconds_until_retry(self) -> float:
        """How long until an open circuit lets a trial call through (0 when it would now)."""
        if self._opened_at is None:
            return 0.0
        remaining = self._reset_after_s - (self._clock.monotonic() - self._opened_at)
        return max(0.0, remaining)

    def allow(self) -> bool:
        """Whether a call may go ahead now; in half-open only one trial runs at a time."""
        state = self.state
        if state is CircuitState.CLOSED:
            return True
        if state is CircuitState.HALF_OPEN and not self._trial_running:
            self._trial_running = True
            return True
        return False

    def record_success(self) -> None:
        """A call succeeded: close the circuit."""
        self._failures = 0
        self._opened_at = None
        self._trial_running = False

    def record_failure(self) -> None:
        """A call failed: count it, and open (or re-open) the circuit at the threshold."""
        self._failures += 1
        self._trial_running = False
        if self._failures >= self._threshold:
            self._opened_at = self._clock.monotonic()
