"""Refresh tokens: one use each, rotated on use, grouped in families (one per login)."""

from __future__ import annotations

from datetime import datetime

import attrs


@attrs.frozen
class RefreshToken:
    """A stored refresh token (its digest only). A family is the chain of one login session.

    Each use replaces the token with a new one in the same family. Presenting a token that
    was already replaced means a copy of it leaked: the whole family is revoked.
    """

    id: str
    tenant_id: str
    user_id: str
    family_id: str
    digest: str
    issued_at: datetime
    expires_at: datetime
    mfa: bool = False
    """Whether the login that started the family passed a second factor."""
    replaced_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable_at(self, moment: datetime) -> bool:
        """Neither expired, replaced nor revoked."""
        return self.replaced_at is None and self.revoked_at is None and moment < self.expires_at
