"""Margin rules in SQL, their per-tenant change counter, and helpers for money columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.rows import Base, MarginRuleRow, MarginRuleVersionRow
from adapters.persistence.statements import Rows
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
    return result.rowcount if isinstance(result, CursorResult | Rows) else 0


def _values(rule: MarginRule) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(rule, name) for name in _FIELDS}
    values["country_side"] = rule.country_side.value
    values["amounts_currency"] = one_currency(rule.fixed_per_passenger, rule.minimum, rule.maximum)
    for name in ("fixed_per_passenger", "minimum", "maximum"):
        values[name] = amount_of(getattr(rule, name))
    return values


_MONEY = ("amounts_currency", "fixed_per_passenger", "minimum", "maximum")
_COLUMNS = tuple(getattr(MarginRuleRow, name) for name in (*_FIELDS, "country_side", *_MONEY))
_LIVE = MarginRuleRow.removed_version.is_(None)


def _rule(row: Row[Any], currencies: CurrencyCatalogue) -> MarginRule:
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
        # Plain rows, not ORM objects: a large tenant's book loads several times faster.
        result = await self._session.execute(
            select(*_COLUMNS)
            .where(_LIVE, MarginRuleRow.tenant_id == self._tenant_id)
            .order_by(MarginRuleRow.id)
        )
        return [_rule(row, self._currencies) for row in result]

    async def get(self, rule_id: str) -> MarginRule | None:
        """The rule with this id, in this tenant."""
        row = await self._row(rule_id)
        return None if row is None else _rule(row, self._currencies)

    async def add(self, rule: MarginRule, *, version: int) -> None:
        """Store a new rule; ``Conflict`` if the id is taken."""
        self._own(rule)
        values = {**_values(rule), "version": version}
        try:
            async with self._session.begin_nested():
                await self._session.execute(insert(MarginRuleRow).values(**values))
        except IntegrityError:
            raise Conflict(f"a margin rule with id {rule.id!r} exists") from None

    async def replace(self, rule: MarginRule, *, version: int) -> bool:
        """Replace a stored rule; False if there is none with its id in this tenant."""
        self._own(rule)
        result = await self._session.execute(
            update(MarginRuleRow)
            .where(_LIVE, MarginRuleRow.tenant_id == self._tenant_id, MarginRuleRow.id == rule.id)
            .values(**_values(rule), version=version)
            .execution_options(synchronize_session=False)
        )
        return changed(result) == 1

    async def remove(self, rule_id: str, *, version: int) -> bool:
        """Remove a rule (a tombstone remains); False if there is none in this tenant."""
        result = await self._session.execute(
            update(MarginRuleRow)
            .where(_LIVE, MarginRuleRow.tenant_id == self._tenant_id, MarginRuleRow.id == rule_id)
            .values(removed_version=version)
            .execution_options(synchronize_session=False)
        )
        return changed(result) == 1

    async def changed_since(self, version: int) -> tuple[Sequence[MarginRule], Sequence[str]]:
        """Rules added or changed after ``version``, and the ids of those removed after it."""
        live = await self._session.execute(
            select(*_COLUMNS).where(
                _LIVE, MarginRuleRow.tenant_id == self._tenant_id, MarginRuleRow.version > version
            )
        )
        removed = await self._session.scalars(
            select(MarginRuleRow.id).where(
                MarginRuleRow.tenant_id == self._tenant_id,
                MarginRuleRow.removed_version > version,
            )
        )
        return [_rule(row, self._currencies) for row in live], list(removed)

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

    async def _row(self, rule_id: str) -> Row[Any] | None:
        result = await self._session.execute(
            select(*_COLUMNS).where(
                _LIVE, MarginRuleRow.tenant_id == self._tenant_id, MarginRuleRow.id == rule_id
            )
        )
        return result.first()

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
