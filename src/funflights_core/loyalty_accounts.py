"""Use cases of loyalty: a customer's balance and tier, earning, redeeming, reversing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from funflights_core.clock import Clock
from funflights_core.errors import InvalidInput, NotFound
from funflights_core.exchange import CurrencyExchange
from funflights_core.ids import IdGenerator
from funflights_core.loyalty import (
    ROLLING_WINDOW,
    TIER_CURRENCY,
    LedgerEntry,
    LoyaltyAccount,
    Tier,
    earning,
    points_to_usd,
    spend_in,
)
from funflights_core.money import Money
from funflights_core.tenant import Tenant
from funflights_core.unit_of_work import TenantUnitOfWork, UnitOfWorkFactory


@attrs.frozen
class LoyaltySummary:
    """What a customer sees of their programme: balance, tier, progress and latest entries."""

    programme: str
    balance: int
    balance_usd: Decimal
    tier: Tier
    next_tier: Tier | None
    spend_12_months: Decimal
    """In USD, the currency tiers are reached in."""
    entries: tuple[LedgerEntry, ...]
    """Newest first, one page."""
    more: bool


class LoyaltyService:
    """Each tenant's programme over its append-only ledgers."""

    def __init__(
        self,
        *,
        database: UnitOfWorkFactory,
        exchange: CurrencyExchange,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._database = database
        self._exchange = exchange
        self._clock = clock
        self._ids = ids

    async def balance(self, tenant_id: str, customer_id: str) -> int:
        """The customer's points."""
        async with self._database.for_tenant(tenant_id) as uow:
            return LoyaltyAccount(tuple(await uow.loyalty.entries(customer_id))).balance

    async def summary(
        self, tenant: Tenant, customer_id: str, *, offset: int = 0, limit: int = 20
    ) -> LoyaltySummary:
        """Balance, tier and one page of the ledger, newest first."""
        if offset < 0 or not 1 <= limit <= 100:
            raise InvalidInput("limit", "use an offset of 0 or more and a limit from 1 to 100")
        async with self._database.for_tenant(tenant.id) as uow:
            account = LoyaltyAccount(tuple(await uow.loyalty.entries(customer_id)))
        policy = tenant.tier_policy
        now = self._clock.now()
        spend = account.rolling_spend(policy, now)
        tier = policy.tier_for(spend)
        higher = [t for t in policy.tiers if t.min_spend > tier.min_spend]
        newest = tuple(reversed(account.entries))
        return LoyaltySummary(
            programme=tenant.loyalty_programme,
            balance=account.balance,
            balance_usd=points_to_usd(max(account.balance, 0), tenant.point_value_usd),
            tier=tier,
            next_tier=higher[0] if higher else None,
            spend_12_months=spend,
            entries=newest[offset : offset + limit],
            more=len(newest) > offset + limit,
        )

    async def earn_in(
        self, uow: TenantUnitOfWork, tenant: Tenant, customer_id: str, spend: Money, booking_id: str
    ) -> LedgerEntry:
        """Points for a confirmed booking's spend, at the customer's tier, in the booking's uow."""
        spend_usd = spend
        if spend.currency.code != TIER_CURRENCY:
            spend_usd = (await self._exchange.convert(spend, TIER_CURRENCY)).converted.rounded()
        # Earning needs only the tier, which the last 12 months of spend decide: a long
        # history is not read on every confirmation.
        await uow.loyalty.lock(customer_id)
        now = self._clock.now()
        counted = await uow.loyalty.counted_spend(customer_id, now - ROLLING_WINDOW)
        tier = tenant.tier_policy.tier_for(spend_in(tenant.tier_policy, counted))
        entry = earning(self._ids.new_id(), spend_usd, tier, booking_id=booking_id, at=now)
        await uow.loyalty.append(customer_id, entry)
        return entry

    async def redeem_in(
        self, uow: TenantUnitOfWork, customer_id: str, points: int, booking_id: str
    ) -> LedgerEntry:
        """Spend points on a booking, in its uow; ``InvalidInput`` beyond the balance."""
        account = await self._locked(uow, customer_id)
        spent = account.redeem(self._ids.new_id(), points, booking_id=booking_id, at=self._now())
        await uow.loyalty.append(customer_id, spent.entries[-1])
        return spent.entries[-1]

    async def reverse_in(
        self, uow: TenantUnitOfWork, customer_id: str, booking_id: str
    ) -> LedgerEntry | None:
        """Undo a refunded booking's points, in its uow (once, however often it is asked)."""
        account = await self._locked(uow, customer_id)
        after = account.reverse(self._ids.new_id(), booking_id=booking_id, at=self._now())
        if after is account:
            return None
        await uow.loyalty.append(customer_id, after.entries[-1])
        return after.entries[-1]

    async def reverse_part_in(
        self, uow: TenantUnitOfWork, customer_id: str, booking_id: str, share: Decimal
    ) -> LedgerEntry | None:
        """Undo ``share`` of a booking's points (travellers who cancelled), in its uow."""
        account = await self._locked(uow, customer_id)
        after = account.reverse_part(
            self._ids.new_id(), booking_id=booking_id, share=share, at=self._now()
        )
        if after is account:
            return None
        await uow.loyalty.append(customer_id, after.entries[-1])
        return after.entries[-1]

    async def earn(
        self, tenant: Tenant, customer_id: str, spend: Money, booking_id: str
    ) -> LedgerEntry:
        """``earn_in`` on its own unit of work."""
        async with self._database.for_tenant(tenant.id) as uow:
            await self._known_customer(uow, customer_id)
            entry = await self.earn_in(uow, tenant, customer_id, spend, booking_id)
            await uow.commit()
        return entry

    async def _known_customer(self, uow: TenantUnitOfWork, customer_id: str) -> None:
        if await uow.users.get(customer_id) is None:
            raise NotFound(f"no customer {customer_id}")

    async def _locked(self, uow: TenantUnitOfWork, customer_id: str) -> LoyaltyAccount:
        await uow.loyalty.lock(customer_id)
        return LoyaltyAccount(tuple(await uow.loyalty.entries(customer_id)))

    def _now(self) -> datetime:
        return self._clock.now()
