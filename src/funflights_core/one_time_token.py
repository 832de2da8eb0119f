"""Single-use tokens sent by email: verify an address, reset a password."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs


class TokenPurpose(enum.StrEnum):
    """What a one-time token may be used for (a reset token cannot verify an email)."""

    VERIFY_EMAIL = "verify-email"
    RESET_PASSWORD = "reset-password"


@attrs.frozen
class OneTimeToken:
    """A stored one-time token (its digest only)."""

    digest: str
    tenant_id: str
    user_id: str
    purpose: TokenPurpose
    expires_at: datetime
    used_at: datetime | None = None

    def usable_at(self, moment: datetime) -> bool:
        """Not used and not expired."""
        return self.used_at is None and moment < self.expires_at
