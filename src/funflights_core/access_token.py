"""Short-lived access tokens: what they assert, and the port that signs and checks them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import attrs

from funflights_core.role import Role


@attrs.frozen
class AccessClaims:
    """Who the bearer is, in which tenant, with which roles, until when."""

    subject: str
    """The user's id."""
    tenant_id: str
    roles: frozenset[Role]
    issued_at: datetime
    expires_at: datetime
    token_id: str
    """Unique per token (``jti``), so one token can be revoked."""
    family_id: str
    """The refresh-token family (the login session) the token was issued under."""
    mfa: bool = False
    """Whether the login that issued the token passed a second factor."""


class AccessTokenCodec(Protocol):
    """Signs claims into a compact token and verifies tokens back into claims."""

    def issue(self, claims: AccessClaims) -> str:
        """The signed token for the claims."""
        ...

    def verify(self, token: str, *, now: datetime) -> AccessClaims:
        """The claims of a valid token; raises ``InvalidToken`` saying what is wrong."""
        ...
