"""Building the catalogue allocates ~10^5 long-lived objects in one burst."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_bursts = 0
_resume = False


class CollectorPause:
    """The cyclic garbage collector paused until ``end()`` (bursts may overlap).

    Every few hundred allocations the collector would walk the growing heap of records it
    can never free, which triples the cost of decoding and aggregating a large feed; a
    full collection in the middle of a refresh costs more than the aggregation itself. The
    objects made here hold no reference cycles, so pausing loses nothing. Bursts run in
    worker threads and overlap: the collector resumes (if it was running before the first)
    when the last one ends.
    """

    def __init__(self) -> None:
        global _bursts, _resume
        with _lock:
            if _bursts == 0:
                _resume = gc.isenabled()
                gc.disable()
            _bursts += 1
        self._ended = False

    def end(self) -> None:
        """End this pause (a second call does nothing)."""
        global _bursts
        with _lock:
            if self._ended:
                return
            self._ended = True
            _bursts -= 1
            if _bursts == 0 and _resume:
                gc.enable()


@contextmanager
def garbage_collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a burst of allocations (see CollectorPause)."""
    pause = CollectorPause()
    try:
        yield
    finally:
        pause.end()
