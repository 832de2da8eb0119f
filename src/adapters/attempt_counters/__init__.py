"""AttemptCounter adapters: in-process windows, and Redis windows shared by every process."""

from __future__ import annotations

import math


def check_hit(window_s: int, amount: int) -> None:
    """Refuse windows and amounts the counters cannot honour (shared by both adapters)."""
    # A zero window would make Redis delete the key at once (EXPIRE 0) while the dict kept
    # counting, and a negative amount would let a caller undo throttling: fail loudly instead.
    if window_s < 1:
        raise ValueError(f"window_s must be at least 1, got {window_s}")
    if amount < 1:
        raise ValueError(f"amount must be at least 1, got {amount}")


def seconds_left(remaining_s: float) -> int:
    """Whole seconds left in an open window, rounded up and at least 1."""
    return max(1, math.ceil(remaining_s))
