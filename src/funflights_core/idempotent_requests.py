"""Use case: claim an idempotency key before doing the work, keep the answer after it."""

from __future__ import annotations

import logging
from datetime import datetime

from funflights_core.clock import Clock
from funflights_core.idempotency import ABANDONED_AFTER, KEPT_FOR, IdempotencyRecord, KeyInUse
from funflights_core.unit_of_work import TenantUnitOfWork, UnitOfWorkFactory

_log = logging.getLogger(__name__)


class IdempotentRequests:
    """The keys of each tenant's callers: first claim wins, replays get the first answer."""

    def __init__(self, *, database: UnitOfWorkFactory, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def claim(
        self,
        tenant_id: str,
        key: str,
        owner: str,
        fingerprint: str,
        *,
        at: datetime | None = None,
    ) -> IdempotencyRecord | None:
        """None when this request is the first with the key (do the work, then ``answer``);
        otherwise the first request's record, as a replay may use it (``KeyReused`` for a
        different request, ``KeyInUse`` while the first is still at work).

        ``at``: the claim's time (now unless given), which ``answer`` and ``release`` then
        name, so that a request whose claim was taken over changes nothing of the key."""
        at = at or self._clock.now()
        record = IdempotencyRecord(key, owner, fingerprint, at)
        # Committed at once, on its own: a concurrent request must see the claim.
        async with self._database.for_tenant(tenant_id, one_statement=True) as uow:
            found = await uow.idempotency.claim(record)
            await uow.commit()
        if found is None:
            return None
        stale = self._clock.now() - found.created_at >= ABANDONED_AFTER
        if stale and not found.answered and found.fingerprint == fingerprint:
            # Its request was abandoned (a server stopped mid-way): every keyed answer is
            # kept in the transaction of its work, so that work was not done, or (a payment
            # under way) the booking itself refuses to be paid twice. The replay does it.
            async with self._database.for_tenant(tenant_id, one_statement=True) as uow:
                taken = await uow.idempotency.take_over(record, found.created_at)
                await uow.commit()
            if taken:
                _log.warning("Idempotency-Key claimed at %s taken over", found.created_at)
                return None
            return await self.claim(tenant_id, key, owner, fingerprint, at=at)
        if self._clock.now() - found.created_at >= KEPT_FOR and found.answered:
            async with self._database.for_tenant(tenant_id) as uow:
                await uow.idempotency.forget_before(self._clock.now() - KEPT_FOR)
                await uow.commit()
            return await self.claim(tenant_id, key, owner, fingerprint, at=at)
        return found.replay_for(fingerprint)

    async def answer(
        self,
        tenant_id: str,
        key: str,
        owner: str,
        status: int,
        body: bytes,
        *,
        claimed_at: datetime | None = None,
    ) -> bool:
        """Keep the first request's response for replays: whether it was kept (not if
        the claim made at ``claimed_at`` was taken over since)."""
        async with self._database.for_tenant(tenant_id, one_statement=True) as uow:
            kept = await uow.idempotency.answer(key, owner, status, body, claimed_at=claimed_at)
            await uow.commit()
        return kept

    async def keep_in(self, uow: TenantUnitOfWork, answered: IdempotencyRecord) -> None:
        """Keep the answer of the claim made at ``answered.created_at`` in the work's own
        unit of work; ``KeyInUse`` (the work must be rolled back) if another request holds
        the key now."""
        kept = await uow.idempotency.answer(
            answered.key,
            answered.owner,
            answered.status or 200,
            answered.body or b"",
            claimed_at=answered.created_at,
        )
        # Not kept: the claim was taken over (this request took more than ABANDONED_AFTER).
        # Kept anew if the key is free again (the later request failed and let it go).
        if not kept and await uow.idempotency.claim(answered) is not None:
            raise KeyInUse("this request's Idempotency-Key was taken over by another")

    async def release(
        self, tenant_id: str, key: str, owner: str, *, claimed_at: datetime | None = None
    ) -> None:
        """The first request failed: the key may be used again (``claimed_at``: unless
        another request took the claim over since)."""
        async with self._database.for_tenant(tenant_id, one_statement=True) as uow:
            await uow.idempotency.release(key, owner, claimed_at=claimed_at)
            await uow.commit()

    async def forget_expired(self) -> int:
        """Drop every tenant's keys older than they are kept for: how many."""
        async with self._database.platform() as platform:
            tenants = [tenant.id for tenant in await platform.tenants.all()]
        moment = self._clock.now() - KEPT_FOR
        forgotten = 0
        for tenant_id in tenants:
            async with self._database.for_tenant(tenant_id) as uow:
                forgotten += await uow.idempotency.forget_before(moment)
                await uow.commit()
        return forgotten
