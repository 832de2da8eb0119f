"""The PageStore contract against the in-process store and (when configured) Redis."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from adapters.clocks import ManualClock
from adapters.page_stores.in_memory_page_store import InMemoryPageStore
from adapters.page_stores.redis_page_store import RedisPageStore
from funflights_core.page_store import PageStore

REDIS_URL = os.environ.get("FUNFLIGHTS_TEST_REDIS_URL")
TTL_S = 0.3


class PageStoreContract:
    async def expire(self) -> None:
        """Let more than the store's time to live pass."""
        raise NotImplementedError

    async def test_a_page_comes_back_byte_for_byte(self, store: PageStore) -> None:
        page = b'{"results":[' + b",".join(b'{"n":%d}' % n for n in range(5000)) + b"]}"

        await store.put({"tenant|LHR|JFK|2026-12-01|50|": page})

        assert await store.get("tenant|LHR|JFK|2026-12-01|50|") == page
        assert await store.get("tenant|LHR|JFK|2026-12-02|50|") is None

    async def test_present_names_only_the_keys_held(self, store: PageStore) -> None:
        await store.put({"a": b"1", "b": b"2"})

        assert await store.present(["a", "b", "c"]) == {"a", "b"}
        assert await store.present([]) == set()

    async def test_a_put_replaces_the_page(self, store: PageStore) -> None:
        await store.put({"k": b"old"})
        await store.put({"k": b"new"})

        assert await store.get("k") == b"new"

    async def test_pages_expire(self, store: PageStore) -> None:
        await store.put({"k": b"page"})

        await self.expire()

        assert await store.get("k") is None
        assert await store.present(["k"]) == set()

    async def test_keys_are_whole_strings_not_prefixes(self, store: PageStore) -> None:
        await store.put({"x|é|1": b"one", "x|é|10": b"ten"})

        assert await store.get("x|é|1") == b"one"
        assert await store.get("x|é|10") == b"ten"


class TestInMemoryPageStore(PageStoreContract):
    @pytest.fixture
    def store(self) -> PageStore:
        self.clock = ManualClock()
        return InMemoryPageStore(clock=self.clock, ttl_s=TTL_S)

    async def expire(self) -> None:
        self.clock.advance(TTL_S)

    async def test_the_least_recently_used_go_beyond_the_bound(self) -> None:
        store = InMemoryPageStore(clock=ManualClock(), ttl_s=60, max_entries=2)
        await store.put({"a": b"1", "b": b"2"})
        await store.get("a")
        await store.put({"c": b"3"})

        assert await store.present(["a", "b", "c"]) == {"a", "c"}


@pytest.mark.skipif(REDIS_URL is None, reason="set FUNFLIGHTS_TEST_REDIS_URL")
class TestRedisPageStore(PageStoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[PageStore]:
        client = redis.asyncio.Redis.from_url(str(REDIS_URL))
        prefix = f"test:{uuid.uuid4().hex}:"
        yield RedisPageStore(client, ttl_s=TTL_S, prefix=prefix)
        async for name in client.scan_iter(match=prefix + "*"):
            await client.delete(name)
        await client.aclose()

    async def expire(self) -> None:
        await asyncio.sleep(TTL_S + 0.1)


async def test_a_store_whose_redis_is_down_answers_as_if_empty() -> None:
    # A port nothing listens on: searches must go on, computed, while the cache is away.
    client = redis.asyncio.Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )
    store = RedisPageStore(client, ttl_s=60)
    try:
        await store.put({"k": b"page"})
        assert await store.get("k") is None
        assert await store.present(["k"]) == set()
    finally:
        await client.aclose()


@pytest.mark.redis
@pytest.mark.skipif(REDIS_URL is None, reason="set FUNFLIGHTS_TEST_REDIS_URL")
async def test_a_process_copies_the_pages_redis_holds_and_forgets_expired_ones() -> None:
    client = redis.asyncio.Redis.from_url(str(REDIS_URL))
    prefix = f"test:{uuid.uuid4().hex}:"
    warmer = RedisPageStore(client, ttl_s=60, prefix=prefix)
    server = RedisPageStore(client, ttl_s=60, prefix=prefix, mirrored=2)
    try:
        await warmer.put({"a": b"1", "b": b"2", "c": b"3"})

        assert await server.follow() == 2  # its bound
        assert await RedisPageStore(client, ttl_s=60, prefix=prefix).follow() == 0  # none asked
        async for name in client.scan_iter(match=prefix + "*"):
            await client.delete(name)  # as if every page had expired
        copied = [key for key in "abc" if await server.get(key) is not None]
        assert len(copied) == 2  # answered from the copy, without Redis

        await server.follow()

        assert [key for key in "abc" if await server.get(key) is not None] == []
    finally:
        async for name in client.scan_iter(match=prefix + "*"):
            await client.delete(name)
        await client.aclose()
