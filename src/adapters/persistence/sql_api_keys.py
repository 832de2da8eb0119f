"""API keys in SQL: tenant-scoped management, and the cross-tenant lookup by digest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.rows import ApiKeyRow
from funflights_core.api_key import ApiKey, Scope

_FIELDS = (
    "id",
    "tenant_id",
    "name",
    "prefix",
    "digest",
    "created_at",
    "rate_limit_per_minute",
    "daily_quota",
    "expires_at",
    "revoked_at",
    "account",
)


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        **{f: getattr(row, f) for f in _FIELDS}, scopes=frozenset(Scope(s) for s in row.scopes)
    )


class SqlApiKeyRepository:
    """ApiKeyRepository over an SQLAlchemy session, scoped to one tenant."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self._session = session
        self._tenant_id = tenant_id

    async def add(self, key: ApiKey) -> None:
        """Store a new key."""
        if key.tenant_id != self._tenant_id:
            raise ValueError("a key can only be added to its own tenant")
        values = {f: getattr(key, f) for f in _FIELDS}
        self._session.add(ApiKeyRow(**values, scopes=frozenset(str(s) for s in key.scopes)))
        await self._session.flush()

    async def get(self, key_id: str) -> ApiKey | None:
        """The key with this id, in this tenant."""
        row = await self._session.scalar(
            select(ApiKeyRow).where(ApiKeyRow.tenant_id == self._tenant_id, ApiKeyRow.id == key_id)
        )
        return None if row is None else _key(row)

    async def all(self) -> Sequence[ApiKey]:
        """The tenant's keys, newest first."""
        rows = await self._session.scalars(
            select(ApiKeyRow)
            .where(ApiKeyRow.tenant_id == self._tenant_id)
            .order_by(ApiKeyRow.created_at.desc(), ApiKeyRow.id)
        )
        return [_key(row) for row in rows]

    async def revoke(self, key_id: str, at: datetime) -> bool:
        """Revoke a key; False if there is no such unrevoked key in this tenant."""
        result = await self._session.execute(
            update(ApiKeyRow)
            .where(
                ApiKeyRow.tenant_id == self._tenant_id,
                ApiKeyRow.id == key_id,
                ApiKeyRow.revoked_at.is_(None),
            )
            .values(revoked_at=at)
            .execution_options(synchronize_session=False)
        )
        return isinstance(result, CursorResult) and result.rowcount == 1


class SqlApiKeyDirectory:
    """ApiKeyDirectory over an SQLAlchemy session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_digest(self, digest: str) -> ApiKey | None:
        """The key with this digest, whatever its tenant."""
        row = await self._session.scalar(select(ApiKeyRow).where(ApiKeyRow.digest == digest))
        return None if row is None else _key(row)
