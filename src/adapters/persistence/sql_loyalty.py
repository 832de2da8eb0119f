"""Loyalty ledgers in SQL: an account row per customer to lock, and the entries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, Numeric, Table, bindparam, case, func, insert, or_, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from adapters.persistence.rows import LoyaltyAccountRow, LoyaltyEntryRow
from adapters.persistence.sql_margin_rules import amount_of, money
from adapters.persistence.statements import dialect_of, run
from funflights_core.loyalty import EntryKind, LedgerEntry
from funflights_core.money import CurrencyCatalogue

_ACCOUNTS = cast(Table, LoyaltyAccountRow.__table__)
_ENTRIES = cast(Table, LoyaltyEntryRow.__table__)
_ADD_ENTRY = insert(_ENTRIES)
_ENTRIES_OF = (
    select(_ENTRIES)
    .where(
        _ENTRIES.c.tenant_id == bindparam("w_tenant"),
        _ENTRIES.c.customer_id == bindparam("w_customer"),
    )
    .order_by(_ENTRIES.c.at, _ENTRIES.c.seq)
)


def _counted(dialect: str) -> Executable:
    """The entries that count towards tiers (``LoyaltyAccount.counted_spend``), summed per
    currency on PostgreSQL; SQLite gives their amounts, as its sums of text go through floats.

    One scan of the window, each booking's entries judged together: an entry counts if its
    booking earned with a spend and was not reversed whole. Entries are appended as things
    happen, so a booking earned in the window has its reversals in the window too.
    """
    entries = _ENTRIES
    booking = (entries.c.booking_id,)

    def any_of(condition: ColumnElement[bool]) -> ColumnElement[int]:
        flag = case((condition, 1), else_=0)
        return func.max(flag).over(partition_by=booking)

    judged = (
        select(
            entries.c.kind,
            entries.c.spend_currency,
            entries.c.spend_amount,
            any_of(
                (entries.c.kind == EntryKind.EARN.value) & entries.c.spend_amount.is_not(None)
            ).label("earned"),
            any_of(entries.c.kind == EntryKind.REVERSAL.value).label("reversed"),
        )
        .where(
            entries.c.tenant_id == bindparam("w_tenant"),
            entries.c.customer_id == bindparam("w_customer"),
            entries.c.at >= bindparam("w_since", type_=entries.c.at.type),
            entries.c.booking_id.is_not(None),
        )
        .subquery("judged")
    )
    counted = (
        judged.c.earned == 1,
        judged.c.reversed == 0,
        judged.c.spend_amount.is_not(None),
        # Two comparisons rather than IN: a list would be expanded at each execution.
        or_(judged.c.kind == EntryKind.EARN.value, judged.c.kind == EntryKind.PART_REVERSAL.value),
    )
    if dialect == "sqlite":
        amount = judged.c.spend_amount.label("amount")
        return select(judged.c.spend_currency, amount).where(*counted)
    total = func.sum(sql_cast(judged.c.spend_amount, Numeric())).label("amount")
    return select(judged.c.spend_currency, total).where(*counted).group_by(judged.c.spend_currency)


_COUNTED = {dialect: _counted(dialect) for dialect in ("postgresql", "sqlite")}


def _create_or_lock(dialect: str) -> Executable:
    build = postgresql_insert if dialect == "postgresql" else sqlite_insert
    create = build(_ACCOUNTS)
    return create.on_conflict_do_update(
        index_elements=[_ACCOUNTS.c.tenant_id, _ACCOUNTS.c.customer_id],
        set_={"customer_id": create.excluded.customer_id},
    )


_CREATE_OR_LOCK = {dialect: _create_or_lock(dialect) for dialect in ("postgresql", "sqlite")}


def _entry(row: Any, currencies: CurrencyCatalogue) -> LedgerEntry:
    return LedgerEntry(
        id=row.id,
        kind=EntryKind(row.kind),
        points=row.points,
        at=row.at,
        booking_id=row.booking_id,
        spend=money(row.spend_amount, row.spend_currency, currencies),
    )


class SqlLoyaltyRepository:
    """LoyaltyRepository over an SQLAlchemy session, scoped to one tenant."""

    def __init__(
        self, session: AsyncSession, tenant_id: str, currencies: CurrencyCatalogue
    ) -> None:
        self._session = session
        self._tenant_id = tenant_id
        self._currencies = currencies

    async def lock(self, customer_id: str) -> None:
        """Serialise changes to this customer's ledger until the unit of work ends."""
        # The account row exists to be locked: one statement creates it on first use and
        # otherwise "updates" it, which on PostgreSQL holds its row lock until the end (a
        # concurrent locker waits), as SELECT ... FOR UPDATE would after an insert, in one
        # round trip instead of two. On SQLite BEGIN IMMEDIATE already made this
        # transaction the only writer.
        await run(
            self._session,
            _CREATE_OR_LOCK[dialect_of(self._session)],
            {"tenant_id": self._tenant_id, "customer_id": customer_id},
        )

    async def entries(self, customer_id: str) -> Sequence[LedgerEntry]:
        """The customer's entries, oldest first."""
        which = {"w_tenant": self._tenant_id, "w_customer": customer_id}
        rows = await run(self._session, _ENTRIES_OF, which)
        return [_entry(row, self._currencies) for row in rows]

    async def counted_spend(self, customer_id: str, since: datetime) -> Mapping[str, Decimal]:
        """The spend counting towards tiers since ``since``, per currency code."""
        which = {"w_tenant": self._tenant_id, "w_customer": customer_id, "w_since": since}
        rows = await run(self._session, _COUNTED[dialect_of(self._session)], which)
        totals: dict[str, Decimal] = {}
        for row in rows:
            # Stored amounts are exact text; PostgreSQL sums them as NUMERIC, exactly too.
            code = row.spend_currency
            totals[code] = totals.get(code, Decimal(0)) + Decimal(row.amount)
        return totals

    async def append(self, customer_id: str, entry: LedgerEntry) -> None:
        """Add an entry to the customer's ledger."""
        await run(
            self._session,
            _ADD_ENTRY,
            {
                "id": entry.id,
                "tenant_id": self._tenant_id,
                "customer_id": customer_id,
                "kind": entry.kind.value,
                "points": entry.points,
                "at": entry.at,
                "booking_id": entry.booking_id,
                "spend_amount": amount_of(entry.spend),
                "spend_currency": None if entry.spend is None else entry.spend.currency.code,
            },
        )
