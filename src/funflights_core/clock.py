"""The Clock port: the only way the domain learns what time it is."""

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Wall-clock time for timestamps and a monotonic reading for durations."""

    def now(self) -> datetime:
        """Return the current time as a timezone-aware UTC datetime."""
        ...

    def monotonic(self) -> float:
        """Return seconds from an arbitrary origin that never goes backwards."""
        ...
