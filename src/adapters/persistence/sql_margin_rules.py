"""Margin rules in SQL, their per-tenant change counter, and helpers for money columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.rows import Base, MarginRuleRow, MarginRuleVersionRow
from funflights_core.errors import Conflict
from funflights_core.margin_rule import CountrySide, MarginRule
from funflights_core.money import CurrencyCatalogue, Money

_FIELDS = (
    "id",
    "tenant_id",
    "created_at",
    "percent",
    "carrier",
    "flight_number",
    "origin",
    "destination",
    "country",
    "cabin",
    "travel_from",
    "travel_until",
    "valid_from",
    "valid_until",
    "priority",
    "description",
)


def one_currency(*amounts: Money | None) -> str | None:
    """The one currency of some amounts stored in a shared column; ValueError if they differ."""
    codes = {amount.currency.code for amount in amounts if amount is not None}
    if len(codes) > 1:
        raise ValueError(f"amounts stored together must share a currency, not {sorted(codes)}")
    return next(iter(codes), None)


def amount_of(money: Money | None) -> Decimal | None:
    """The amount to store (the currency goes to its own column)."""
    return None if money is None else money.amount


def money(amount: Decimal | None, code: str | None, currencies: CurrencyCatalogue) -> Money | None:
    """Money rebuilt from its stored amount and currency code."""
    if amount is None:
        return None
    if code is None:
        raise ValueError("a stored amount has no currency")
    return Money(amount, currencies.currency(code))


def upsert(session: AsyncSession, row: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can take ON CONFLICT clauses, in the session's SQL dialect."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(row)
    if dialect == "sqlite":
        return sqlite.insert(row)
    raise NotImplementedError(f"no upsert for {dialect}")


def changed(result: object) -> int:
    """How many rows an UPDATE or DELETE changed."""
    return result.rowcount if isinstance(result, CursorResult) else 0


def _values(rule: MarginRule) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(rule, name) for name in _FIELDS}
    values["country_side"] = rule.country_side.value
    values["amounts_currency"] = one_currency(rule.fixed_per_passenger, rule.minimum, rule.maximum)
    for name in ("fixed_per_passenger", "minimum", "maximum"):
        values[name] = amount_of(getattr(rule, name))
    return values


def _rule(row: MarginRuleRow, currencies: CurrencyCatalogue) -> MarginRule:
    code = row.amounts_currency
    return MarginRule(
        **{name: getattr(row, name) for name in _FIELDS},
        country_side=CountrySide(row.country_side),
        fixed_per_passenger=money(row.fixed_per_passenger, code, currencies),
        minimum=money(row.minimum, code, currencies),
        maximum=money(row.maximum, code, currencies),
    )


class SqlMarginRuleRepository:
    """MarginRuleRepository over an SQLAlchemy session, scoped to one tenant."""

    def __init__(
        self, session: AsyncSession, tenant_id: str, currencies: CurrencyCatalogue
    ) -> None:
        self._session = session
        self._tenant_id = tenant_id
        self._currencies = currencies

    async def all(self) -> Sequence[MarginRule]:
        """Every rule of the tenant, by id."""
        rows = await self._session.scalars(
            select(MarginRuleRow)
            .where(MarginRuleRow.tenant_id == self._tenant_id)
            .order_by(MarginRuleRow.id)
        )
        return [_rule(row, self._currencies) for row in rows]

    async def get(self, rule_id: str) -> MarginRule | None:
        """The rule with this id, in this tenant."""
        row = await self._row(rule_id)
        return None if row is None else _rule(row, self._currencies)

    async def add(self, rule: MarginRule) -> None:
        """Store a new rule; ``Conflict`` if the id is taken."""
        self._own(rule)
        try:
            async with self._session.begin_nested():
                await self._session.execute(insert(MarginRuleRow).values(**_values(rule)))
        except IntegrityError:
            raise Conflict(f"a margin rule with id {rule.id!r} exists") from None

    async def replace(self, rule: MarginRule) -> bool:
        """Replace a stored rule; False if there is none with its id in this tenant."""
        self._own(rule)
        row = await self._row(rule.id)
        if row is None:
            return False
        # Changing the loaded row (not an UPDATE statement) keeps the session's copy current.
        for name, value in _values(rule).items():
            setattr(row, name, value)
        await self._session.flush()
        return True

    async def remove(self, rule_id: str) -> bool:
        """Delete a rule; False if there is none with this id in this tenant."""
        result = await self._session.execute(
            delete(MarginRuleRow).where(
                MarginRuleRow.tenant_id == self._tenant_id, MarginRuleRow.id == rule_id
            )
        )
        return changed(result) == 1

    async def version(self) -> int:
        """How many times the tenant's rules changed (0 before the first change)."""
        version = await self._session.scalar(
            select(MarginRuleVersionRow.version).where(
                MarginRuleVersionRow.tenant_id == self._tenant_id
            )
        )
        return version or 0

    async def bump_version(self) -> int:
        """Count one more change, in this transaction; the new version."""
        # One upsert: concurrent changes each add one (the row lock orders them), none lost.
        first = upsert(self._session, MarginRuleVersionRow).values(
            tenant_id=self._tenant_id, version=1
        )
        statement = first.on_conflict_do_update(
            index_elements=[MarginRuleVersionRow.tenant_id],
            set_={"version": MarginRuleVersionRow.version + 1},
        ).returning(MarginRuleVersionRow.version)
        return int((await self._session.execute(statement)).scalar_one())

    async def _row(self, rule_id: str) -> MarginRuleRow | None:
        return await self._session.scalar(
            select(MarginRuleRow).where(
                MarginRuleRow.tenant_id == self._tenant_id, MarginRuleRow.id == rule_id
            )
        )

    def _own(self, rule: MarginRule) -> None:
        if rule.tenant_id != self._tenant_id:
            raise ValueError("a margin rule can only be stored in its own tenant")


class SqlMarginRuleVersions:
    """MarginRuleVersions over an SQLAlchemy session (every tenant)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def all(self) -> Mapping[str, int]:
        """Tenant id to version, for tenants whose rules ever changed."""
        result = await self._session.execute(
            select(MarginRuleVersionRow.tenant_id, MarginRuleVersionRow.version)
        )
        return {tenant_id: version for tenant_id, version in result}
