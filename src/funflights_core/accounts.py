"""Use cases of a signed-in user on their own account: profile, export, erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from funflights_core.clock import Clock
from funflights_core.errors import InvalidInput, NotFound
from funflights_core.identity import RevokedSessions
from funflights_core.tenant import currency_code, locale_tag
from funflights_core.unit_of_work import UnitOfWorkFactory
from funflights_core.user import NotificationChannel, User

_PHONE_CHARACTERS = frozenset("+0123456789 -()")


@attrs.frozen
class ProfileChanges:
    """Fields a user may change on their own profile; None leaves a field as it is."""

    full_name: str | None = None
    preferred_currency: str | None = None
    language: str | None = None
    phone: str | None = None
    notification_channels: frozenset[str] | None = None


def apply_profile_changes(user: User, changes: ProfileChanges) -> User:
    """The user with the changes applied, or ``InvalidInput`` naming the first bad field."""
    values: dict[str, Any] = {}
    if changes.full_name is not None:
        name = changes.full_name.strip()
        if len(name) > 200:
            raise InvalidInput("full_name", "use at most 200 characters")
        values["full_name"] = name
    if changes.preferred_currency is not None:
        values["preferred_currency"] = currency_code(
            changes.preferred_currency, "preferred_currency"
        )
    if changes.language is not None:
        values["language"] = locale_tag(changes.language, "language")
    if changes.phone is not None:
        phone = changes.phone.strip()
        digits = sum(character.isdigit() for character in phone)
        if phone and (not set(phone) <= _PHONE_CHARACTERS or not 7 <= digits <= 15):
            raise InvalidInput("phone", "use an international number such as +44 20 7946 0000")
        values["phone"] = phone or None
    if changes.notification_channels is not None:
        try:
            channels = frozenset(NotificationChannel(c) for c in changes.notification_channels)
        except ValueError:
            choices = ", ".join(c.value for c in NotificationChannel)
            raise InvalidInput("notification_channels", f"choose from {choices}") from None
        if NotificationChannel.SMS in channels and not values.get("phone", user.phone):
            raise InvalidInput("notification_channels", "sms needs a phone number")
        values["notification_channels"] = channels
    return attrs.evolve(user, **values)


def personal_data(user: User) -> dict[str, object]:
    """Every personal datum held about the user (secrets and hashes excepted), as JSON."""
    return {
        "id": user.id,
        "tenant_id": user.tenant_id,
        "email": user.email,
        "email_verified": user.email_verified,
        "full_name": user.full_name,
        "phone": user.phone,
        "preferred_currency": user.preferred_currency,
        "language": user.language,
        "notification_channels": sorted(str(c) for c in user.notification_channels),
        "roles": sorted(str(r) for r in user.roles),
        "external_id": user.external_id,
        "created_at": user.created_at.isoformat(),
        "second_factor_enrolled": user.totp_confirmed,
    }


def erased(user: User, at: datetime) -> User:
    """The account with its personal data removed; the id stays for financial records."""
    return attrs.evolve(
        user,
        email=f"erased-{user.id}@erased.invalid",
        password_hash=None,
        full_name="",
        phone=None,
        preferred_currency=None,
        language=None,
        notification_channels=frozenset(),
        totp_secret=None,
        totp_confirmed=False,
        external_id=None,
        email_verified=False,
        erased_at=at,
    )


class AccountService:
    """A user's own account."""

    def __init__(
        self, *, database: UnitOfWorkFactory, sessions: RevokedSessions, clock: Clock
    ) -> None:
        self._database = database
        self._sessions = sessions
        self._clock = clock

    async def profile(self, tenant_id: str, user_id: str) -> User:
        """The user's account."""
        async with self._database.for_tenant(tenant_id, one_statement=True) as uow:
            return await _live_user(uow.users.get, user_id)

    async def update_profile(self, tenant_id: str, user_id: str, changes: ProfileChanges) -> User:
        """Apply profile changes, all or none."""
        async with self._database.for_tenant(tenant_id) as uow:
            user = apply_profile_changes(await _live_user(uow.users.get, user_id), changes)
            await uow.users.update(user)
            await uow.commit()
        return user

    async def export(self, tenant_id: str, user_id: str) -> dict[str, object]:
        """Every personal datum held about the user, with their loyalty ledger."""
        async with self._database.for_tenant(tenant_id) as uow:
            user = await _live_user(uow.users.get, user_id)
            entries = await uow.loyalty.entries(user_id)
        return {
            **personal_data(user),
            "loyalty_ledger": [
                {
                    "id": e.id,
                    "kind": e.kind.value,
                    "points": e.points,
                    "at": e.at.isoformat(),
                    "booking_id": e.booking_id,
                    "spend": None if e.spend is None else str(e.spend),
                }
                for e in entries
            ],
        }

    async def erase(self, tenant_id: str, user_id: str, *, family_id: str) -> None:
        """Erase the user's personal data and end their sessions (GDPR art. 17)."""
        now = self._clock.now()
        async with self._database.for_tenant(tenant_id) as uow:
            user = await _live_user(uow.users.get, user_id)
            await uow.users.update(erased(user, now))
            families = {family_id, *await uow.refresh_tokens.active_families(user.id)}
            await uow.refresh_tokens.revoke_user(user.id, now)
            await uow.commit()
        for family in sorted(families):
            await self._sessions.revoke(family)


async def _live_user(get: Any, user_id: str) -> User:
    user: User | None = await get(user_id)
    if user is None or user.is_erased:
        raise NotFound("no such account")
    return user
