"""Loyalty ledgers in SQL: an account row per customer to lock, and the entries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.rows import LoyaltyAccountRow, LoyaltyEntryRow
from adapters.persistence.sql_margin_rules import amount_of, money, upsert
from funflights_core.loyalty import EntryKind, LedgerEntry
from funflights_core.money import CurrencyCatalogue


def _entry(row: LoyaltyEntryRow, currencies: CurrencyCatalogue) -> LedgerEntry:
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
        create = upsert(self._session, LoyaltyAccountRow).values(
            tenant_id=self._tenant_id, customer_id=customer_id
        )
        await self._session.execute(
            create.on_conflict_do_update(
                index_elements=[LoyaltyAccountRow.tenant_id, LoyaltyAccountRow.customer_id],
                set_={"customer_id": create.excluded.customer_id},
            )
        )

    async def entries(self, customer_id: str) -> Sequence[LedgerEntry]:
        """The customer's entries, oldest first."""
        rows = await self._session.scalars(
            select(LoyaltyEntryRow)
            .where(
                LoyaltyEntryRow.tenant_id == self._tenant_id,
                LoyaltyEntryRow.customer_id == customer_id,
            )
            .order_by(LoyaltyEntryRow.at, LoyaltyEntryRow.seq)
        )
        return [_entry(row, self._currencies) for row in rows]

    async def append(self, customer_id: str, entry: LedgerEntry) -> None:
        """Add an entry to the customer's ledger."""
        await self._session.execute(
            insert(LoyaltyEntryRow).values(
                id=entry.id,
                tenant_id=self._tenant_id,
                customer_id=customer_id,
                kind=entry.kind.value,
                points=entry.points,
                at=entry.at,
                booking_id=entry.booking_id,
                spend_amount=amount_of(entry.spend),
                spend_currency=None if entry.spend is None else entry.spend.currency.code,
            )
        )
