"""Reseller API keys end to end: issued once, scoped, metered, revocable, tenant-bound."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from adapters.clocks import ManualClock
from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from conftest import FLIGHTS1, fake_container
from entrypoints.http.app import create_app
from funflights_core.identity import IdentityService
from funflights_core.role import Role
from funflights_core.tenant_admin import TenantAdmin, TenantFields

PASSWORD = "correct horse battery"
Client = TestClient[Litestar]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def client(clock: ManualClock) -> Iterator[Client]:
    container = fake_container({"flights1": InMemoryRouteFeed(FLIGHTS1)}, clock=clock)
    identity: IdentityService = container.resolve(IdentityService)
    tenant_admin: TenantAdmin = container.resolve(TenantAdmin)
    with TestClient(create_app(container, refresh_in_background=False)) as test_client:
        portal = test_client.blocking_portal
        default = portal.call(tenant_admin.get, None, "default")
        portal.call(
            lambda: identity.add_user(
                default,
                email="boss@example.com",
                password=PASSWORD,
                roles=frozenset({Role.TENANT_ADMIN}),
            )
        )
        portal.call(
            tenant_admin.create,
            None,
            "acme",
            TenantFields(
                name="Acme",
                domains=["acme.example"],
                default_currency="GBP",
                locale="en",
                loyalty_programme="M",
                point_value_usd="0.01",
            ),
        )
        yield test_client


def admin(client: Client) -> dict[str, str]:
    tokens = client.post(
        "/api/v1/auth/login", json={"email": "boss@example.com", "password": PASSWORD}
    ).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def issue(client: Client, **body: Any) -> Any:
    payload = {"name": "Agency X", "scopes": ["search"], **body}
    return client.post("/api/v1/api-keys", headers=admin(client), json=payload)


def test_a_key_is_shown_once_and_listed_by_prefix(client: Client) -> None:
    issued = issue(client, scopes=["search", "read-bookings"])

    assert issued.status_code == 201, issued.text
    secret = issued.json()["key"]
    prefix = issued.json()["api_key"]["prefix"]
    assert secret.startswith(prefix + "_")
    listed = client.get("/api/v1/api-keys", headers=admin(client))
    assert secret not in listed.text
    assert [k["prefix"] for k in listed.json()] == [prefix]
    assert listed.json()[0]["scopes"] == ["read-bookings", "search"]


def test_a_key_with_the_search_scope_reads_routes_and_is_counted(client: Client) -> None:
    issued = issue(client).json()
    key = {"X-API-Key": issued["key"]}

    for _ in range(3):
        assert client.get("/routes", params={"source": "JFK"}, headers=key).status_code == 200

    usage = client.get(f"/api/v1/api-keys/{issued['api_key']['id']}", headers=admin(client)).json()
    # Requests are taken from the shared counters in blocks (a twentieth of the limit, at
    # most 50): usage counts the requests made and at most one block more.
    assert 3 <= usage["requests_this_minute"] <= 3 + 3
    assert 3 <= usage["requests_today"] <= 3 + 50


def test_a_key_without_the_scope_is_refused(client: Client) -> None:
    key = {"X-API-Key": issue(client, scopes=["read-bookings"]).json()["key"]}

    refused = client.get("/routes", headers=key)

    assert refused.status_code == 403
    assert "search" in refused.json()["detail"]


@pytest.mark.parametrize("value", ["nonsense", "ffk_00000000_" + "x" * 43, ""])
def test_an_unknown_key_is_a_401(client: Client, value: str) -> None:
    response = client.get("/routes", headers={"X-API-Key": value})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_the_rate_limit_answers_429_with_retry_after(client: Client, clock: ManualClock) -> None:
    key = {"X-API-Key": issue(client, rate_limit_per_minute=2).json()["key"]}

    codes = [client.get("/routes", headers=key).status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    limited = client.get("/routes", headers=key)
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    clock.advance(61)
    assert client.get("/routes", headers=key).status_code == 200


def test_the_daily_quota_answers_429(client: Client, clock: ManualClock) -> None:
    key = {"X-API-Key": issue(client, daily_quota=2).json()["key"]}

    codes = [client.get("/routes", headers=key).status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    assert int(client.get("/routes", headers=key).headers["retry-after"]) > 3600


def test_revoked_and_expired_keys_stop_working(client: Client, clock: ManualClock) -> None:
    revoked = issue(client).json()
    expiring = issue(client, expires_at=(clock.now() + timedelta(hours=1)).isoformat()).json()

    deleted = client.delete(f"/api/v1/api-keys/{revoked['api_key']['id']}", headers=admin(client))
    assert deleted.status_code == 204
    assert client.get("/routes", headers={"X-API-Key": revoked["key"]}).status_code == 401
    assert client.get("/routes", headers={"X-API-Key": expiring["key"]}).status_code == 200
    clock.advance(3601)
    assert client.get("/routes", headers={"X-API-Key": expiring["key"]}).status_code == 401


def test_a_key_cannot_be_used_on_another_tenants_host(client: Client) -> None:
    key = issue(client).json()["key"]

    response = client.get("/routes", headers={"X-API-Key": key, "Host": "acme.example"})

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scopes": ["fly"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"name": " "}, "name"),
        ({"rate_limit_per_minute": 0}, "rate_limit_per_minute"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
    ],
)
def test_bad_key_requests_name_the_field_and_store_nothing(
    client: Client, body: dict[str, Any], field: str
) -> None:
    response = issue(client, **body)

    assert response.status_code == 422
    assert response.json()["invalid-params"][0]["name"] == field
    assert client.get("/api/v1/api-keys", headers=admin(client)).json() == []


def test_a_replacement_key_takes_over_the_account_of_the_key_it_replaces(client: Client) -> None:
    first = issue(client, scopes=["book"]).json()["api_key"]
    assert first["account"] == first["id"]
    client.delete(f"/api/v1/api-keys/{first['id']}", headers=admin(client))

    second = issue(client, scopes=["book"], replaces=first["id"])
    third = issue(client, scopes=["book"], replaces=second.json()["api_key"]["id"])
    unknown = issue(client, scopes=["book"], replaces="no-such-key")

    assert second.status_code == 201, second.text
    assert second.json()["api_key"]["account"] == first["id"]
    assert third.json()["api_key"]["account"] == first["id"]  # down the chain
    assert unknown.status_code == 422
    assert unknown.json()["invalid-params"][0]["name"] == "replaces"
