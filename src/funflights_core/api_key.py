"""API keys of resellers: scoped, metered, revocable; the secret is shown once, stored hashed."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

import attrs

from funflights_core.errors import InvalidToken
from funflights_core.secret_token import secret_digest

KEY_PREFIX = "ffk_"


class Scope(enum.StrEnum):
    """What a key may do."""

    SEARCH = "search"
    BOOK = "book"
    READ_BOOKINGS = "read-bookings"


@attrs.frozen
class ApiKey:
    """A stored key (its digest only). ``prefix`` is shown to support staff and in lists."""

    id: str
    tenant_id: str
    name: str
    prefix: str
    digest: str
    scopes: frozenset[Scope]
    created_at: datetime
    rate_limit_per_minute: int
    daily_quota: int
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    account: str | None = None
    """The reseller account the key acts for, when it replaced another key; None: its own."""

    @property
    def owner(self) -> str:
        """Whom the key's bookings belong to: its account, which replacement keys share, so
        bookings outlive a key that expired, leaked or was revoked."""
        return self.account or self.id

    def usable_at(self, moment: datetime) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and (self.expires_at is None or moment < self.expires_at)


def new_key_secret() -> tuple[str, str]:
    """A new key and its visible prefix: ``ffk_<8 characters>_<secret>``."""
    visible = KEY_PREFIX + secrets.token_hex(4)
    return f"{visible}_{secrets.token_urlsafe(32)}", visible


def key_digest(key: str) -> str:
    """The digest stored for a key, or ``InvalidToken`` when it cannot be one of ours."""
    if not key.startswith(KEY_PREFIX) or not 20 <= len(key) <= 100:
        raise InvalidToken("not an API key")
    return secret_digest(key)
