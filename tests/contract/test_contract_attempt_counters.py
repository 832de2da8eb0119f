"""The AttemptCounter contract against the in-process counter and (when configured) Redis."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio
from attempt_counter_contract import NO_WINDOW, AttemptCounterContract

from adapters.attempt_counters.in_memory_counter import InMemoryAttemptCounter
from adapters.attempt_counters.redis_counter import RedisAttemptCounter
from adapters.clocks import ManualClock
from funflights_core.attempt_counter import AttemptCounter, WindowCount

REDIS_URL = os.environ.get("FUNFLIGHTS_TEST_REDIS_URL")


class TestInMemoryAttemptCounter(AttemptCounterContract):
    @pytest.fixture
    def counter(self) -> AttemptCounter:
        self.clock = ManualClock()
        return InMemoryAttemptCounter(self.clock)

    async def pass_time(self, seconds: float, *keys: str) -> None:
        self.clock.advance(seconds)

    # Not part of the contract: the dict of windows must not grow forever.

    async def test_many_ended_windows_are_pruned(self) -> None:
        clock = ManualClock()
        counter = InMemoryAttemptCounter(clock)
        for n in range(10_000):
            await counter.hit(f"address-{n}", window_s=1)
        clock.advance(1)
        await counter.hit("fresh", window_s=1)

        assert list(counter._windows) == ["fresh"]

    async def test_peek_drops_an_ended_window(self) -> None:
        clock = ManualClock()
        counter = InMemoryAttemptCounter(clock)
        await counter.hit("k", window_s=1)
        clock.advance(1)

        assert await counter.peek("k") == NO_WINDOW
        assert counter._windows == {}

    async def test_many_open_windows_are_not_rescanned_on_every_hit(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        counter = InMemoryAttemptCounter(ManualClock())
        prune = counter._prune
        prunes: list[float] = []

        def counting_prune(now: float) -> None:
            prunes.append(now)
            prune(now)

        monkeypatch.setattr(counter, "_prune", counting_prune)
        for n in range(15_000):
            await counter.hit(f"address-{n}", window_s=60)

        assert len(prunes) == 1
        assert await counter.peek("address-0") == WindowCount(1, 60)


@pytest.mark.redis
@pytest.mark.skipif(REDIS_URL is None, reason="FUNFLIGHTS_TEST_REDIS_URL is not set")
class TestRedisAttemptCounter(AttemptCounterContract):
    @pytest.fixture
    async def counter(self) -> AsyncIterator[AttemptCounter]:
        assert REDIS_URL is not None
        self.client = redis.asyncio.Redis.from_url(REDIS_URL)
        # A fresh prefix per test: parallel runs (and earlier failed runs) cannot collide.
        self.prefix = f"funflights-test:{uuid.uuid4().hex}:"
        try:
            yield RedisAttemptCounter(self.client, prefix=self.prefix)
        finally:
            try:
                keys = [key async for key in self.client.scan_iter(match=f"{self.prefix}*")]
                if keys:
                    await self.client.delete(*keys)
            finally:
                await self.client.aclose()

    async def pass_time(self, seconds: float, *keys: str) -> None:
        # Redis's clock cannot be moved, so time passes for a window by shortening its TTL
        # by exactly that much. A window that ends is given a 1 ms TTL and awaited until
        # Redis itself expires it, rather than deleted, so the case covers the same path as
        # a real window ending. Redis checks a key's expiry whenever it is read, so the
        # poll ends after the first EXISTS that comes a millisecond later (a few round
        # trips, no sleeping); the deadline only turns a broken TTL into a failure.
        for key in keys:
            name = self.prefix + key
            left_ms = await self.client.pttl(name)
            if left_ms < 0:
                continue
            left_ms -= round(seconds * 1000)
            if left_ms > 0:
                await self.client.pexpire(name, left_ms)
                continue
            await self.client.pexpire(name, 1)
            deadline = time.monotonic() + 2.0
            while await self.client.exists(name):
                assert time.monotonic() < deadline, f"{name} outlived its 1 ms TTL"

    # Not part of the contract: how the windows are kept in Redis.

    async def test_every_window_has_a_time_to_live(self, counter: AttemptCounter) -> None:
        await counter.hit("k", window_s=60)
        await counter.hit("k", window_s=60, amount=3)

        assert await self.client.get(self.prefix + "k") == b"4"
        assert 59_000 < await self.client.pttl(self.prefix + "k") <= 60_000

    async def test_a_key_without_a_ttl_gets_one_at_its_next_hit(
        self, counter: AttemptCounter
    ) -> None:
        await self.client.set(self.prefix + "k", 7)

        assert (await counter.peek("k")).count == 7
        assert await counter.hit("k", window_s=60) == WindowCount(8, 60)
        assert 0 < await self.client.ttl(self.prefix + "k") <= 60

    async def test_keys_are_kept_under_the_prefix(self, counter: AttemptCounter) -> None:
        await counter.hit("login:alice", window_s=60)
        other = RedisAttemptCounter(self.client, prefix=self.prefix + "other:")
        await other.hit("login:alice", window_s=60)
        await other.hit("login:alice", window_s=60)

        keys = {key async for key in self.client.scan_iter(match=f"{self.prefix}*")}
        assert keys == {
            f"{self.prefix}login:alice".encode(),
            f"{self.prefix}other:login:alice".encode(),
        }
        assert (await counter.peek("login:alice")).count == 1
        assert (await other.peek("login:alice")).count == 2

    async def test_hits_from_separate_clients_are_all_counted(
        self, counter: AttemptCounter
    ) -> None:
        # A second connection pool stands in for another API process.
        assert REDIS_URL is not None
        second_client = redis.asyncio.Redis.from_url(REDIS_URL)
        try:
            second = RedisAttemptCounter(second_client, prefix=self.prefix)
            hits = [c.hit("k", window_s=60) for _ in range(50) for c in (counter, second)]
            results = await asyncio.gather(*hits)
        finally:
            await second_client.aclose()

        assert sorted(result.count for result in results) == list(range(1, 101))
        assert await counter.peek("k") == WindowCount(100, 60)
