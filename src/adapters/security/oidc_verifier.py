"""ExternalTokenVerifier over PyJWT: ID tokens signed with the issuer's JSON Web Keys."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt

from funflights_core.errors import InvalidToken
from funflights_core.external_identity import ExternalIdentity
from funflights_core.tenant import OidcIssuer

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
"""Asymmetric only: an issuer's public keys must never be usable as HMAC secrets."""

_KEYS_CACHE_S = 600.0
_SKEW = timedelta(seconds=60)


class OidcTokenVerifier:
    """Verifies ID tokens; keys come inline from the tenant or from its jwks_url (cached)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client
        self._fetched: dict[str, tuple[float, jwt.PyJWKSet]] = {}

    async def verify(self, issuer: OidcIssuer, token: str, *, now: datetime) -> ExternalIdentity:
        """The identity in a valid token; ``InvalidToken`` saying what is wrong otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("malformed ID token") from None
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken("unsupported ID token algorithm")
        key = await self._key(issuer, header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=ALGORITHMS,
                audience=issuer.audience,
                issuer=issuer.issuer,
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["exp", "iat", "sub", "iss", "aud"],
                },
            )
        except jwt.InvalidAudienceError:
            raise InvalidToken("ID token for another audience") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("ID token from another issuer") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("bad ID token signature") from None
        except jwt.PyJWTError:
            raise InvalidToken("malformed ID token") from None
        return _identity(issuer, claims, now)

    async def _key(self, issuer: OidcIssuer, kid: object) -> jwt.PyJWK:
        keys = await self._keys(issuer)
        candidates = [k for k in keys.keys if kid is None or k.key_id == kid]
        if len(candidates) != 1:
            raise InvalidToken("ID token signed with an unknown key")
        return candidates[0]

    async def _keys(self, issuer: OidcIssuer) -> jwt.PyJWKSet:
        if issuer.jwks is not None:
            return _key_set(issuer.jwks)
        url = issuer.jwks_url
        if url is None:
            raise InvalidToken("the tenant's issuer has no keys configured")
        cached = self._fetched.get(url)
        if cached is not None and time.monotonic() - cached[0] < _KEYS_CACHE_S:
            return cached[1]
        try:
            response = await self._client.get(url, timeout=5.0)
            response.raise_for_status()
            keys = _key_set(response.text)
        except httpx.HTTPError:
            raise InvalidToken("the issuer's keys cannot be fetched now") from None
        self._fetched[url] = (time.monotonic(), keys)
        return keys


def _key_set(text: str) -> jwt.PyJWKSet:
    try:
        return jwt.PyJWKSet.from_dict(json.loads(text))
    except (ValueError, jwt.PyJWTError):
        raise InvalidToken("the issuer's key set is not valid") from None


def _identity(issuer: OidcIssuer, claims: dict[str, Any], now: datetime) -> ExternalIdentity:
    expires, issued = claims.get("exp"), claims.get("iat")
    if not isinstance(expires, int) or not isinstance(issued, int):
        raise InvalidToken("malformed ID token")
    if now >= datetime.fromtimestamp(expires, UTC):
        raise InvalidToken("ID token expired")
    if datetime.fromtimestamp(issued, UTC) > now + _SKEW:
        raise InvalidToken("ID token issued in the future")
    subject, email = claims.get("sub"), claims.get("email")
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("malformed ID token")
    if not isinstance(email, str) or not email:
        raise InvalidToken("the ID token carries no email address")
    name = claims.get("name")
    return ExternalIdentity(
        issuer=issuer.issuer,
        subject=subject,
        email=email,
        email_verified=claims.get("email_verified") is True,
        name=name if isinstance(name, str) else "",
    )
