"""PageStore in Redis: pages shared by every API process and the warmer."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping

import redis.asyncio

_log = logging.getLogger(__name__)


class RedisPageStore:
    """One Redis string per page, with a TTL (pages come compressed: the store keeps bytes).

    Keys are hashed: a page key names a whole request and its versions. Redis errors are
    logged and answered as a miss, so searches go on (computed) while Redis is away.
    """

    def __init__(
        self, client: redis.asyncio.Redis, *, ttl_s: float, prefix: str = "funflights:page:"
    ) -> None:
        self._client = client
        self._ttl_ms = max(1, int(ttl_s * 1000))
        self._prefix = prefix

    def _name(self, key: str) -> str:
        return self._prefix + hashlib.blake2b(key.encode(), digest_size=16).hexdigest()

    async def get(self, key: str) -> bytes | None:
        """The page under ``key``, or None (also when Redis cannot be reached)."""
        try:
            found = await self._client.get(self._name(key))
        except redis.RedisError as exc:
            _log.warning("page store unavailable, computing instead: %s", exc)
            return None
        if not isinstance(found, bytes):
            return None  # absent (a client decoding responses would be misconfigured)
        return found

    async def put(self, pages: Mapping[str, bytes]) -> None:
        """Keep the pages (one round trip); nothing happens if Redis cannot be reached."""
        if not pages:
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for key, page in pages.items():
                    pipe.set(self._name(key), page, px=self._ttl_ms)
                await pipe.execute()
        except redis.RedisError as exc:
            _log.warning("page store unavailable, pages not kept: %s", exc)

    async def present(self, keys: Iterable[str]) -> set[str]:
        """The keys held now (one round trip; none when Redis cannot be reached)."""
        wanted = list(keys)
        if not wanted:
            return set()
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for key in wanted:
                    pipe.exists(self._name(key))
                found = await pipe.execute()
        except redis.RedisError as exc:
            _log.warning("page store unavailable: %s", exc)
            return set()
        return {key for key, exists in zip(wanted, found, strict=True) if exists}
