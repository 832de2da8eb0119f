"""AttemptCounter in Redis: fixed windows shared by every API process."""

from __future__ import annotations

import math

import redis.asyncio

from funflights_core.attempt_counter import WindowCount


class RedisAttemptCounter:
    """INCR with an expiry, one round trip per hit."""

    def __init__(
        self, client: redis.asyncio.Redis, *, prefix: str = "funflights:attempts:"
    ) -> None:
        self._client = client
        self._prefix = prefix

    async def hit(self, key: str, *, window_s: int, amount: int = 1) -> WindowCount:
        """Count ``amount`` events; a new window opens if none is open."""
        name = self._prefix + key
        # One MULTI: INCRBY creates the key, EXPIRE ... NX gives it a TTL only if it has none
        # (so later hits do not extend the window), and no client can see the key between
        # the two without its TTL: a key can never be left to live forever.
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incrby(name, amount)
            pipe.expire(name, window_s, nx=True)
            pipe.pttl(name)
            count, _, pttl = await pipe.execute()
        return WindowCount(int(count), max(1, math.ceil(int(pttl) / 1000)))

    async def peek(self, key: str) -> WindowCount:
        """The current count, without counting."""
        name = self._prefix + key
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.get(name)
            pipe.pttl(name)
            value, pttl = await pipe.execute()
        if value is None or int(pttl) <= 0:
            return WindowCount(0, 0)
        return WindowCount(int(value), max(1, math.ceil(int(pttl) / 1000)))

    async def reset(self, key: str) -> None:
        """Forget the key's window."""
        await self._client.delete(self._prefix + key)
