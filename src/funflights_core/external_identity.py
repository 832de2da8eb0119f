"""Sign-in with an external OpenID Connect provider: the port that verifies its ID tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import attrs

from funflights_core.tenant import OidcIssuer


@attrs.frozen
class ExternalIdentity:
    """Who an external issuer says the bearer of an ID token is."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str = ""


class ExternalTokenVerifier(Protocol):
    """Checks an ID token against a tenant's issuer and its published keys."""

    async def verify(self, issuer: OidcIssuer, token: str, *, now: datetime) -> ExternalIdentity:
        """The identity in a valid token; ``InvalidToken`` saying what is wrong otherwise."""
        ...
