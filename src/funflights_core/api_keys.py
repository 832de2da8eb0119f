"""Use cases of reseller API keys: issue, list, revoke, authenticate and meter."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from funflights_core.access_token import AccessClaims
from funflights_core.api_key import ApiKey, Scope, key_digest, new_key_secret
from funflights_core.attempt_counter import AttemptCounter
from funflights_core.clock import Clock
from funflights_core.errors import InvalidInput, InvalidToken, NotFound, TooManyAttempts
from funflights_core.ids import IdGenerator
from funflights_core.unit_of_work import UnitOfWorkFactory

_CACHE_S = 10.0
"""How long a process trusts a key it looked up (a revocation elsewhere shows within this)."""

MINUTE = 60
DAY = 86_400


class _Allowance:
    """Requests this process took from the shared counters for one key, per window."""

    __slots__ = ("day_left", "day_until", "minute_left", "minute_until")

    def __init__(self) -> None:
        self.minute_left = 0
        self.minute_until = 0.0
        self.day_left = 0
        self.day_until = 0.0


@attrs.frozen
class KeyUsage:
    """Requests counted in the key's current minute and day windows."""

    this_minute: int
    today: int


@attrs.frozen
class NewKey:
    """A key just issued: the stored record and the secret, which is never shown again."""

    key: ApiKey
    secret: str


def _scopes(values: Iterable[str]) -> frozenset[Scope]:
    try:
        scopes = frozenset(Scope(value) for value in values)
    except ValueError:
        choices = ", ".join(s.value for s in Scope)
        raise InvalidInput("scopes", f"choose from {choices}") from None
    if not scopes:
        raise InvalidInput("scopes", "give at least one scope")
    return scopes


class ApiKeyService:
    """Keys of each tenant, managed by its administrators and used by its resellers."""

    def __init__(
        self,
        *,
        database: UnitOfWorkFactory,
        counter: AttemptCounter,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._database = database
        self._counter = counter
        self._clock = clock
        self._ids = ids
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}
        self._allowances: dict[str, _Allowance] = {}
        """Per key id: the requests this process took from the shared counters."""
        self.generation = 0
        """Changes whenever a key is revoked here, so callers' own caches know to look again."""

    async def issue(
        self,
        caller: AccessClaims,
        *,
        name: str,
        scopes: Iterable[str],
        expires_at: datetime | None = None,
        rate_limit_per_minute: int = 60,
        daily_quota: int = 10_000,
        replaces: str | None = None,
    ) -> NewKey:
        """A new key in the caller's tenant; ``replaces``: the id of a key (of this tenant,
        even revoked or expired) whose reseller account, and so its bookings, it takes over."""
        label = name.strip()
        if not 1 <= len(label) <= 200:
            raise InvalidInput("name", "use 1-200 characters")
        now = self._clock.now()
        if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
            raise InvalidInput("expires_at", "must be a future time with a time zone")
        if not 1 <= rate_limit_per_minute <= 1_000_000:
            raise InvalidInput("rate_limit_per_minute", "must be between 1 and 1000000")
        if not 1 <= daily_quota <= 100_000_000:
            raise InvalidInput("daily_quota", "must be between 1 and 100000000")
        account = None
        if replaces is not None:
            async with self._database.for_tenant(caller.tenant_id, one_statement=True) as uow:
                replaced = await uow.api_keys.get(replaces)
            if replaced is None:
                raise InvalidInput("replaces", f"there is no key {replaces} in this tenant")
            account = replaced.owner
        secret, prefix = new_key_secret()
        key = ApiKey(
            id=self._ids.new_id(),
            tenant_id=caller.tenant_id,
            name=label,
            prefix=prefix,
            digest=key_digest(secret),
            scopes=_scopes(scopes),
            created_at=now,
            rate_limit_per_minute=rate_limit_per_minute,
            daily_quota=daily_quota,
            expires_at=expires_at,
            account=account,
        )
        async with self._database.for_tenant(caller.tenant_id) as uow:
            await uow.api_keys.add(key)
            await uow.commit()
        return NewKey(key, secret)

    async def all(self, caller: AccessClaims) -> Sequence[ApiKey]:
        """The keys of the caller's tenant, newest first."""
        async with self._database.for_tenant(caller.tenant_id) as uow:
            return await uow.api_keys.all()

    async def get(self, caller: AccessClaims, key_id: str) -> ApiKey:
        """One key of the caller's tenant."""
        async with self._database.for_tenant(caller.tenant_id) as uow:
            key = await uow.api_keys.get(key_id)
        if key is None:
            raise NotFound("no such API key")
        return key

    async def revoke(self, caller: AccessClaims, key_id: str) -> None:
        """Revoke a key of the caller's tenant; it stops working at once in this process."""
        async with self._database.for_tenant(caller.tenant_id) as uow:
            if not await uow.api_keys.revoke(key_id, self._clock.now()):
                raise NotFound("no such active API key")
            await uow.commit()
        self._cache.clear()
        self.generation += 1

    async def usage(self, key: ApiKey) -> KeyUsage:
        """The key's requests in its current minute and day."""
        minute = await self._counter.peek(f"api-key-minute:{key.id}")
        day = await self._counter.peek(f"api-key-day:{key.id}")
        return KeyUsage(minute.count, day.count)

    async def authenticate(self, secret: str) -> ApiKey:
        """The usable key with this secret, or ``InvalidToken``."""
        digest = key_digest(secret)
        now = self._clock.monotonic()
        hit = self._cache.get(digest)
        if hit is not None and now - hit[0] < _CACHE_S:
            key = hit[1]
        else:
            async with self._database.platform() as uow:
                key = await uow.api_key_directory.by_digest(digest)
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now, key)
        if key is None or not key.usable_at(self._clock.now()):
            raise InvalidToken("unknown, revoked or expired API key")
        return key

    async def meter(self, key: ApiKey) -> None:
        """Count one request; ``TooManyAttempts`` past the per-minute limit or daily quota.

        Each process takes requests from the shared counters in small blocks (about a
        twentieth of a limit, at most 50) and spends them locally, so most requests touch
        no shared store. A key can thus go over a limit by less than one block per process,
        and the usage counters include requests taken but not yet spent.
        """
        if self.spend_locally(key):
            return
        now = self._clock.monotonic()
        allowance = self._allowances.get(key.id)
        if allowance is None:
            if len(self._allowances) > 20_000:
                self._allowances.clear()
            allowance = self._allowances[key.id] = _Allowance()
        if allowance.minute_left <= 0 or now >= allowance.minute_until:
            allowance.minute_until, allowance.minute_left = await self._take_block(
                key, "minute", MINUTE, key.rate_limit_per_minute, now
            )
        if allowance.day_left <= 0 or now >= allowance.day_until:
            allowance.day_until, allowance.day_left = await self._take_block(
                key, "day", DAY, key.daily_quota, now
            )
        allowance.minute_left -= 1
        allowance.day_left -= 1

    def spend_locally(self, key: ApiKey, now: float | None = None) -> bool:
        """Spend one request from this process's blocks, if both still have one.

        ``now``: the clock's monotonic reading, if the caller just took it.
        """
        allowance = self._allowances.get(key.id)
        if allowance is None or allowance.minute_left <= 0 or allowance.day_left <= 0:
            return False
        if now is None:
            now = self._clock.monotonic()
        if now >= allowance.minute_until or now >= allowance.day_until:
            return False
        allowance.minute_left -= 1
        allowance.day_left -= 1
        return True

    async def _take_block(
        self, key: ApiKey, window: str, window_s: int, limit: int, now: float
    ) -> tuple[float, int]:
        block = max(1, min(limit // 20, 50))
        taken = await self._counter.hit(
            f"api-key-{window}:{key.id}", window_s=window_s, amount=block
        )
        granted = block - max(0, taken.count - limit)
        if granted <= 0:
            raise TooManyAttempts(taken.resets_in_s)
        return now + taken.resets_in_s, granted
