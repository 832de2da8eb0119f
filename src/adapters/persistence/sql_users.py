"""Users in SQL, always filtered by the unit of work's tenant."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.rows import UserRow
from adapters.persistence.statements import run
from funflights_core.errors import Conflict
from funflights_core.role import Role
from funflights_core.user import NotificationChannel, User

_FIELDS = (
    "id",
    "tenant_id",
    "email",
    "password_hash",
    "created_at",
    "full_name",
    "email_verified",
    "preferred_currency",
    "language",
    "phone",
    "totp_secret",
    "totp_confirmed",
    "external_id",
    "erased_at",
)


def _values(user: User) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(user, name) for name in _FIELDS}
    values["roles"] = frozenset(str(role) for role in user.roles)
    values["notification_channels"] = frozenset(str(c) for c in user.notification_channels)
    return values


_USERS = cast(Table, UserRow.__table__)
_GET = select(_USERS).where(
    _USERS.c.tenant_id == bindparam("w_tenant"), _USERS.c.id == bindparam("w_id")
)


def _user(row: Any) -> User:
    values = {name: getattr(row, name) for name in _FIELDS}
    return User(
        **values,
        roles=frozenset(Role(role) for role in row.roles),
        notification_channels=frozenset(NotificationChannel(c) for c in row.notification_channels),
    )


class SqlUserRepository:
    """UserRepository over an SQLAlchemy session, scoped to one tenant."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self._session = session
        self._tenant_id = tenant_id

    async def add(self, user: User) -> None:
        """Store a new user; ``Conflict`` if the email (or external id) is taken."""
        if user.tenant_id != self._tenant_id:
            raise ValueError("a user can only be added to its own tenant")
        try:
            async with self._session.begin_nested():
                self._session.add(UserRow(**_values(user)))
        except IntegrityError:
            raise Conflict("a user with this email or external id exists") from None

    async def get(self, user_id: str) -> User | None:
        """The user with this id, in this tenant (read on every signed-in request)."""
        found = await run(self._session, _GET, {"w_tenant": self._tenant_id, "w_id": user_id})
        row = found.one_or_none()
        return None if row is None else _user(row)

    async def by_email(self, email: str) -> User | None:
        """The user with this normalised email, in this tenant."""
        return await self._one(UserRow.email == email)

    async def by_external_id(self, external_id: str) -> User | None:
        """The user a merged company knew by this id, in this tenant."""
        return await self._one(UserRow.external_id == external_id)

    async def update(self, user: User) -> None:
        """Replace a stored user; ``Conflict`` if the new email is taken."""
        row = await self._row(UserRow.id == user.id)
        if row is None or user.tenant_id != self._tenant_id:
            raise ValueError(f"no user {user.id!r} in tenant {self._tenant_id!r}")
        try:
            async with self._session.begin_nested():
                for name, value in _values(user).items():
                    setattr(row, name, value)
        except IntegrityError:
            raise Conflict("a user with this email or external id exists") from None

    async def count(self) -> int:
        """How many users the tenant has."""
        total = await self._session.scalar(
            select(func.count()).select_from(UserRow).where(UserRow.tenant_id == self._tenant_id)
        )
        return int(total or 0)

    async def imported(self) -> Sequence[User]:
        """The users that came from a merged company."""
        rows = await self._session.scalars(
            select(UserRow).where(
                UserRow.tenant_id == self._tenant_id, UserRow.external_id.is_not(None)
            )
        )
        return [_user(row) for row in rows]

    async def email_owners(self) -> Iterable[tuple[str, str | None]]:
        """(email, external id) of every user of the tenant."""
        result = await self._session.execute(
            select(UserRow.email, UserRow.external_id).where(UserRow.tenant_id == self._tenant_id)
        )
        return [(email, external_id) for email, external_id in result]

    async def add_many(self, users: Sequence[User]) -> None:
        """Store many new users in a few multi-row INSERTs."""
        if any(user.tenant_id != self._tenant_id for user in users):
            raise ValueError("users can only be added to their own tenant")
        try:
            async with self._session.begin_nested():
                for batch in _batches([_values(user) for user in users]):
                    await self._session.execute(insert(UserRow), batch)
        except IntegrityError:
            raise Conflict("an email or external id in the batch is taken") from None

    async def update_many(self, users: Sequence[User]) -> None:
        """Replace many stored users (bulk UPDATE by primary key)."""
        if any(user.tenant_id != self._tenant_id for user in users):
            raise ValueError("users can only be updated in their own tenant")
        try:
            async with self._session.begin_nested():
                for batch in _batches([_values(user) for user in users]):
                    await self._session.execute(update(UserRow), batch)
        except IntegrityError:
            raise Conflict("an email or external id in the batch is taken") from None

    async def _row(self, condition: ColumnElement[bool]) -> UserRow | None:
        statement = select(UserRow).where(UserRow.tenant_id == self._tenant_id, condition)
        return (await self._session.scalars(statement)).one_or_none()

    async def _one(self, condition: ColumnElement[bool]) -> User | None:
        row = await self._row(condition)
        return None if row is None else _user(row)


def _batches(rows: list[dict[str, object]], size: int = 2000) -> Iterator[list[dict[str, object]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
