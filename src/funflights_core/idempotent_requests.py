"""Use case: claim an idempotency key before doing the work, keep the answer after it."""

from __future__ import annotations

import logging

from funflights_core.clock import Clock
from funflights_core.idempotency import ABANDONED_AFTER, KEPT_FOR, IdempotencyRecord
from funflights_core.unit_of_work import UnitOfWorkFactory

_log = logging.getLogger(__name__)


class IdempotentRequests:
    """The keys of each tenant's callers: first claim wins, replays get the first answer."""

    def __init__(self, *, database: UnitOfWorkFactory, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def claim(
        self, tenant_id: str, key: str, owner: str, fingerprint: str
    ) -> IdempotencyRecord | None:
        """None when this request is the first with the key (do the work, then ``answer``);
        otherwise the first request's record, as a replay may use it (``KeyReused`` for a
        different request, ``KeyInUse`` while the first is still at work)."""
        record = IdempotencyRecord(key, owner, fingerprint, self._clock.now())
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
            return await self.claim(tenant_id, key, owner, fingerprint)
        if self._clock.now() - found.created_at >= KEPT_FOR and found.answered:
            async with self._database.for_tenant(tenant_id) as uow:
                await uow.idempotency.forget_before(self._clock.now() - KEPT_FOR)
                await uow.commit()
            return await self.claim(tenant_id, key, owner, fingerprint)
        return found.replay_for(fingerprint)

    async def answer(self, tenant_id: str, key: str, owner: str, status: int, body: bytes) -> None:
        """Keep the first request's response for replays."""
        async with self._database.for_tenant(tenant_id, one_statement=True) as uow:
            await uow.idempotency.answer(key, owner, status, body)
            await uow.commit()

    async def release(self, tenant_id: str, key: str, owner: str) -> None:
        """The first request failed: the key may be used again."""
        async with self._database.for_tenant(tenant_id, one_statement=True) as uow:
            await uow.idempotency.release(key, owner)
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
