"""The AttemptCounter port: counts events per key in fixed time windows (throttling)."""

from typing import Protocol

import attrs


@attrs.frozen
class WindowCount:
    """How many events a key has in its current window, and when that window ends."""

    count: int
    resets_in_s: int
    """Whole seconds (at least 1) until the window ends and the count starts again."""


class AttemptCounter(Protocol):
    """Fixed-window counters shared by every API process (Redis in production)."""

    async def hit(self, key: str, *, window_s: int, amount: int = 1) -> WindowCount:
        """Count ``amount`` events for ``key``; a new window of ``window_s`` opens if none is."""
        ...

    async def peek(self, key: str) -> WindowCount:
        """The current count without counting (0 and 0 s when no window is open)."""
        ...

    async def reset(self, key: str) -> None:
        """Forget the key's window (after a successful login, say)."""
        ...
