"""The attempt-counter contract against the in-process counter and (when configured) Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio
from attempt_counter_contract import AttemptCounterContract

from adapters.attempt_counters.in_memory_counter import InMemoryAttemptCounter
from adapters.attempt_counters.redis_counter import RedisAttemptCounter
from adapters.clocks import ManualClock
from funflights_core.attempt_counter import AttemptCounter

REDIS_URL = os.environ.get("FUNFLIGHTS_TEST_REDIS_URL")


class TestInMemoryAttemptCounter(AttemptCounterContract):
    @pytest.fixture
    def counter(self) -> AttemptCounter:
        self.clock = ManualClock()
        return InMemoryAttemptCounter(self.clock)

    async def expire(self, counter: AttemptCounter, key: str) -> None:
        self.clock.advance(3601)

    async def test_many_expired_keys_are_pruned(self) -> None:
        clock = ManualClock()
        counter = InMemoryAttemptCounter(clock)
        for n in range(10_001):
            await counter.hit(f"address-{n}", window_s=1)
        clock.advance(2)
        await counter.hit("fresh", window_s=1)

        assert len(counter._windows) == 1


@pytest.mark.redis
@pytest.mark.skipif(REDIS_URL is None, reason="FUNFLIGHTS_TEST_REDIS_URL is not set")
class TestRedisAttemptCounter(AttemptCounterContract):
    @pytest.fixture
    async def counter(self) -> AsyncIterator[AttemptCounter]:
        assert REDIS_URL is not None
        self.client = redis.asyncio.Redis.from_url(REDIS_URL)
        self.prefix = f"test:{uuid.uuid4().hex}:"
        yield RedisAttemptCounter(self.client, prefix=self.prefix)
        keys = [key async for key in self.client.scan_iter(match=f"{self.prefix}*")]
        if keys:
            await self.client.delete(*keys)
        await self.client.aclose()

    async def expire(self, counter: AttemptCounter, key: str) -> None:
        # Time cannot be advanced in Redis; deleting the key is what its expiry does.
        await self.client.delete(self.prefix + key)

    async def test_every_key_has_a_time_to_live(self, counter: AttemptCounter) -> None:
        await counter.hit("k", window_s=60)
        await counter.hit("k", window_s=60)

        ttl = await self.client.ttl(self.prefix + "k")
        assert 0 < ttl <= 60
