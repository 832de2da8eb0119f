"""AttemptCounter in the process: fixed windows on the monotonic clock (single process only)."""

from __future__ import annotations

import math

from funflights_core.attempt_counter import WindowCount
from funflights_core.clock import Clock

_PRUNE_ABOVE = 10_000


class InMemoryAttemptCounter:
    """Fixed-window counters in a dict; the fake, and the default without Redis."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        """key -> (when the window ends, count)."""

    async def hit(self, key: str, *, window_s: int, amount: int = 1) -> WindowCount:
        """Count ``amount`` events; a new window opens if none is open."""
        now = self._clock.monotonic()
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            ends, count = now + window_s, 0
        count += amount
        self._windows[key] = (ends, count)
        if len(self._windows) > _PRUNE_ABOVE:
            self._prune(now)
        return WindowCount(count, max(1, math.ceil(ends - now)))

    async def peek(self, key: str) -> WindowCount:
        """The current count, without counting."""
        now = self._clock.monotonic()
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            return WindowCount(0, 0)
        return WindowCount(count, max(1, math.ceil(ends - now)))

    async def reset(self, key: str) -> None:
        """Forget the key's window."""
        self._windows.pop(key, None)

    def _prune(self, now: float) -> None:
        # Many distinct keys (client addresses) must not grow the dict forever.
        self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
