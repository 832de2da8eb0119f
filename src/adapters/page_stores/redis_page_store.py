"""PageStore in Redis: pages shared by every API process and the warmer."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping

import redis.asyncio

_log = logging.getLogger(__name__)
_MIRROR_BATCH = 500


class RedisPageStore:
    """One Redis string per page, with a TTL (pages come compressed: the store keeps bytes).

    Keys are hashed: a page key names a whole request and its versions. Redis errors are
    logged and answered as a miss, so searches go on (computed) while Redis is away.
    """

    def __init__(
        self,
        client: redis.asyncio.Redis,
        *,
        ttl_s: float,
        prefix: str = "funflights:page:",
        mirrored: int = 0,
    ) -> None:
        """``mirrored``: how many pages this process may copy from Redis (``follow``)."""
        self._client = client
        self._ttl_ms = max(1, int(ttl_s * 1000))
        self._prefix = prefix
        self._mirrored = mirrored
        self._mirror: dict[str, bytes] = {}

    def _name(self, key: str) -> str:
        return self._prefix + hashlib.blake2b(key.encode(), digest_size=16).hexdigest()

    async def get(self, key: str) -> bytes | None:
        """The page under ``key``, or None (also when Redis cannot be reached)."""
        name = self._name(key)
        copied = self._mirror.get(name)
        if copied is not None:
            return copied
        try:
            found = await self._client.get(name)
        except redis.RedisError as exc:
            _log.warning("page store unavailable, computing instead: %s", exc)
            return None
        if not isinstance(found, bytes):
            return None  # absent (a client decoding responses would be misconfigured)
        self._copy(name, found)
        return found

    def _copy(self, name: str, page: bytes) -> None:
        if len(self._mirror) < self._mirrored:
            self._mirror[name] = page

    async def follow(self) -> int:
        """Copy into this process the pages Redis holds that it lacks, and forget those
        Redis no longer holds (expired): a page asked for is then answered without a round
        trip, which under load costs a request a second turn of the event loop. Returns
        how many pages were copied. Up to ``mirrored`` pages; a no-op without it."""
        if not self._mirrored:
            return 0
        names: set[str] = set()
        async for name in self._client.scan_iter(match=self._prefix + "*", count=1000):
            names.add(name.decode() if isinstance(name, bytes) else str(name))
        for gone in set(self._mirror) - names:
            del self._mirror[gone]
        wanted = sorted(names - set(self._mirror))[: max(0, self._mirrored - len(self._mirror))]
        copied = 0
        for start in range(0, len(wanted), _MIRROR_BATCH):
            batch = wanted[start : start + _MIRROR_BATCH]
            for name, page in zip(batch, await self._client.mget(batch), strict=True):
                if isinstance(page, bytes):
                    self._mirror[name] = page
                    copied += 1
        return copied

    async def put(self, pages: Mapping[str, bytes]) -> None:
        """Keep the pages (one round trip); nothing happens if Redis cannot be reached."""
        if not pages:
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for key, page in pages.items():
                    pipe.set(self._name(key), page, px=self._ttl_ms)
                    self._copy(self._name(key), page)
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
