"""The collector pause: overlapping bursts in threads resume it only after the last."""

import gc
import threading

from funflights_core.bulk_allocation import CollectorPause, garbage_collection_paused


def test_the_collector_is_paused_inside_and_resumed_after() -> None:
    assert gc.isenabled()
    with garbage_collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_bursts_resume_only_when_the_last_ends() -> None:
    first_inside, second_inside, first_may_end = (threading.Event() for _ in range(3))
    seen_after_first: list[bool] = []

    def first() -> None:
        with garbage_collection_paused():
            first_inside.set()
            first_may_end.wait(5)

    def second() -> None:
        first_inside.wait(5)
        with garbage_collection_paused():
            second_inside.set()
            worker.join(5)  # the first burst has ended while this one runs
            seen_after_first.append(gc.isenabled())

    worker = threading.Thread(target=first)
    other = threading.Thread(target=second)
    worker.start()
    other.start()
    second_inside.wait(5)
    first_may_end.set()
    other.join(5)

    assert seen_after_first == [False]
    assert gc.isenabled()


def test_a_collector_disabled_beforehand_stays_disabled() -> None:
    gc.disable()
    try:
        with garbage_collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_ending_a_pause_twice_ends_it_once() -> None:
    outer = CollectorPause()
    inner = CollectorPause()
    inner.end()
    inner.end()  # must not end the outer pause too

    assert not gc.isenabled()
    outer.end()
    assert gc.isenabled()
