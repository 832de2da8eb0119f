"""Background polls that keep failing are logged once, then summed up, not every time.

A serving process polls margin rules (every 0.25 s) and the inventory version (every
0.5 s). With the database gone, a traceback each time fills the log (and a pipe nobody
reads would block the process): the first failure is logged with its traceback, then a
line at most once a minute with how many failed meanwhile, and the recovery.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

REPEAT_EVERY_S = 60.0


class RepeatedFailures:
    """The failures of one poll, logged sparingly."""

    def __init__(
        self,
        what: str,
        log: logging.Logger,
        *,
        every_s: float = REPEAT_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._what = what
        self._log = log
        self._every_s = every_s
        self._clock = clock
        self._failing_since: float | None = None
        self._last_logged = 0.0
        self._unlogged = 0

    def failed(self) -> None:
        """Call from an ``except`` block: the first failure is logged with its traceback."""
        now = self._clock()
        if self._failing_since is None:
            self._failing_since = self._last_logged = now
            self._unlogged = 0
            self._log.exception("%s failed", self._what)
            return
        self._unlogged += 1
        if now - self._last_logged >= self._every_s:
            self._log.error(
                "%s still failing: %d more failures in %.0f s",
                self._what,
                self._unlogged,
                now - self._last_logged,
            )
            self._last_logged = now
            self._unlogged = 0

    def succeeded(self) -> None:
        """Call after a success: a recovery from failures is logged once."""
        if self._failing_since is not None:
            self._log.warning(
                "%s works again after %.0f s", self._what, self._clock() - self._failing_since
            )
            self._failing_since = None
