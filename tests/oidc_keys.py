"""Keys and ID tokens of a pretend OpenID Connect issuer, made by the tests (no network)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

NOW = datetime(2030, 1, 1, tzinfo=UTC)
ISSUER = "https://id.acme.example"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY = rsa_key()
OTHER_KEY = rsa_key()


def jwks(key: rsa.RSAPrivateKey = KEY, kid: str = "k1") -> str:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return json.dumps({"keys": [{**public, "kid": kid, "use": "sig", "alg": "RS256"}]})


def id_token(key: Any = KEY, *, algorithm: str = "RS256", kid: str = "k1", **claims: Any) -> str:
    payload = {
        "iss": ISSUER,
        "aud": "funflights",
        "sub": "user-42",
        "email": "Ada@Acme.example",
        "email_verified": True,
        "name": "Ada",
        "iat": int(NOW.timestamp()) - 10,
        "exp": int((NOW + timedelta(minutes=5)).timestamp()),
        **claims,
    }
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})
