"""AttemptCounter in Redis: fixed windows shared by every API process (Redis 7.0 or later)."""

from __future__ import annotations

import redis.asyncio

from adapters.attempt_counters import check_hit, seconds_left
from funflights_core.attempt_counter import WindowCount


class RedisAttemptCounter:
    """One Redis key per window: INCRBY, an expiry set once, one round trip per hit."""

    def __init__(
        self, client: redis.asyncio.Redis, *, prefix: str = "funflights:attempts:"
    ) -> None:
        self._client = client
        self._prefix = prefix

    async def hit(self, key: str, *, window_s: int, amount: int = 1) -> WindowCount:
        """Count ``amount`` events; a new window of ``window_s`` opens if none is open."""
        check_hit(window_s, amount)
        name = self._prefix + key
        # Sent as one MULTI ... EXEC in a single round trip, and Redis runs the block with
        # no other client's command in between, so hits from every process are counted
        # exactly. The key never lives without a TTL: INCRBY may create it, but EXPIRE runs
        # in the same EXEC, and a client dying before EXEC means none of the block runs.
        # NX sets the TTL only when the key has none, so later hits do not stretch the
        # window, and a key that somehow lost its TTL gets one back on its next hit.
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incrby(name, amount)
            pipe.expire(name, window_s, nx=True)
            pipe.pttl(name)
            count, _, pttl_ms = await pipe.execute()
        return WindowCount(int(count), seconds_left(int(pttl_ms) / 1000))

    async def peek(self, key: str) -> WindowCount:
        """The current count, without counting (0 and 0 s when no window is open)."""
        name = self._prefix + key
        # In one transaction so the count and the time left belong to the same window.
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.get(name)
            pipe.pttl(name)
            value, pttl_ms = await pipe.execute()
        if value is None:
            return WindowCount(0, 0)
        # PTTL is -1 only for a key with no TTL, which ``hit`` never leaves; its count is
        # still reported so throttling fails closed rather than forgetting the attempts.
        return WindowCount(int(value), seconds_left(int(pttl_ms) / 1000))

    async def reset(self, key: str) -> None:
        """Forget the key's window."""
        await self._client.delete(self._prefix + key)
