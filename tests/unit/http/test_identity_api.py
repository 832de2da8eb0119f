"""The identity API end to end over fakes: what a client of /api/v1 sees."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pyotp
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from adapters.clocks import ManualClock
from adapters.identity.mailers import InMemoryMailer
from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from conftest import FLIGHTS1, fake_container
from entrypoints.http.app import create_app
from funflights_core.clock import Clock
from funflights_core.identity import IdentityService
from funflights_core.role import Role
from funflights_core.tenant import OidcIssuer
from funflights_core.tenant_admin import TenantAdmin, TenantFields
from oidc_keys import ISSUER, id_token, jwks

PASSWORD = "correct horse battery"
Client = TestClient[Litestar]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def container(clock: ManualClock) -> Any:
    return fake_container({"flights1": InMemoryRouteFeed(FLIGHTS1)}, clock=clock)


@pytest.fixture
def client(container: Any) -> Iterator[Client]:
    with TestClient(create_app(container, refresh_in_background=False)) as test_client:
        yield test_client


def register(client: Client, email: str = "ada@example.com", **body: Any) -> Any:
    return client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, **body})


def login(client: Client, email: str = "ada@example.com", **body: Any) -> Any:
    return client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD, **body})


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_register_verify_login_and_read_the_profile(client: Client, container: Any) -> None:
    created = register(client, full_name="Ada Lovelace")
    assert created.status_code == 201, created.text
    assert created.json()["email"] == "ada@example.com"
    assert created.json()["email_verified"] is False

    code = container.resolve(InMemoryMailer).last_code("ada@example.com")
    verified = client.post("/api/v1/auth/verify-email", json={"token": code})
    assert verified.status_code == 200
    assert verified.json()["email_verified"] is True

    tokens = login(client)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert (body["token_type"], body["expires_in"], body["mfa"]) == ("Bearer", 900, False)

    me = client.get("/api/v1/users/me", headers=bearer(body))
    assert me.status_code == 200
    assert me.json()["full_name"] == "Ada Lovelace"
    assert me.json()["roles"] == ["customer"]


def test_profile_changes_export_and_erasure(client: Client) -> None:
    register(client)
    tokens = login(client).json()

    changed = client.patch(
        "/api/v1/users/me",
        headers=bearer(tokens),
        json={
            "preferred_currency": "gbp",
            "language": "en_gb",
            "phone": "+44 20 7946 0000",
            "notification_channels": ["email", "sms"],
        },
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["preferred_currency"], changed.json()["language"]) == ("GBP", "en-GB")

    bad = client.patch("/api/v1/users/me", headers=bearer(tokens), json={"language": "english!"})
    assert bad.status_code == 422
    assert bad.json()["invalid-params"] == [
        {"name": "language", "reason": "use a language tag such as en or en-GB"}
    ]

    export = client.get("/api/v1/users/me/export", headers=bearer(tokens))
    assert export.status_code == 200
    assert export.json()["phone"] == "+44 20 7946 0000"
    assert "password_hash" not in export.json()
    assert export.json()["loyalty_ledger"] == []

    other_device = login(client).json()
    assert client.delete("/api/v1/users/me", headers=bearer(tokens)).status_code == 204
    assert client.get("/api/v1/users/me", headers=bearer(tokens)).status_code == 401
    assert client.get("/api/v1/users/me", headers=bearer(other_device)).status_code == 401
    assert login(client).status_code == 401
    assert register(client).status_code == 201  # the address is free again


def test_bad_input_names_the_field_and_stores_nothing(client: Client, container: Any) -> None:
    weak = register(client, password="short")
    assert weak.status_code == 422
    assert weak.headers["content-type"] == "application/problem+json"
    assert weak.json()["invalid-params"][0]["name"] == "password"

    unknown = client.post(
        "/api/v1/auth/register", json={"email": "a@example.com", "password": PASSWORD, "admin": 1}
    )
    assert unknown.status_code == 400
    not_json = client.post(
        "/api/v1/auth/register", content=b"{", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400

    assert container.resolve(InMemoryMailer).sent == []
    assert login(client, "a@example.com").status_code == 401


def test_wrong_credentials_and_throttling(client: Client) -> None:
    register(client)
    for _ in range(5):
        wrong = login(client, password="not my password")
        assert wrong.status_code == 401
        assert wrong.json()["type"] == "urn:funflights:problem:authentication-failed"
        assert wrong.headers["www-authenticate"].startswith("Bearer")

    throttled = login(client)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["retry-after"]) <= 900


def test_refresh_rotation_reuse_and_logout(client: Client) -> None:
    register(client)
    first = login(client).json()

    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    reused = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["type"] == "urn:funflights:problem:invalid-token"
    assert client.get("/api/v1/users/me", headers=bearer(second.json())).status_code == 401

    third = login(client).json()
    assert client.post("/api/v1/auth/logout", headers=bearer(third)).status_code == 204
    assert client.get("/api/v1/users/me", headers=bearer(third)).status_code == 401
    gone = client.post("/api/v1/auth/refresh", json={"refresh_token": third["refresh_token"]})
    assert gone.status_code == 401


@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer not.a.token", "Basic YWRhOnB3", "Bearer " + "x" * 50],
)
def test_malformed_authorization_is_a_401(client: Client, authorization: str) -> None:
    response = client.get("/api/v1/users/me", headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_password_reset(client: Client, container: Any) -> None:
    register(client)
    assert (
        client.post("/api/v1/auth/password-reset", json={"email": "ada@example.com"}).status_code
        == 202
    )
    assert (
        client.post("/api/v1/auth/password-reset", json={"email": "no@example.com"}).status_code
        == 202
    )
    code = container.resolve(InMemoryMailer).last_code("ada@example.com")

    done = client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": code, "password": "an entirely new passphrase"},
    )
    assert done.status_code == 204
    assert login(client).status_code == 401
    assert login(client, password="an entirely new passphrase").status_code == 200


async def make_admin(container: Any, email: str, tenant_id: str, role: Role) -> None:
    identity: IdentityService = container.resolve(IdentityService)
    tenant = await container.resolve(TenantAdmin).get(None, tenant_id)
    await identity.add_user(tenant, email=email, password=PASSWORD, roles=frozenset({role}))


def enrol(client: Client, clock: ManualClock, email: str) -> dict[str, Any]:
    """Sign in, enrol an authenticator, sign in again with it: tokens with mfa."""
    first = login(client, email).json()
    enrolment = client.post("/api/v1/users/me/totp", headers=bearer(first)).json()
    code = pyotp.TOTP(enrolment["secret"]).at(int(clock.now().timestamp()))
    confirm = client.post(
        "/api/v1/users/me/totp/confirm", headers=bearer(first), json={"code": code}
    )
    assert confirm.status_code == 204
    assert login(client, email).json()["type"] == "urn:funflights:problem:mfa-required"
    tokens = login(client, email, totp_code=code).json()
    assert tokens["mfa"] is True
    return tokens


async def test_tenant_administration_rights(
    client: Client, container: Any, clock: ManualClock
) -> None:
    await make_admin(container, "root@example.com", "default", Role.ADMIN)
    half_signed_in = login(client, "root@example.com").json()
    refused = client.get("/api/v1/tenants", headers=bearer(half_signed_in))
    assert refused.status_code == 403  # admins must use their second factor

    admin = enrol(client, clock, "root@example.com")
    created = client.post(
        "/api/v1/tenants",
        headers=bearer(admin),
        json={
            "id": "acme",
            "name": "Acme Travel",
            "domains": ["acme.example"],
            "default_currency": "GBP",
            "locale": "en-GB",
            "loyalty_programme": "Acme Miles",
            "point_value_usd": "0.0125",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["point_value_usd"] == "0.0125"
    assert [t["id"] for t in client.get("/api/v1/tenants", headers=bearer(admin)).json()] == [
        "acme",
        "default",
    ]

    await make_admin(container, "boss@acme.example", "acme", Role.TENANT_ADMIN)
    acme = login(
        client,
        "boss@acme.example",
    ).json()
    assert acme.get("type") == "urn:funflights:problem:authentication-failed"  # wrong host
    acme_host = {"Host": "acme.example"}
    acme = client.post(
        "/api/v1/auth/login",
        headers=acme_host,
        json={"email": "boss@acme.example", "password": PASSWORD},
    ).json()
    mine = client.get("/api/v1/tenants", headers={**bearer(acme), **acme_host})
    assert [t["id"] for t in mine.json()] == ["acme"]
    other = client.get("/api/v1/tenants/default", headers={**bearer(acme), **acme_host})
    assert other.status_code == 404
    patched = client.patch(
        "/api/v1/tenants/acme", headers={**bearer(acme), **acme_host}, json={"name": "Acme"}
    )
    assert patched.status_code == 200
    assert (
        client.post(
            "/api/v1/tenants", headers={**bearer(acme), **acme_host}, json={"id": "x"}
        ).status_code
        == 403
    )
    # acme's token on a host of the default tenant: the two disagree
    mismatch = client.get("/api/v1/tenants", headers={**bearer(acme), "Host": "localhost:8000"})
    assert mismatch.status_code == 403


async def test_sign_in_with_an_oidc_id_token(client: Client, container: Any) -> None:
    await container.resolve(TenantAdmin).create(
        None,
        "acme",
        TenantFields(
            name="Acme",
            domains=["acme.example"],
            default_currency="GBP",
            locale="en-GB",
            loyalty_programme="M",
            point_value_usd="0.01",
            auth_methods=["oidc", "password"],
            oidc=OidcIssuer(ISSUER, "funflights", jwks=jwks()),
        ),
    )
    acme = {"Host": "acme.example"}
    # the ID tokens of test_oidc_verifier are valid around 2030-01-01
    clock: ManualClock = container.resolve(Clock)
    clock.advance((datetime(2030, 1, 1, tzinfo=UTC) - clock.now()).total_seconds())

    first = client.post("/api/v1/auth/oidc", headers=acme, json={"id_token": id_token()})
    again = client.post("/api/v1/auth/oidc", headers=acme, json={"id_token": id_token()})
    unverified = client.post(
        "/api/v1/auth/oidc", headers=acme, json={"id_token": id_token(email_verified=False)}
    )
    elsewhere = client.post("/api/v1/auth/oidc", json={"id_token": id_token()})

    assert first.status_code == 200, first.text
    me = client.get("/api/v1/users/me", headers={**acme, **bearer(first.json())}).json()
    again_me = client.get("/api/v1/users/me", headers={**acme, **bearer(again.json())}).json()
    assert (me["email"], me["tenant_id"], me["full_name"]) == ("ada@acme.example", "acme", "Ada")
    assert again_me["id"] == me["id"]
    assert unverified.status_code == 401
    assert elsewhere.status_code == 403  # the default tenant does not accept OIDC


def _forged(tokens: dict[str, Any], change: str) -> str:
    """The access token with its header or payload altered (signature left as it was)."""
    header, payload, signature = tokens["access_token"].split(".")

    def decode(part: str) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(
            base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        )
        return decoded

    def encode(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    if change == "none":
        return f"{encode({**decode(header), 'alg': 'none'})}.{payload}."
    if change == "roles":
        return f"{header}.{encode({**decode(payload), 'roles': ['admin']})}.{signature}"
    if change == "tenant":
        return f"{header}.{encode({**decode(payload), 'tid': 'acme'})}.{signature}"
    raise ValueError(change)


@pytest.mark.parametrize("change", ["none", "roles", "tenant"])
def test_forged_tokens_are_refused(client: Client, change: str) -> None:
    register(client)
    tokens = login(client).json()

    response = client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {_forged(tokens, change)}"}
    )

    assert response.status_code == 401
    assert response.json()["type"] == "urn:funflights:problem:invalid-token"


def test_an_expired_token_is_refused(client: Client, container: Any) -> None:
    register(client)
    tokens = login(client).json()

    container.resolve(Clock).advance(900)

    expired = client.get("/api/v1/users/me", headers=bearer(tokens))
    assert expired.status_code == 401
    assert expired.json()["detail"] == "token expired"
