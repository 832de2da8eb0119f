"""The audit log in SQL: one row per recorded change, only ever added."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.rows import AuditRow
from adapters.persistence.statements import run
from funflights_core.audit import AuditEntry

AUDIT_FIELDS = (
    "id",
    "tenant_id",
    "subject",
    "subject_id",
    "action",
    "actor",
    "at",
    "before",
    "after",
)


_ADD = insert(cast(Table, AuditRow.__table__))


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(**{name: getattr(row, name) for name in AUDIT_FIELDS})


class SqlAuditLog:
    """AuditLog over an SQLAlchemy session, scoped to one tenant."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self._session = session
        self._tenant_id = tenant_id

    async def add(self, entry: AuditEntry) -> None:
        """Record a change."""
        if entry.tenant_id != self._tenant_id:
            raise ValueError("an audit entry can only be added to its own tenant")
        await run(self._session, _ADD, {name: getattr(entry, name) for name in AUDIT_FIELDS})

    async def for_subject(self, subject: str, subject_id: str) -> Sequence[AuditEntry]:
        """The changes to one thing, oldest first."""
        rows = await self._session.scalars(
            select(AuditRow)
            .where(
                AuditRow.tenant_id == self._tenant_id,
                AuditRow.subject == subject,
                AuditRow.subject_id == subject_id,
            )
            .order_by(AuditRow.at, AuditRow.seq)
        )
        return [_entry(row) for row in rows]

    async def recent(self, subject: str, limit: int) -> Sequence[AuditEntry]:
        """The latest changes to things of one kind, newest first."""
        rows = await self._session.scalars(
            select(AuditRow)
            .where(AuditRow.tenant_id == self._tenant_id, AuditRow.subject == subject)
            .order_by(AuditRow.at.desc(), AuditRow.seq.desc())
            .limit(limit)
        )
        return [_entry(row) for row in rows]
