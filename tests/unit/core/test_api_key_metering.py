"""Metering of reseller keys: blocks taken from shared counters, limits kept across processes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.attempt_counters.in_memory_counter import InMemoryAttemptCounter
from adapters.clocks import ManualClock
from adapters.identity.ids import SequentialIds
from adapters.persistence.in_memory import InMemoryDatabase
from funflights_core.api_key import ApiKey, Scope
from funflights_core.api_keys import ApiKeyService
from funflights_core.errors import TooManyAttempts


def a_key(rate: int, quota: int = 1_000_000) -> ApiKey:
    return ApiKey(
        id="k1",
        tenant_id="default",
        name="Agency",
        prefix="ffk_00000000",
        digest="0" * 64,
        scopes=frozenset({Scope.SEARCH}),
        created_at=datetime(2030, 1, 1, tzinfo=UTC),
        rate_limit_per_minute=rate,
        daily_quota=quota,
    )


def processes(count: int, clock: ManualClock) -> list[ApiKeyService]:
    """Services sharing one counter store, as API processes share Redis."""
    shared = InMemoryAttemptCounter(clock)
    return [
        ApiKeyService(database=InMemoryDatabase(), counter=shared, clock=clock, ids=SequentialIds())
        for _ in range(count)
    ]


async def served(service: ApiKeyService, key: ApiKey, attempts: int) -> int:
    count = 0
    for _ in range(attempts):
        try:
            await service.meter(key)
        except TooManyAttempts:
            continue
        count += 1
    return count


@pytest.mark.parametrize(("rate", "workers"), [(2, 1), (60, 1), (1000, 1), (1000, 4), (60, 3)])
async def test_a_rate_limit_holds_within_one_block_per_process(rate: int, workers: int) -> None:
    clock = ManualClock()
    services = processes(workers, clock)
    key = a_key(rate)
    block = max(1, min(rate // 20, 50))

    total = 0
    for _ in range(10):  # the processes take turns, as requests arrive at random
        for service in services:
            total += await served(service, key, rate)

    assert rate - workers * block <= total <= rate


async def test_a_new_minute_brings_new_requests() -> None:
    clock = ManualClock()
    [service] = processes(1, clock)
    key = a_key(60)
    assert await served(service, key, 100) == 60

    clock.advance(61)

    assert await served(service, key, 100) == 60


async def test_the_daily_quota_holds_across_minutes() -> None:
    clock = ManualClock()
    [service] = processes(1, clock)
    key = a_key(rate=100, quota=250)

    total = 0
    for _ in range(5):
        total += await served(service, key, 100)
        clock.advance(61)

    assert 250 - 12 <= total <= 250
