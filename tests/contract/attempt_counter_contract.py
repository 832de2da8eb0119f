"""The AttemptCounter contract: the in-process counter and Redis behave the same."""

from __future__ import annotations

import abc
import asyncio

import pytest

from funflights_core.attempt_counter import AttemptCounter, WindowCount


class AttemptCounterContract(abc.ABC):
    """Subclasses provide ``counter`` and a way to end a key's window (``expire``)."""

    @pytest.fixture
    @abc.abstractmethod
    def counter(self) -> AttemptCounter:
        """A counter with no windows open."""

    @abc.abstractmethod
    async def expire(self, counter: AttemptCounter, key: str) -> None:
        """Make the key's window end now, as if its time had passed."""

    async def test_hits_count_within_a_window(self, counter: AttemptCounter) -> None:
        counts = [(await counter.hit("k", window_s=60)).count for _ in range(3)]

        assert counts == [1, 2, 3]
        window = await counter.peek("k")
        assert window.count == 3
        assert 1 <= window.resets_in_s <= 60

    async def test_peek_does_not_count(self, counter: AttemptCounter) -> None:
        assert await counter.peek("k") == WindowCount(0, 0)
        await counter.hit("k", window_s=60)
        await counter.peek("k")
        assert (await counter.peek("k")).count == 1

    async def test_keys_are_independent(self, counter: AttemptCounter) -> None:
        await counter.hit("a", window_s=60)
        await counter.hit("a", window_s=60)
        await counter.hit("b", window_s=5)

        assert (await counter.peek("a")).count == 2
        assert (await counter.peek("b")).count == 1
        assert (await counter.peek("b")).resets_in_s <= 5

    async def test_a_new_window_starts_after_the_last_one_ends(
        self, counter: AttemptCounter
    ) -> None:
        await counter.hit("k", window_s=60)
        await counter.hit("k", window_s=60)
        await self.expire(counter, "k")

        assert await counter.peek("k") == WindowCount(0, 0)
        assert (await counter.hit("k", window_s=60)).count == 1

    async def test_later_hits_do_not_extend_the_window(self, counter: AttemptCounter) -> None:
        first = await counter.hit("k", window_s=30)
        later = await counter.hit("k", window_s=3600)

        assert later.resets_in_s <= first.resets_in_s

    async def test_reset_forgets_the_key(self, counter: AttemptCounter) -> None:
        await counter.hit("k", window_s=60)
        await counter.reset("k")

        assert await counter.peek("k") == WindowCount(0, 0)
        await counter.reset("never-seen")

    async def test_concurrent_hits_are_all_counted(self, counter: AttemptCounter) -> None:
        results = await asyncio.gather(*(counter.hit("k", window_s=60) for _ in range(50)))

        assert sorted(r.count for r in results) == list(range(1, 51))
        assert (await counter.peek("k")).count == 50

    async def test_a_hit_can_count_several_events(self, counter: AttemptCounter) -> None:
        assert (await counter.hit("k", window_s=60, amount=5)).count == 5
        assert (await counter.hit("k", window_s=60)).count == 6
        assert (await counter.peek("k")).count == 6
