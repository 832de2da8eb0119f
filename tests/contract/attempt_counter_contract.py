"""The contract every AttemptCounter adapter keeps: fixed windows per key, counted exactly.

Subclass ``AttemptCounterContract`` (as ``Test...``), override the ``counter`` fixture and
implement ``pass_time``; every case below then runs against the adapter.
"""

from __future__ import annotations

import abc
import asyncio

import pytest

from funflights_core.attempt_counter import AttemptCounter, WindowCount

NO_WINDOW = WindowCount(0, 0)


class AttemptCounterContract(abc.ABC):
    """Cases every attempt counter adapter must pass."""

    @pytest.fixture
    @abc.abstractmethod
    def counter(self) -> AttemptCounter:
        """A counter with no windows open."""

    @abc.abstractmethod
    async def pass_time(self, seconds: float, *keys: str) -> None:
        """Let ``seconds`` pass for the windows of ``keys``.

        An adapter may move time for every key at once (a fake clock) or only for the keys
        named (a store whose clock cannot be moved), so each case names every key it looks
        at afterwards.
        """

    # --- counting within a window ----------------------------------------------------------

    async def test_hits_count_within_a_window(self, counter: AttemptCounter) -> None:
        first = await counter.hit("k", window_s=60)
        second = await counter.hit("k", window_s=60)
        await self.pass_time(30, "k")
        third = await counter.hit("k", window_s=60)

        assert [first.count, second.count, third.count] == [1, 2, 3]
        assert (await counter.peek("k")).count == 3

    async def test_a_hit_can_count_several_events(self, counter: AttemptCounter) -> None:
        assert (await counter.hit("k", window_s=60, amount=5)).count == 5
        assert (await counter.hit("k", window_s=60)).count == 6
        assert (await counter.peek("k")).count == 6

    async def test_peek_does_not_count(self, counter: AttemptCounter) -> None:
        assert await counter.peek("k") == NO_WINDOW
        assert await counter.peek("k") == NO_WINDOW
        await counter.hit("k", window_s=60)
        for _ in range(3):
            assert (await counter.peek("k")).count == 1

        assert (await counter.hit("k", window_s=60)).count == 2

    # --- time left -------------------------------------------------------------------------

    async def test_the_first_hit_opens_a_whole_window(self, counter: AttemptCounter) -> None:
        assert await counter.hit("k", window_s=60) == WindowCount(1, 60)
        assert await counter.peek("k") == WindowCount(1, 60)

    async def test_time_left_is_whole_seconds_rounded_up(self, counter: AttemptCounter) -> None:
        await counter.hit("k", window_s=60)
        await self.pass_time(20, "k")
        assert await counter.peek("k") == WindowCount(1, 40)

        await self.pass_time(0.5, "k")

        assert await counter.peek("k") == WindowCount(1, 40)
        assert await counter.hit("k", window_s=60) == WindowCount(2, 40)

    async def test_time_left_is_at_least_a_second_while_the_window_is_open(
        self, counter: AttemptCounter
    ) -> None:
        await counter.hit("k", window_s=60)
        await self.pass_time(59.5, "k")

        assert await counter.peek("k") == WindowCount(1, 1)
        assert await counter.hit("k", window_s=60) == WindowCount(2, 1)

    # --- windows ending ----------------------------------------------------------------------

    async def test_a_new_window_opens_after_the_last_one_ends(
        self, counter: AttemptCounter
    ) -> None:
        await counter.hit("k", window_s=60)
        await counter.hit("k", window_s=60)
        await self.pass_time(60, "k")

        assert await counter.peek("k") == NO_WINDOW
        assert await counter.hit("k", window_s=60) == WindowCount(1, 60)
        assert await counter.hit("k", window_s=60) == WindowCount(2, 60)

    async def test_later_hits_do_not_stretch_the_window(self, counter: AttemptCounter) -> None:
        await counter.hit("k", window_s=30)
        await self.pass_time(10, "k")

        assert await counter.hit("k", window_s=3600) == WindowCount(2, 20)

        await self.pass_time(20, "k")
        assert await counter.peek("k") == NO_WINDOW

    async def test_each_key_has_its_own_window_length(self, counter: AttemptCounter) -> None:
        assert await counter.hit("short", window_s=10) == WindowCount(1, 10)
        assert await counter.hit("long", window_s=3600) == WindowCount(1, 3600)
        await self.pass_time(10, "short", "long")

        assert await counter.peek("short") == NO_WINDOW
        assert await counter.peek("long") == WindowCount(1, 3590)
        assert await counter.hit("short", window_s=10) == WindowCount(1, 10)
        assert await counter.hit("long", window_s=3600) == WindowCount(2, 3590)

    # --- keys ------------------------------------------------------------------------------

    async def test_keys_are_independent(self, counter: AttemptCounter) -> None:
        await counter.hit("a", window_s=60)
        await counter.hit("a", window_s=60)
        await counter.hit("b", window_s=60)
        await counter.reset("b")

        assert await counter.peek("a") == WindowCount(2, 60)
        assert await counter.peek("b") == NO_WINDOW
        assert await counter.peek("c") == NO_WINDOW

    async def test_reset_forgets_the_window(self, counter: AttemptCounter) -> None:
        await counter.hit("k", window_s=60)
        await counter.hit("k", window_s=60)
        await self.pass_time(30, "k")
        await counter.reset("k")

        assert await counter.peek("k") == NO_WINDOW
        assert await counter.hit("k", window_s=60) == WindowCount(1, 60)

    async def test_resetting_an_unknown_key_does_nothing(self, counter: AttemptCounter) -> None:
        await counter.reset("never-seen")

        assert await counter.peek("never-seen") == NO_WINDOW

    # --- concurrency -----------------------------------------------------------------------

    async def test_concurrent_hits_are_all_counted(self, counter: AttemptCounter) -> None:
        results = await asyncio.gather(*(counter.hit("k", window_s=60) for _ in range(50)))

        assert sorted(result.count for result in results) == list(range(1, 51))
        assert await counter.peek("k") == WindowCount(50, 60)

    async def test_concurrent_hits_on_several_keys_stay_apart(
        self, counter: AttemptCounter
    ) -> None:
        hits = [counter.hit("a", window_s=60, amount=2) for _ in range(25)]
        hits += [counter.hit("b", window_s=30) for _ in range(25)]

        await asyncio.gather(*hits)

        assert await counter.peek("a") == WindowCount(50, 60)
        assert await counter.peek("b") == WindowCount(25, 30)

    # --- misuse ----------------------------------------------------------------------------

    @pytest.mark.parametrize(("window_s", "amount"), [(0, 1), (-5, 1), (60, 0), (60, -1)])
    async def test_empty_windows_and_amounts_are_refused(
        self, counter: AttemptCounter, window_s: int, amount: int
    ) -> None:
        with pytest.raises(ValueError, match="must be at least 1"):
            await counter.hit("k", window_s=window_s, amount=amount)

        assert await counter.peek("k") == NO_WINDOW
