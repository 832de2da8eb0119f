"""JwtAccessTokens: round trips, expiry against an injected now, and every forgery we know of."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given
from hypothesis import strategies as st

from adapters.security.jwt_access_tokens import JwtAccessTokens
from funflights_core.access_token import AccessClaims
from funflights_core.errors import InvalidToken
from funflights_core.role import Role

SECRET = "test-secret-0123456789abcdef-0123456789"
ISSUER = "https://funflights.test"
AUDIENCE = "funflights-api"
ISSUED = datetime(2030, 1, 1, tzinfo=UTC)
EXPIRES = ISSUED + timedelta(minutes=15)
HEADER = {"alg": "HS256", "typ": "at+jwt"}
CLAIMS = AccessClaims(
    subject="user-1",
    tenant_id="tenant-1",
    roles=frozenset({Role.STAFF, Role.CUSTOMER}),
    issued_at=ISSUED,
    expires_at=EXPIRES,
    token_id="token-1",
    family_id="family-1",
    mfa=True,
)


@pytest.fixture
def codec() -> JwtAccessTokens:
    return JwtAccessTokens(secret=SECRET, issuer=ISSUER, audience=AUDIENCE)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(value: object) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def payload_of(token: str) -> dict[str, Any]:
    segment = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    )
    return decoded


def hand_signed(header: dict[str, Any], payload: dict[str, Any], key: bytes) -> str:
    """A token built without PyJWT, so nothing stops us signing what an attacker would."""
    signing_input = f"{b64url_json(header)}.{b64url_json(payload)}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def signed(payload: dict[str, Any], *, header: dict[str, Any] = HEADER) -> str:
    """A token signed with our own secret, carrying whatever we put in it."""
    return hand_signed(header, payload, SECRET.encode())


def valid_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "tid": "tenant-1",
        "roles": ["customer"],
        "iat": int(ISSUED.timestamp()),
        "exp": int(EXPIRES.timestamp()),
        "jti": "token-1",
        "fam": "family-1",
        "mfa": False,
    }
    payload.update(changes)
    return {key: value for key, value in payload.items() if value is not None}


def flip(text: str, index: int) -> str:
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


def reason(codec: JwtAccessTokens, token: str, *, now: datetime = ISSUED) -> str:
    with pytest.raises(InvalidToken) as caught:
        codec.verify(token, now=now)
    message = str(caught.value)
    assert token not in message or not token
    assert SECRET not in message
    return message


# Round trips and the wire format


def test_a_token_round_trips_its_claims(codec: JwtAccessTokens) -> None:
    assert codec.verify(codec.issue(CLAIMS), now=ISSUED) == CLAIMS


def test_verified_datetimes_are_aware_utc(codec: JwtAccessTokens) -> None:
    claims = codec.verify(codec.issue(CLAIMS), now=ISSUED)

    assert claims.issued_at.tzinfo is UTC
    assert claims.expires_at.tzinfo is UTC


def test_the_token_carries_the_documented_claims(codec: JwtAccessTokens) -> None:
    token = codec.issue(CLAIMS)

    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "at+jwt"}
    assert payload_of(token) == {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "tid": "tenant-1",
        "roles": ["customer", "staff"],
        "iat": 1893456000,
        "exp": 1893456900,
        "jti": "token-1",
        "fam": "family-1",
        "mfa": True,
    }


def test_aware_datetimes_in_other_zones_are_the_same_instant(codec: JwtAccessTokens) -> None:
    plus_two = timezone(timedelta(hours=2))
    claims = attrs.evolve(
        CLAIMS, issued_at=ISSUED.astimezone(plus_two), expires_at=EXPIRES.astimezone(plus_two)
    )

    assert payload_of(codec.issue(claims))["iat"] == 1893456000
    assert codec.verify(codec.issue(claims), now=ISSUED) == CLAIMS


def test_naive_datetimes_are_refused_at_issue(codec: JwtAccessTokens) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        codec.issue(attrs.evolve(CLAIMS, issued_at=datetime(2030, 1, 1)))


def test_a_naive_now_is_refused_at_verify(codec: JwtAccessTokens) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        codec.verify(codec.issue(CLAIMS), now=datetime(2030, 1, 1))


def test_empty_ids_are_refused_at_issue(codec: JwtAccessTokens) -> None:
    with pytest.raises(ValueError, match="subject"):
        codec.issue(attrs.evolve(CLAIMS, subject=""))


def test_a_token_without_mfa_defaults_to_false(codec: JwtAccessTokens) -> None:
    payload = valid_payload()
    del payload["mfa"]

    claims = codec.verify(signed(payload), now=ISSUED)

    assert claims.mfa is False


# Time, always from the injected now


def test_a_token_is_expired_at_its_exp_second(codec: JwtAccessTokens) -> None:
    assert reason(codec, codec.issue(CLAIMS), now=EXPIRES) == "token expired"


def test_a_token_is_valid_one_second_before_exp(codec: JwtAccessTokens) -> None:
    assert codec.verify(codec.issue(CLAIMS), now=EXPIRES - timedelta(seconds=1)) == CLAIMS


def test_a_token_is_valid_a_microsecond_before_exp(codec: JwtAccessTokens) -> None:
    assert codec.verify(codec.issue(CLAIMS), now=EXPIRES - timedelta(microseconds=1)) == CLAIMS


def test_expiry_ignores_the_machine_clock(codec: JwtAccessTokens) -> None:
    long_ago = attrs.evolve(
        CLAIMS,
        issued_at=datetime(2001, 1, 1, tzinfo=UTC),
        expires_at=datetime(2001, 1, 1, 0, 15, tzinfo=UTC),
    )

    assert codec.verify(codec.issue(long_ago), now=datetime(2001, 1, 1, 0, 1, tzinfo=UTC))
    assert reason(codec, codec.issue(CLAIMS), now=datetime(2099, 1, 1, tzinfo=UTC)) == (
        "token expired"
    )


def test_iat_up_to_a_minute_ahead_is_tolerated(codec: JwtAccessTokens) -> None:
    token = codec.issue(CLAIMS)

    assert codec.verify(token, now=ISSUED - timedelta(seconds=60)) == CLAIMS
    assert reason(codec, token, now=ISSUED - timedelta(seconds=61)) == (
        "token issued in the future"
    )


def test_a_future_nbf_is_refused(codec: JwtAccessTokens) -> None:
    payload = valid_payload(nbf=int(ISSUED.timestamp()) + 1)
    token = signed(payload)

    assert reason(codec, token) == "token not yet valid"
    assert codec.verify(token, now=ISSUED + timedelta(seconds=1)).subject == "user-1"


# Tampering and forgery


def test_a_tampered_payload_fails_the_signature(codec: JwtAccessTokens) -> None:
    header, payload, signature = codec.issue(CLAIMS).split(".")

    assert reason(codec, f"{header}.{flip(payload, len(payload) // 2)}.{signature}") == (
        "bad signature"
    )


def test_a_payload_swapped_for_a_forged_one_fails_the_signature(codec: JwtAccessTokens) -> None:
    header, _, signature = codec.issue(CLAIMS).split(".")
    forged = b64url_json(valid_payload(roles=["admin", "tenant-admin"]))

    assert reason(codec, f"{header}.{forged}.{signature}") == "bad signature"


def test_a_tampered_signature_fails(codec: JwtAccessTokens) -> None:
    header, payload, signature = codec.issue(CLAIMS).split(".")

    # A middle character: the last one carries padding bits PyJWT might treat differently.
    assert reason(codec, f"{header}.{payload}.{flip(signature, 10)}") == "bad signature"


def test_a_token_signed_with_another_secret_fails(codec: JwtAccessTokens) -> None:
    other = JwtAccessTokens(secret=SECRET + "-other", issuer=ISSUER, audience=AUDIENCE)

    assert reason(codec, other.issue(CLAIMS)) == "bad signature"


def test_a_token_for_another_issuer_is_refused(codec: JwtAccessTokens) -> None:
    other = JwtAccessTokens(secret=SECRET, issuer="https://evil.test", audience=AUDIENCE)

    assert reason(codec, other.issue(CLAIMS)) == "wrong issuer"


def test_a_token_for_another_audience_is_refused(codec: JwtAccessTokens) -> None:
    other = JwtAccessTokens(secret=SECRET, issuer=ISSUER, audience="another-api")

    assert reason(codec, other.issue(CLAIMS)) == "wrong audience"


def test_an_audience_list_is_refused(codec: JwtAccessTokens) -> None:
    token = signed(valid_payload(aud=[AUDIENCE, "another-api"]))

    assert reason(codec, token) == "wrong audience"


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE", ""])
def test_an_unsigned_token_is_refused(codec: JwtAccessTokens, alg: str) -> None:
    header = b64url_json({**HEADER, "alg": alg})
    payload = b64url_json(valid_payload(roles=["admin"]))

    assert reason(codec, f"{header}.{payload}.") == "unsupported algorithm"


def test_a_token_without_alg_is_refused(codec: JwtAccessTokens) -> None:
    token = signed(valid_payload(), header={"typ": "at+jwt"})

    assert reason(codec, token) == "unsupported algorithm"


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_other_hmac_algorithms_are_refused_even_with_the_right_secret(
    codec: JwtAccessTokens, alg: str
) -> None:
    token = jwt.encode(valid_payload(), SECRET, algorithm=alg, headers={"typ": HEADER["typ"]})

    assert reason(codec, token) == "unsupported algorithm"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_an_rs256_token_is_refused(codec: JwtAccessTokens, rsa_key: rsa.RSAPrivateKey) -> None:
    token = jwt.encode(valid_payload(), rsa_key, algorithm="RS256", headers={"typ": HEADER["typ"]})

    assert reason(codec, token) == "unsupported algorithm"


@pytest.mark.parametrize("alg", ["HS256", "RS256"])
def test_hs_rs_confusion_with_the_public_key_as_hmac_secret_is_refused(
    codec: JwtAccessTokens, rsa_key: rsa.RSAPrivateKey, alg: str
) -> None:
    # The classic attack: HMAC-sign with the (public) RSA key in PEM form, hoping the verifier
    # feeds the same PEM to HMAC. Here only HS256 is allowed and only our secret verifies it.
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    token = hand_signed({**HEADER, "alg": alg}, valid_payload(roles=["admin"]), public_pem)

    expected = "bad signature" if alg == "HS256" else "unsupported algorithm"
    assert reason(codec, token) == expected


def test_a_public_key_pem_is_refused_as_the_secret(rsa_key: rsa.RSAPrivateKey) -> None:
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    with pytest.raises(ValueError, match="looks like a PEM"):
        JwtAccessTokens(secret=public_pem.decode(), issuer=ISSUER, audience=AUDIENCE)


def test_another_token_type_signed_with_our_secret_is_refused(codec: JwtAccessTokens) -> None:
    token = signed(valid_payload(), header={"alg": "HS256", "typ": "JWT"})

    assert reason(codec, token) == "wrong token type"


# Malformed content, validly signed


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "tid", "jti", "fam", "roles", "iss", "aud"])
def test_a_missing_claim_is_refused(codec: JwtAccessTokens, claim: str) -> None:
    payload = valid_payload()
    del payload[claim]
    token = signed(payload)

    assert reason(codec, token) == f"missing claim {claim}"


def test_an_unknown_role_is_refused(codec: JwtAccessTokens) -> None:
    token = signed(valid_payload(roles=["customer", "superuser"]))

    assert reason(codec, token) == "unknown role"


@pytest.mark.parametrize(
    "changes",
    [
        {"roles": "admin"},
        {"roles": [1]},
        {"roles": {"admin": True}},
        {"sub": 42},
        {"sub": ""},
        {"tid": ["tenant-1"]},
        {"tid": ""},
        {"jti": 7},
        {"fam": False},
        {"mfa": "yes"},
        {"mfa": 1},
        {"exp": "1893456900"},
        {"exp": 1893456900.5},
        {"exp": True},
        {"exp": 10**30},
        {"iat": -(10**15)},
        {"nbf": "soon"},
    ],
)
def test_ill_typed_claims_are_refused(codec: JwtAccessTokens, changes: dict[str, Any]) -> None:
    token = signed(valid_payload(**changes))

    assert reason(codec, token) == "malformed token"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "garbage",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "...",
        "Bearer abc",
        f"{b64url(b'[1,2]')}.{b64url_json({})}.",
        "é.é.é",
    ],
)
def test_garbage_is_a_malformed_token(codec: JwtAccessTokens, garbage: str) -> None:
    assert reason(codec, garbage) in {"malformed token", "unsupported algorithm"}


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b'"a string"', b"", b"\xff\xfe"])
def test_a_signed_payload_that_is_not_a_json_object_is_malformed(
    codec: JwtAccessTokens, payload: bytes
) -> None:
    signing_input = f"{b64url_json(HEADER)}.{b64url(payload)}"
    signature = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()

    assert reason(codec, f"{signing_input}.{b64url(signature)}") == "malformed token"


@given(st.text())
def test_no_string_makes_verify_raise_anything_but_invalid_token(garbage: str) -> None:
    codec = JwtAccessTokens(secret=SECRET, issuer=ISSUER, audience=AUDIENCE)

    with pytest.raises(InvalidToken):
        codec.verify(garbage, now=ISSUED)


# Construction


@pytest.mark.parametrize("secret", ["", "short", "x" * 31, "é" * 15])
def test_a_secret_shorter_than_32_bytes_is_refused(secret: str) -> None:
    with pytest.raises(ValueError, match="at least 32 bytes") as caught:
        JwtAccessTokens(secret=secret, issuer=ISSUER, audience=AUDIENCE)

    assert secret not in str(caught.value) or not secret


def test_a_32_byte_secret_is_enough() -> None:
    # Sixteen two-byte characters: the limit is on bytes, not characters.
    JwtAccessTokens(secret="é" * 16, issuer=ISSUER, audience=AUDIENCE)


def test_the_repr_hides_the_secret(codec: JwtAccessTokens) -> None:
    assert SECRET not in repr(codec)


# Any claims round-trip

ids = st.text(min_size=1, max_size=64)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
whole_seconds = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=offsets
).map(lambda moment: moment.replace(microsecond=0))


@st.composite
def access_claims(draw: st.DrawFn) -> AccessClaims:
    issued_at = draw(whole_seconds)
    lifetime = draw(st.integers(min_value=1, max_value=365 * 24 * 3600))
    return AccessClaims(
        subject=draw(ids),
        tenant_id=draw(ids),
        roles=draw(st.frozensets(st.sampled_from(Role))),
        issued_at=issued_at,
        expires_at=issued_at + timedelta(seconds=lifetime),
        token_id=draw(ids),
        family_id=draw(ids),
        mfa=draw(st.booleans()),
    )


@given(access_claims())
def test_any_claims_round_trip(claims: AccessClaims) -> None:
    codec = JwtAccessTokens(secret=SECRET, issuer=ISSUER, audience=AUDIENCE)

    verified = codec.verify(codec.issue(claims), now=claims.issued_at)

    assert verified == claims
    assert verified.issued_at.tzinfo is UTC
