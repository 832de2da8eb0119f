"""ID tokens from external OpenID Connect issuers: keys the tests make, no network."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from adapters.security.oidc_verifier import OidcTokenVerifier
from funflights_core.errors import InvalidToken
from funflights_core.tenant import OidcIssuer
from oidc_keys import ISSUER, KEY, NOW, OTHER_KEY, id_token, jwks


def issuer(**changes: Any) -> OidcIssuer:
    values = {"issuer": ISSUER, "audience": "funflights", "jwks": jwks()}
    return OidcIssuer(**{**values, **changes})


@pytest.fixture
def verifier() -> OidcTokenVerifier:
    return OidcTokenVerifier(
        httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    )


async def test_a_valid_token_gives_the_identity(verifier: OidcTokenVerifier) -> None:
    identity = await verifier.verify(issuer(), id_token(), now=NOW)

    assert (identity.subject, identity.email, identity.email_verified, identity.name) == (
        "user-42",
        "Ada@Acme.example",
        True,
        "Ada",
    )


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (id_token(exp=int(NOW.timestamp())), "expired"),
        (id_token(aud="someone-else"), "audience"),
        (id_token(iss="https://evil.example"), "issuer"),
        (id_token(OTHER_KEY), "signature"),
        (id_token(kid="k9"), "unknown key"),
        (id_token(iat=int((NOW + timedelta(hours=1)).timestamp())), "future"),
        (id_token(email=None), "no email"),
        ("not-a-token", "malformed"),
    ],
)
async def test_bad_tokens_are_refused(verifier: OidcTokenVerifier, token: str, reason: str) -> None:
    with pytest.raises(InvalidToken, match=reason):
        await verifier.verify(issuer(), token, now=NOW)


async def test_hmac_with_the_public_key_is_refused(verifier: OidcTokenVerifier) -> None:
    public_pem = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # PyJWT refuses to sign with a PEM as HMAC key, so the attacker's token is made by hand.
    forged = _hs256_by_hand(public_pem)

    with pytest.raises(InvalidToken, match="algorithm"):
        await verifier.verify(issuer(), forged, now=NOW)


def _hs256_by_hand(secret: bytes) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    body = b64(
        json.dumps(
            {
                "iss": ISSUER,
                "aud": "funflights",
                "sub": "x",
                "email": "x@acme.example",
                "iat": 1,
                "exp": 2_000_000_000,
            }
        ).encode()
    )
    signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64(signature)}"


async def test_keys_are_fetched_from_the_jwks_url_once() -> None:
    fetched: list[str] = []

    def serve(request: httpx.Request) -> httpx.Response:
        fetched.append(str(request.url))
        return httpx.Response(200, text=jwks())

    verifier = OidcTokenVerifier(httpx.AsyncClient(transport=httpx.MockTransport(serve)))
    by_url = issuer(jwks=None, jwks_url="https://id.acme.example/jwks")

    for _ in range(3):
        await verifier.verify(by_url, id_token(), now=NOW)

    assert fetched == ["https://id.acme.example/jwks"]


async def test_an_unreachable_key_set_is_a_clear_refusal(verifier: OidcTokenVerifier) -> None:
    by_url = issuer(jwks=None, jwks_url="https://id.acme.example/jwks")

    with pytest.raises(InvalidToken, match="cannot be fetched"):
        await verifier.verify(by_url, id_token(), now=NOW)
