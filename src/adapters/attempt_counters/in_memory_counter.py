"""AttemptCounter in the process: fixed windows on the monotonic clock (single process only)."""

from __future__ import annotations

from adapters.attempt_counters import check_hit, seconds_left
from funflights_core.attempt_counter import WindowCount
from funflights_core.clock import Clock

_PRUNE_ABOVE = 10_000


class InMemoryAttemptCounter:
    """Fixed-window counters in a dict; the fake, and the default without Redis.

    Every method is synchronous inside (no ``await`` between reading and writing a window),
    so concurrent tasks on one event loop cannot lose a hit.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        """key -> (when the window ends on the monotonic clock, count)."""
        self._prune_above = _PRUNE_ABOVE

    async def hit(self, key: str, *, window_s: int, amount: int = 1) -> WindowCount:
        """Count ``amount`` events; a new window of ``window_s`` opens if none is open."""
        check_hit(window_s, amount)
        now = self._clock.monotonic()
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            ends, count = now + window_s, 0
        count += amount
        self._windows[key] = (ends, count)
        if len(self._windows) > self._prune_above:
            self._prune(now)
        return WindowCount(count, seconds_left(ends - now))

    async def peek(self, key: str) -> WindowCount:
        """The current count, without counting (0 and 0 s when no window is open)."""
        now = self._clock.monotonic()
        window = self._windows.get(key)
        if window is None:
            return WindowCount(0, 0)
        ends, count = window
        if ends <= now:
            del self._windows[key]
            return WindowCount(0, 0)
        return WindowCount(count, seconds_left(ends - now))

    async def reset(self, key: str) -> None:
        """Forget the key's window."""
        self._windows.pop(key, None)

    def _prune(self, now: float) -> None:
        # Many distinct keys (client addresses) must not grow the dict forever. The next
        # prune waits until the dict doubles past what is still live, so a flood of live
        # keys costs amortised O(1) per hit rather than a full scan on every hit.
        self._windows = {key: w for key, w in self._windows.items() if w[0] > now}
        self._prune_above = max(_PRUNE_ABOVE, 2 * len(self._windows))
