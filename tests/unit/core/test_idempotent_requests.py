"""Idempotency keys: first claim wins, replays get the first answer, old keys are dropped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.clocks import ManualClock
from adapters.persistence.in_memory import InMemoryDatabase
from funflights_core.errors import InvalidInput
from funflights_core.idempotency import (
    ABANDONED_AFTER,
    KeyInUse,
    KeyReused,
    checked_key,
    fingerprint,
)
from funflights_core.idempotent_requests import IdempotentRequests

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
BODY = fingerprint("POST", "/api/v1/bookings", b'{"offer_id": "o-1"}')


@pytest.fixture
def keys() -> tuple[IdempotentRequests, ManualClock]:
    clock = ManualClock(NOW)
    return IdempotentRequests(database=InMemoryDatabase(), clock=clock), clock


async def test_the_first_claim_works_and_a_replay_gets_its_answer(
    keys: tuple[IdempotentRequests, ManualClock],
) -> None:
    requests, _ = keys
    assert await requests.claim("default", "k-1", "user:ada", BODY) is None
    with pytest.raises(KeyInUse):
        await requests.claim("default", "k-1", "user:ada", BODY)  # still at work
    await requests.answer("default", "k-1", "user:ada", 201, b'{"id": "b-1"}')

    replay = await requests.claim("default", "k-1", "user:ada", BODY)

    assert replay is not None
    assert (replay.status, replay.body) == (201, b'{"id": "b-1"}')
    with pytest.raises(KeyReused):
        await requests.claim("default", "k-1", "user:ada", fingerprint("POST", "/x", b""))
    assert await requests.claim("default", "k-1", "user:bob", BODY) is None  # Bob's own key


async def test_a_released_key_can_be_used_again(
    keys: tuple[IdempotentRequests, ManualClock],
) -> None:
    requests, _ = keys
    assert await requests.claim("default", "k-1", "user:ada", BODY) is None
    await requests.release("default", "k-1", "user:ada")
    assert await requests.claim("default", "k-1", "user:ada", BODY) is None


async def test_keys_are_forgotten_after_a_day(
    keys: tuple[IdempotentRequests, ManualClock],
) -> None:
    requests, clock = keys
    await requests.claim("default", "k-1", "user:ada", BODY)
    await requests.answer("default", "k-1", "user:ada", 201, b"{}")
    clock.advance(23 * 3600)
    await requests.claim("default", "k-2", "user:ada", BODY)
    assert await requests.forget_expired() == 0
    clock.advance(2 * 3600)

    assert await requests.forget_expired() == 1
    assert await requests.claim("default", "k-1", "user:ada", BODY) is None  # new again


@pytest.mark.parametrize("key", ["", "   ", "x" * 201, "tab\there"])
def test_unusable_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidInput):
        checked_key(key)


async def test_a_claim_left_unanswered_for_five_minutes_is_taken_over_by_a_replay(
    keys: tuple[IdempotentRequests, ManualClock],
) -> None:
    requests, clock = keys
    assert await requests.claim("default", "k-1", "user:ada", BODY) is None
    clock.advance(ABANDONED_AFTER.total_seconds() - 1)
    with pytest.raises(KeyInUse):  # perhaps still at work
        await requests.claim("default", "k-1", "user:ada", BODY)
    clock.advance(1)
    with pytest.raises(KeyReused):  # another request may not take it
        await requests.claim("default", "k-1", "user:ada", fingerprint("POST", "/x", b""))

    assert await requests.claim("default", "k-1", "user:ada", BODY) is None  # abandoned: redo

    with pytest.raises(KeyInUse):  # the replay's own claim is fresh
        await requests.claim("default", "k-1", "user:ada", BODY)
    await requests.answer("default", "k-1", "user:ada", 201, b"{}")
    clock.advance(ABANDONED_AFTER.total_seconds() * 2)
    replay = await requests.claim("default", "k-1", "user:ada", BODY)
    assert replay is not None
    assert replay.status == 201  # an answered key is replayed, however old (up to a day)
