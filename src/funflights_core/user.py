"""A user account within one tenant: a traveller, a staff member, a reseller's login."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from funflights_core.role import Role


class NotificationChannel(enum.StrEnum):
    """Where a user wants to hear about their trips."""

    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


@attrs.frozen
class User:
    """An account. Personal data can be erased; the id and financial links stay."""

    id: str
    tenant_id: str
    email: str
    """Normalised (see ``normalise_email``); unique within the tenant."""
    password_hash: str | None
    roles: frozenset[Role]
    created_at: datetime
    full_name: str = ""
    email_verified: bool = False
    preferred_currency: str | None = None
    language: str | None = None
    phone: str | None = None
    notification_channels: frozenset[NotificationChannel] = frozenset({NotificationChannel.EMAIL})
    totp_secret: str | None = None
    """Base32 secret of the user's authenticator app; set at enrolment."""
    totp_confirmed: bool = False
    """Whether the user proved the authenticator works (a code was accepted once)."""
    external_id: str | None = None
    """The id a merged company had for this customer (imports are idempotent by it)."""
    erased_at: datetime | None = None

    @property
    def is_erased(self) -> bool:
        """Whether the personal data was erased at the user's request."""
        return self.erased_at is not None
