"""Building the catalogue allocates ~10^5 long-lived objects in one burst."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_bursts = 0
_resume = False


@contextmanager
def garbage_collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a burst of allocations.

    Every few hundred allocations the collector would walk the growing heap of records it
    can never free, which triples the cost of decoding and aggregating a large feed. The
    objects made here hold no reference cycles, so pausing loses nothing. Bursts run in
    worker threads and may overlap: the collector is resumed (if it was running before the
    first) only when the last one ends.
    """
    global _bursts, _resume
    with _lock:
        if _bursts == 0:
            _resume = gc.isenabled()
            gc.disable()
        _bursts += 1
    try:
        yield
    finally:
        with _lock:
            _bursts -= 1
            if _bursts == 0 and _resume:
                gc.enable()
