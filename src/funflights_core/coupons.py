"""Use cases of coupons: staff manage them (audited); bookings redeem and release them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from funflights_core.audit import AuditEntry, change_entry
from funflights_core.clock import Clock
from funflights_core.coupon import Coupon, CouponUse
from funflights_core.coupon_fields import (
    changed_coupon,
    coupon_code,
    coupon_fields,
    coupon_from_fields,
)
from funflights_core.errors import Conflict, InvalidInput, NotFound
from funflights_core.ids import IdGenerator
from funflights_core.money import CurrencyCatalogue
from funflights_core.staff import Staff
from funflights_core.unit_of_work import TenantUnitOfWork, UnitOfWorkFactory

SUBJECT = "coupon"


@attrs.frozen
class CouponStatus:
    """A coupon and how often it was used."""

    coupon: Coupon
    uses: int


class CouponService:
    """A tenant's coupons: audited changes, and redemptions that never exceed a limit."""

    def __init__(
        self,
        *,
        database: UnitOfWorkFactory,
        currencies: CurrencyCatalogue,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._database = database
        self._currencies = currencies
        self._clock = clock
        self._ids = ids

    async def all(self, staff: Staff) -> Sequence[CouponStatus]:
        """Every coupon of the tenant with its uses, by code."""
        async with self._database.for_tenant(staff.tenant_id) as uow:
            coupons = await uow.coupons.all()
            return [CouponStatus(c, (await uow.coupons.usage(c.code, None)).total) for c in coupons]

    async def get(self, staff: Staff, code: str) -> CouponStatus:
        """One coupon with its uses; ``NotFound`` if there is none."""
        async with self._database.for_tenant(staff.tenant_id) as uow:
            coupon = await self._stored(uow, code)
            return CouponStatus(coupon, (await uow.coupons.usage(coupon.code, None)).total)

    async def create(self, staff: Staff, code: str, fields: Mapping[str, Any]) -> Coupon:
        """A new coupon; ``Conflict`` if the code is taken."""
        coupon = coupon_from_fields(
            code, fields, tenant_id=staff.tenant_id, currencies=self._currencies
        )
        if coupon.valid_until is not None and coupon.valid_until <= self._clock.now():
            raise InvalidInput("valid_until", "is in the past: the coupon could never be used")
        async with self._database.for_tenant(staff.tenant_id) as uow:
            if await uow.coupons.get(coupon.code) is not None:
                raise Conflict(f"coupon {coupon.code} exists already")
            await uow.coupons.add(coupon)
            await self._changed(uow, staff, coupon.code, None, coupon)
        return coupon

    async def update(self, staff: Staff, code: str, changes: Mapping[str, Any]) -> Coupon:
        """The coupon with the given fields changed (None clears a field); uses are kept."""
        async with self._database.for_tenant(staff.tenant_id) as uow:
            before = await self._stored(uow, code, for_update=True)
            after = changed_coupon(before, changes, currencies=self._currencies)
            if after == before:
                return before  # nothing changes, nothing to record
            await uow.coupons.replace(after)
            await self._changed(uow, staff, before.code, before, after)
        return after

    async def delete(self, staff: Staff, code: str) -> Coupon:
        """Remove a coupon (kept in the audit log)."""
        async with self._database.for_tenant(staff.tenant_id) as uow:
            before = await self._stored(uow, code, for_update=True)
            await uow.coupons.remove(before.code)
            await self._changed(uow, staff, before.code, before, None)
        return before

    async def history(self, staff: Staff, code: str) -> Sequence[AuditEntry]:
        """Every change to one coupon, oldest first."""
        async with self._database.for_tenant(staff.tenant_id) as uow:
            entries = await uow.audit.for_subject(SUBJECT, coupon_code(code))
        if not entries:
            raise NotFound(f"no coupon {code.strip().upper()} was ever recorded")
        return entries

    async def for_customer(
        self, tenant_id: str, code: str, customer_id: str | None
    ) -> tuple[Coupon, CouponUse]:
        """A coupon as a customer would apply it, with the uses that count against them."""
        async with self._database.for_tenant(tenant_id) as uow:
            coupon = await self._stored(uow, code)
            return coupon, await uow.coupons.usage(coupon.code, customer_id)

    async def redeem_in(
        self, uow: TenantUnitOfWork, code: str, customer_id: str, reference: str
    ) -> None:
        """Count one use inside a booking's unit of work; ``Conflict`` if used up."""
        coupon = await self._stored(uow, code)
        redeemed = await uow.coupons.redeem(
            coupon.code,
            customer_id,
            reference,
            self._clock.now(),
            total_uses=coupon.total_uses,
            uses_per_customer=coupon.uses_per_customer,
        )
        if not redeemed:
            raise Conflict(f"coupon {coupon.code} has been used as often as it may be")

    async def redeem(self, tenant_id: str, code: str, customer_id: str, reference: str) -> None:
        """Count one use for a booking, on its own; ``Conflict`` when a limit is reached."""
        async with self._database.for_tenant(tenant_id) as uow:
            await self.redeem_in(uow, code, customer_id, reference)
            await uow.commit()

    async def release(self, tenant_id: str, code: str, reference: str) -> bool:
        """Give back a cancelled booking's use; False if it held none."""
        async with self._database.for_tenant(tenant_id) as uow:
            released = await uow.coupons.release(coupon_code(code), reference)
            await uow.commit()
        return released

    @staticmethod
    async def _stored(uow: TenantUnitOfWork, code: str, *, for_update: bool = False) -> Coupon:
        coupon = await uow.coupons.get(coupon_code(code), for_update=for_update)
        if coupon is None:
            raise NotFound(f"no coupon {code.strip().upper()}")
        return coupon

    async def _changed(
        self,
        uow: TenantUnitOfWork,
        staff: Staff,
        code: str,
        before: Coupon | None,
        after: Coupon | None,
    ) -> None:
        await uow.audit.add(
            change_entry(
                self._ids.new_id(),
                staff,
                SUBJECT,
                code,
                self._clock.now(),
                None if before is None else coupon_fields(before),
                None if after is None else coupon_fields(after),
            )
        )
        await uow.commit()
