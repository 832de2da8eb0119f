"""Coupons in SQL: the coupon rows, their ``uses`` counter and one row per redemption."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.rows import CouponRedemptionRow, CouponRow
from adapters.persistence.sql_margin_rules import amount_of, changed, money, one_currency
from funflights_core.coupon import Coupon, CouponUse
from funflights_core.errors import Conflict
from funflights_core.money import CurrencyCatalogue

_FIELDS = (
    "tenant_id",
    "code",
    "percent_off",
    "valid_from",
    "valid_until",
    "airlines",
    "cabins",
    "total_uses",
    "uses_per_customer",
    "combinable",
    "below_cost_allowed",
    "description",
)


def _values(coupon: Coupon) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(coupon, name) for name in _FIELDS}
    values["amounts_currency"] = one_currency(coupon.amount_off, coupon.minimum_spend)
    values["amount_off"] = amount_of(coupon.amount_off)
    values["minimum_spend"] = amount_of(coupon.minimum_spend)
    values["routes"] = frozenset(f"{origin}-{destination}" for origin, destination in coupon.routes)
    return values


def _route(text: str) -> tuple[str, str]:
    origin, _, destination = text.partition("-")
    return origin, destination


def _coupon(row: CouponRow, currencies: CurrencyCatalogue) -> Coupon:
    code = row.amounts_currency
    return Coupon(
        **{name: getattr(row, name) for name in _FIELDS},
        amount_off=money(row.amount_off, code, currencies),
        minimum_spend=money(row.minimum_spend, code, currencies),
        routes=frozenset(_route(route) for route in row.routes),
    )


class SqlCouponRepository:
    """CouponRepository over an SQLAlchemy session, scoped to one tenant."""

    def __init__(
        self, session: AsyncSession, tenant_id: str, currencies: CurrencyCatalogue
    ) -> None:
        self._session = session
        self._tenant_id = tenant_id
        self._currencies = currencies

    async def add(self, coupon: Coupon) -> None:
        """Store a new coupon; ``Conflict`` if the code is taken in this tenant."""
        self._own(coupon)
        try:
            async with self._session.begin_nested():
                await self._session.execute(insert(CouponRow).values(**_values(coupon), uses=0))
        except IntegrityError:
            raise Conflict(f"coupon {coupon.code} exists already") from None

    async def get(self, code: str, *, for_update: bool = False) -> Coupon | None:
        """The coupon with this (normalised) code, in this tenant (locked if asked)."""
        row = await self._row(code, for_update=for_update)
        return None if row is None else _coupon(row, self._currencies)

    async def all(self) -> Sequence[Coupon]:
        """Every coupon of the tenant, by code."""
        rows = await self._session.scalars(
            select(CouponRow).where(CouponRow.tenant_id == self._tenant_id).order_by(CouponRow.code)
        )
        return [_coupon(row, self._currencies) for row in rows]

    async def replace(self, coupon: Coupon) -> bool:
        """Replace a stored coupon (its uses are kept); False if there is none."""
        self._own(coupon)
        row = await self._row(coupon.code)
        if row is None:
            return False
        # Changing the loaded row writes only the coupon's fields: ``uses`` is left alone.
        for name, value in _values(coupon).items():
            setattr(row, name, value)
        await self._session.flush()
        return True

    async def remove(self, code: str) -> bool:
        """Delete a coupon and its redemptions; False if there is none."""
        await self._session.execute(
            delete(CouponRedemptionRow)
            .where(self._redemptions_of(code))
            .execution_options(synchronize_session=False)
        )
        result = await self._session.execute(delete(CouponRow).where(self._coupon_is(code)))
        return changed(result) == 1

    async def usage(self, code: str, customer_id: str | None) -> CouponUse:
        """Uses of the coupon in all and by this customer (0 by an anonymous one)."""
        total = await self._session.scalar(select(CouponRow.uses).where(self._coupon_is(code)))
        by_customer = 0 if customer_id is None else await self._uses_by(code, customer_id)
        return CouponUse(total=total or 0, by_customer=by_customer)

    async def redeem(
        self,
        code: str,
        customer_id: str,
        reference: str,
        at: datetime,
        *,
        total_uses: int | None,
        uses_per_customer: int | None,
    ) -> bool:
        """Count one use for ``reference`` if no limit is reached, atomically."""
        if await self._held(code, reference):
            return True
        conditions = [self._coupon_is(code)]
        if total_uses is not None:
            conditions.append(CouponRow.uses < total_uses)
        if not await self._count_use(1, *conditions):
            # Full (or gone); unless a concurrent redemption for this reference took the use.
            return await self._held(code, reference)
        # The UPDATE row-locks the coupon until this transaction ends: its redeemers now go
        # one at a time, and each sees the redemptions committed before it got the lock.
        if await self._held(code, reference):
            await self._count_use(-1, self._coupon_is(code))
            return True
        if (
            uses_per_customer is not None
            and await self._uses_by(code, customer_id) >= uses_per_customer
        ):
            await self._count_use(-1, self._coupon_is(code))
            return False
        await self._session.execute(
            insert(CouponRedemptionRow).values(
                tenant_id=self._tenant_id,
                code=code,
                reference=reference,
                customer_id=customer_id,
                at=at,
            )
        )
        return True

    async def release(self, code: str, reference: str) -> bool:
        """Give back the use held by ``reference`` (a cancelled booking); False if none."""
        result = await self._session.execute(
            delete(CouponRedemptionRow)
            .where(self._redemptions_of(code), CouponRedemptionRow.reference == reference)
            .execution_options(synchronize_session=False)
        )
        if changed(result) == 0:
            return False
        await self._count_use(-1, self._coupon_is(code))
        return True

    async def _count_use(self, step: int, *conditions: ColumnElement[bool]) -> bool:
        result = await self._session.execute(
            update(CouponRow).where(*conditions).values(uses=CouponRow.uses + step)
        )
        return changed(result) == 1

    async def _held(self, code: str, reference: str) -> bool:
        found = await self._session.scalar(
            select(CouponRedemptionRow.reference).where(
                self._redemptions_of(code), CouponRedemptionRow.reference == reference
            )
        )
        return found is not None

    async def _uses_by(self, code: str, customer_id: str) -> int:
        count = await self._session.scalar(
            select(func.count())
            .select_from(CouponRedemptionRow)
            .where(self._redemptions_of(code), CouponRedemptionRow.customer_id == customer_id)
        )
        return int(count or 0)

    async def _row(self, code: str, *, for_update: bool = False) -> CouponRow | None:
        query = select(CouponRow).where(self._coupon_is(code))
        if for_update:
            # populate_existing: the row as locked, not a copy the session read earlier.
            query = query.with_for_update().execution_options(populate_existing=True)
        return await self._session.scalar(query)

    def _coupon_is(self, code: str) -> ColumnElement[bool]:
        return (CouponRow.tenant_id == self._tenant_id) & (CouponRow.code == code)

    def _redemptions_of(self, code: str) -> ColumnElement[bool]:
        return (CouponRedemptionRow.tenant_id == self._tenant_id) & (
            CouponRedemptionRow.code == code
        )

    def _own(self, coupon: Coupon) -> None:
        if coupon.tenant_id != self._tenant_id:
            raise ValueError("a coupon can only be stored in its own tenant")
