"""Refresh and one-time tokens in SQL, always filtered by the unit of work's tenant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.rows import OneTimeTokenRow, RefreshTokenRow
from funflights_core.one_time_token import OneTimeToken, TokenPurpose
from funflights_core.refresh_token import RefreshToken

_REFRESH_FIELDS = (
    "id",
    "tenant_id",
    "user_id",
    "family_id",
    "digest",
    "issued_at",
    "expires_at",
    "mfa",
    "replaced_at",
    "revoked_at",
)


class SqlRefreshTokenRepository:
    """RefreshTokenRepository over an SQLAlchemy session, scoped to one tenant."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self._session = session
        self._tenant_id = tenant_id

    async def add(self, token: RefreshToken) -> None:
        """Store a new token."""
        if token.tenant_id != self._tenant_id:
            raise ValueError("a token can only be added to its own tenant")
        self._session.add(RefreshTokenRow(**{f: getattr(token, f) for f in _REFRESH_FIELDS}))
        await self._session.flush()

    async def by_digest(self, digest: str) -> RefreshToken | None:
        """The token with this digest, in this tenant."""
        row = await self._session.scalar(
            select(RefreshTokenRow).where(
                RefreshTokenRow.tenant_id == self._tenant_id, RefreshTokenRow.digest == digest
            )
        )
        return (
            None if row is None else RefreshToken(**{f: getattr(row, f) for f in _REFRESH_FIELDS})
        )

    async def mark_replaced(self, token_id: str, at: datetime) -> bool:
        """Mark a token replaced if it was still usable; False if it was not (a race lost)."""
        # One conditional UPDATE: of two concurrent refreshes with the same token exactly
        # one changes the row, so exactly one gets a new token.
        result = await self._session.execute(
            update(RefreshTokenRow)
            .where(
                RefreshTokenRow.tenant_id == self._tenant_id,
                RefreshTokenRow.id == token_id,
                RefreshTokenRow.replaced_at.is_(None),
                RefreshTokenRow.revoked_at.is_(None),
            )
            .values(replaced_at=at)
            .execution_options(synchronize_session=False)
        )
        return _changed(result) == 1

    async def revoke_family(self, family_id: str, at: datetime) -> None:
        """Revoke every token of a family that is not revoked yet."""
        await self._session.execute(
            update(RefreshTokenRow)
            .where(
                RefreshTokenRow.tenant_id == self._tenant_id,
                RefreshTokenRow.family_id == family_id,
                RefreshTokenRow.revoked_at.is_(None),
            )
            .values(revoked_at=at)
            .execution_options(synchronize_session=False)
        )

    async def revoke_user(self, user_id: str, at: datetime) -> None:
        """Revoke every token of a user (password reset, erasure)."""
        await self._session.execute(
            update(RefreshTokenRow)
            .where(
                RefreshTokenRow.tenant_id == self._tenant_id,
                RefreshTokenRow.user_id == user_id,
                RefreshTokenRow.revoked_at.is_(None),
            )
            .values(revoked_at=at)
            .execution_options(synchronize_session=False)
        )

    async def active_families(self, user_id: str) -> Sequence[str]:
        """The families of a user that still have an unrevoked token."""
        result = await self._session.scalars(
            select(RefreshTokenRow.family_id)
            .where(
                RefreshTokenRow.tenant_id == self._tenant_id,
                RefreshTokenRow.user_id == user_id,
                RefreshTokenRow.revoked_at.is_(None),
            )
            .distinct()
            .order_by(RefreshTokenRow.family_id)
        )
        return list(result)

    async def family_revoked(self, family_id: str) -> bool:
        """Whether a family was revoked (logout, reuse): its access tokens stop working."""
        revoked = await self._session.scalar(
            select(
                exists().where(
                    RefreshTokenRow.tenant_id == self._tenant_id,
                    RefreshTokenRow.family_id == family_id,
                    RefreshTokenRow.revoked_at.is_not(None),
                )
            )
        )
        return bool(revoked)


class SqlOneTimeTokenRepository:
    """OneTimeTokenRepository over an SQLAlchemy session, scoped to one tenant."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self._session = session
        self._tenant_id = tenant_id

    async def add(self, token: OneTimeToken) -> None:
        """Store a new token."""
        if token.tenant_id != self._tenant_id:
            raise ValueError("a token can only be added to its own tenant")
        self._session.add(
            OneTimeTokenRow(
                digest=token.digest,
                tenant_id=token.tenant_id,
                user_id=token.user_id,
                purpose=str(token.purpose),
                expires_at=token.expires_at,
                used_at=token.used_at,
            )
        )
        await self._session.flush()

    async def by_digest(self, digest: str) -> OneTimeToken | None:
        """The token with this digest, in this tenant."""
        row = await self._session.scalar(
            select(OneTimeTokenRow).where(
                OneTimeTokenRow.tenant_id == self._tenant_id, OneTimeTokenRow.digest == digest
            )
        )
        if row is None:
            return None
        return OneTimeToken(
            digest=row.digest,
            tenant_id=row.tenant_id,
            user_id=row.user_id,
            purpose=TokenPurpose(row.purpose),
            expires_at=row.expires_at,
            used_at=row.used_at,
        )

    async def mark_used(self, digest: str, at: datetime) -> bool:
        """Mark a token used if it was unused; False if it was used already."""
        result = await self._session.execute(
            update(OneTimeTokenRow)
            .where(
                OneTimeTokenRow.tenant_id == self._tenant_id,
                OneTimeTokenRow.digest == digest,
                OneTimeTokenRow.used_at.is_(None),
            )
            .values(used_at=at)
            .execution_options(synchronize_session=False)
        )
        return _changed(result) == 1


def _changed(result: object) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0
