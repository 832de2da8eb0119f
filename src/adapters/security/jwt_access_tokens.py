"""The AccessTokenCodec port over PyJWT: HS256-signed JWTs (RFC 9068 ``at+jwt``).

Only HS256 is ever accepted, whatever a token's header says, so "alg": "none" and
HS/RS confusion are ruled out. Time is checked against the ``now`` the caller passes,
never the machine clock, so tests and use cases agree on what "expired" means.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from jwt.algorithms import HMACAlgorithm

from funflights_core.access_token import AccessClaims
from funflights_core.errors import InvalidToken
from funflights_core.role import Role

ALGORITHM = "HS256"
TOKEN_TYPE = "at+jwt"
MIN_SECRET_BYTES = 32
"""RFC 7518 section 3.2: an HS256 key must be at least as long as the hash output."""
MAX_CLOCK_SKEW = timedelta(seconds=60)
"""How far in the future ``iat`` may be: another instance's clock may run a little ahead."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_SECOND = timedelta(seconds=1)
_REQUIRED = ["exp", "iat", "sub", "tid", "jti", "fam", "roles", "iss", "aud"]
_ROLES_BY_VALUE = {role.value: role for role in Role}


def _to_numeric_date(moment: datetime, name: str) -> int:
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    # Exact integer arithmetic: float timestamps can round a whole second the wrong way.
    return (moment - _EPOCH) // _ONE_SECOND


def _from_numeric_date(payload: Mapping[str, Any], claim: str) -> datetime:
    value = payload[claim]
    # bool is an int subclass; a float would be a token we never issue.
    if type(value) is not int:
        raise InvalidToken("malformed token")
    try:
        return _EPOCH + timedelta(seconds=value)
    except OverflowError:
        raise InvalidToken("malformed token") from None


def _non_empty_str(payload: Mapping[str, Any], claim: str) -> str:
    value = payload[claim]
    if not isinstance(value, str) or not value:
        raise InvalidToken("malformed token")
    return value


def _roles(payload: Mapping[str, Any]) -> frozenset[Role]:
    values = payload["roles"]
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise InvalidToken("malformed token")
    try:
        return frozenset(_ROLES_BY_VALUE[value] for value in values)
    except KeyError:
        raise InvalidToken("unknown role") from None


class JwtAccessTokens:
    """Issues and verifies HS256 access tokens for one issuer and audience."""

    def __init__(self, *, secret: str, issuer: str, audience: str) -> None:
        key = secret.encode("utf-8")
        if len(key) < MIN_SECRET_BYTES:
            raise ValueError(f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes")
        try:
            HMACAlgorithm(HMACAlgorithm.SHA256).prepare_key(key)
        except jwt.InvalidKeyError:
            # Fail at start-up, not on the first login.
            raise ValueError(
                "the JWT secret looks like a PEM/SSH/JWK key; use random bytes instead"
            ) from None
        if not issuer or not audience:
            raise ValueError("the JWT issuer and audience must not be empty")
        self._key = key
        self._issuer = issuer
        self._audience = audience

    def __repr__(self) -> str:
        # The default repr would not show the secret either, but say so explicitly.
        return f"JwtAccessTokens(issuer={self._issuer!r}, audience={self._audience!r})"

    def issue(self, claims: AccessClaims) -> str:
        """The signed token for the claims; datetimes must be aware and are cut to seconds."""
        ids = {
            "subject": claims.subject,
            "tenant_id": claims.tenant_id,
            "token_id": claims.token_id,
            "family_id": claims.family_id,
        }
        for name, value in ids.items():
            if not value:
                raise ValueError(f"{name} must not be empty")
        payload = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": claims.subject,
            "tid": claims.tenant_id,
            "roles": sorted(role.value for role in claims.roles),
            "iat": _to_numeric_date(claims.issued_at, "issued_at"),
            "exp": _to_numeric_date(claims.expires_at, "expires_at"),
            "jti": claims.token_id,
            "fam": claims.family_id,
            "mfa": claims.mfa,
        }
        return jwt.encode(payload, self._key, algorithm=ALGORITHM, headers={"typ": TOKEN_TYPE})

    def verify(self, token: str, *, now: datetime) -> AccessClaims:
        """The claims of a valid, unexpired token; raises ``InvalidToken`` saying what is wrong."""
        if now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        payload = self._decode(token)
        issued_at = _from_numeric_date(payload, "iat")
        expires_at = _from_numeric_date(payload, "exp")
        # Zero leeway: a token is dead at its exp second, as RFC 7519 section 4.1.4 says.
        if now >= expires_at:
            raise InvalidToken("token expired")
        if issued_at > now + MAX_CLOCK_SKEW:
            raise InvalidToken("token issued in the future")
        if "nbf" in payload and _from_numeric_date(payload, "nbf") > now:
            raise InvalidToken("token not yet valid")
        mfa = payload.get("mfa", False)
        if not isinstance(mfa, bool):
            raise InvalidToken("malformed token")
        return AccessClaims(
            subject=_non_empty_str(payload, "sub"),
            tenant_id=_non_empty_str(payload, "tid"),
            roles=_roles(payload),
            issued_at=issued_at,
            expires_at=expires_at,
            token_id=_non_empty_str(payload, "jti"),
            family_id=_non_empty_str(payload, "fam"),
            mfa=mfa,
        )

    def _decode(self, token: str) -> dict[str, Any]:
        # PyJWT's messages can quote the token's own content: only fixed reasons go out.
        try:
            decoded = jwt.decode_complete(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                options={
                    "require": _REQUIRED,
                    "strict_aud": True,
                    # PyJWT would read the machine clock for these; verify() uses ``now``.
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "enforce_minimum_key_length": True,
                },
            )
        except jwt.InvalidAlgorithmError:
            raise InvalidToken("unsupported algorithm") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("bad signature") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("wrong audience") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("wrong issuer") from None
        except jwt.MissingRequiredClaimError as exc:
            # exc.claim is one of _REQUIRED, never the token's content.
            raise InvalidToken(f"missing claim {exc.claim}") from None
        except jwt.InvalidTokenError:
            raise InvalidToken("malformed token") from None
        except (ValueError, TypeError):
            # Belt and braces: PyJWT wraps these itself, but a token must never cause a 500.
            raise InvalidToken("malformed token") from None
        if decoded["header"].get("typ") != TOKEN_TYPE:
            # Another kind of JWT signed with the same key must not pass as an access token.
            raise InvalidToken("wrong token type")
        payload: dict[str, Any] = decoded["payload"]
        return payload
