"""Every endpoint of /api/v1 against every kind of caller: exactly the access each should have.

A new endpoint must be added to ``ENDPOINTS`` (the last test fails until it is).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import pyotp
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
ACME_HOST = "acme.example"


@attrs.frozen
class Caller:
    """Headers a kind of caller sends, and which tenant it belongs to."""

    headers: dict[str, str]
    tenant: str


@attrs.frozen
class Endpoint:
    method: str
    path: str
    body: dict[str, Any] | None = None
    template: str | None = None
    """The OpenAPI path, when ``path`` fills in a parameter."""
    content: bytes | None = None
    """A raw body (sent as JSON Lines) instead of ``body``."""


RULES = "/api/v1/admin/margin-rules"
COUPONS = "/api/v1/admin/coupons"
ENDPOINTS = {
    "me": Endpoint("GET", "/api/v1/users/me"),
    "update-me": Endpoint("PATCH", "/api/v1/users/me", {"full_name": "Someone"}),
    "export-me": Endpoint("GET", "/api/v1/users/me/export"),
    "list-tenants": Endpoint("GET", "/api/v1/tenants"),
    "create-tenant": Endpoint(
        "POST",
        "/api/v1/tenants",
        {
            "id": "globex",
            "name": "Globex",
            "default_currency": "USD",
            "locale": "en",
            "loyalty_programme": "G",
            "point_value_usd": "0.01",
        },
    ),
    "get-acme": Endpoint("GET", "/api/v1/tenants/acme", template="/api/v1/tenants/{tenant_id}"),
    "get-default": Endpoint(
        "GET", "/api/v1/tenants/default", template="/api/v1/tenants/{tenant_id}"
    ),
    "patch-acme": Endpoint(
        "PATCH",
        "/api/v1/tenants/acme",
        {"loyalty_programme": "Acme Points"},
        template="/api/v1/tenants/{tenant_id}",
    ),
    "patch-default": Endpoint(
        "PATCH",
        "/api/v1/tenants/default",
        {"loyalty_programme": "X"},
        template="/api/v1/tenants/{tenant_id}",
    ),
    "start-totp": Endpoint("POST", "/api/v1/users/me/totp"),
    "list-keys": Endpoint("GET", "/api/v1/api-keys"),
    "issue-key": Endpoint("POST", "/api/v1/api-keys", {"name": "Agency", "scopes": ["search"]}),
    "import-acme": Endpoint(
        "POST",
        "/api/v1/tenants/acme/imports",
        content=b'{"external_id": "x-1", "email": "imported@acme.example"}\n',
        template="/api/v1/tenants/{tenant_id}/imports",
    ),
    "get-key": Endpoint("GET", "/api/v1/api-keys/nope", template="/api/v1/api-keys/{key_id}"),
    "revoke-key": Endpoint("DELETE", "/api/v1/api-keys/nope", template="/api/v1/api-keys/{key_id}"),
    "list-rules": Endpoint("GET", RULES),
    "create-rule": Endpoint("POST", RULES, {"carrier": "BA", "percent": "5"}),
    "get-rule": Endpoint("GET", f"{RULES}/nope", template=f"{RULES}/{{rule_id}}"),
    "patch-rule": Endpoint(
        "PATCH", f"{RULES}/nope", {"percent": "6"}, template=f"{RULES}/{{rule_id}}"
    ),
    "delete-rule": Endpoint("DELETE", f"{RULES}/nope", template=f"{RULES}/{{rule_id}}"),
    "rule-history": Endpoint(
        "GET", f"{RULES}/nope/history", template=f"{RULES}/{{rule_id}}/history"
    ),
    "explain": Endpoint(
        "GET",
        f"{RULES}/explain?carrier=BA&flight_number=117&origin=LHR&destination=JFK"
        "&departure=2026-12-24",
        template=f"{RULES}/explain",
    ),
    "list-coupons": Endpoint("GET", COUPONS),
    "create-coupon": Endpoint("POST", COUPONS, {"code": "WELCOME10", "percent_off": "10"}),
    "get-coupon": Endpoint("GET", f"{COUPONS}/NOPE", template=f"{COUPONS}/{{code}}"),
    "patch-coupon": Endpoint(
        "PATCH", f"{COUPONS}/NOPE", {"total_uses": 5}, template=f"{COUPONS}/{{code}}"
    ),
    "delete-coupon": Endpoint("DELETE", f"{COUPONS}/NOPE", template=f"{COUPONS}/{{code}}"),
    "coupon-history": Endpoint(
        "GET", f"{COUPONS}/NOPE/history", template=f"{COUPONS}/{{code}}/history"
    ),
    "quote": Endpoint(
        "POST",
        "/api/v1/pricing/quote",
        {
            "carrier": "BA",
            "flight_number": "117",
            "origin": "LHR",
            "destination": "JFK",
            "departure": "2026-12-24",
            "quotes": [{"provider": "p", "base_fare": "400", "taxes": "80", "currency": "EUR"}],
        },
    ),
    "currencies": Endpoint("GET", "/api/v1/currencies"),
    "fx-rates": Endpoint("GET", "/api/v1/fx/rates?base=USD", template="/api/v1/fx/rates"),
    "loyalty-me": Endpoint("GET", "/api/v1/loyalty/me"),
    "search-flights": Endpoint(
        "GET",
        "/api/v1/flights/search?origin=LHR&destination=JFK&date=2026-12-24",
        template="/api/v1/flights/search",
    ),
    "multi-city": Endpoint(
        "POST",
        "/api/v1/flights/search",
        {"slices": [{"origin": "LHR", "destination": "JFK", "date": "2026-12-24"}]},
    ),
    "make-offer": Endpoint("POST", "/api/v1/offers", {"flight_ids": ["BA1-LHR-20261224"]}),
    "get-offer": Endpoint("GET", "/api/v1/offers/nope", template="/api/v1/offers/{offer_id}"),
    "price-offer": Endpoint(
        "POST", "/api/v1/offers/nope/price", template="/api/v1/offers/{offer_id}/price"
    ),
    "availability": Endpoint(
        "GET",
        "/api/v1/flights/BA1-LHR-20261224/availability",
        template="/api/v1/flights/{flight_id}/availability",
    ),
    "add-flight": Endpoint(
        "POST",
        "/api/v1/admin/flights",
        {
            "marketing_carrier": "BA",
            "flight_number": "9999",
            "legs": [
                {
                    "origin": "LHR",
                    "destination": "JFK",
                    "departs_at": "2026-12-24T10:00:00Z",
                    "arrives_at": "2026-12-24T18:00:00Z",
                }
            ],
            "cabins": [{"cabin": "economy", "capacity": 100}],
        },
    ),
    "change-flight": Endpoint(
        "PATCH",
        "/api/v1/admin/flights/nope",
        {"status": "cancelled"},
        template="/api/v1/admin/flights/{flight_id}",
    ),
    "delete-flight": Endpoint(
        "DELETE", "/api/v1/admin/flights/nope", template="/api/v1/admin/flights/{flight_id}"
    ),
    "get-flight": Endpoint(
        "GET", "/api/v1/flights/BA1-LHR-20261224", template="/api/v1/flights/{flight_id}"
    ),
    "hold": Endpoint(
        "POST",
        "/api/v1/bookings",
        {
            "offer_id": "nope",
            "travellers": [{"given_names": "A", "family_name": "B", "born": "1990-01-01"}],
        },
    ),
    "trips": Endpoint("GET", "/api/v1/bookings"),
    "get-booking": Endpoint(
        "GET", "/api/v1/bookings/nope", template="/api/v1/bookings/{booking_id}"
    ),
    "pay": Endpoint(
        "POST",
        "/api/v1/bookings/nope/payment",
        {"method": "card"},
        template="/api/v1/bookings/{booking_id}/payment",
    ),
    "continue-payment": Endpoint(
        "POST",
        "/api/v1/bookings/nope/payment/continue",
        {"response": {"result": "pass"}},
        template="/api/v1/bookings/{booking_id}/payment/continue",
    ),
    "cancellation-quote": Endpoint(
        "POST",
        "/api/v1/bookings/nope/cancellation-quote",
        {},
        template="/api/v1/bookings/{booking_id}/cancellation-quote",
    ),
    "cancel": Endpoint(
        "POST",
        "/api/v1/bookings/nope/cancellation",
        {"quote_id": "q"},
        template="/api/v1/bookings/{booking_id}/cancellation",
    ),
    "change": Endpoint(
        "POST",
        "/api/v1/bookings/nope/change",
        {"offer_id": "o"},
        template="/api/v1/bookings/{booking_id}/change",
    ),
    "payment-methods": Endpoint("GET", "/api/v1/payments/methods"),
    "webhook": Endpoint(
        "POST",
        "/api/v1/payments/webhooks/card",
        {"id": "e-1"},
        template="/api/v1/payments/webhooks/{method}",
    ),
}

# Expected status per (caller, endpoint). Unlisted pairs are covered by the defaults below.
SIGNED_IN_ONLY = {
    "me": 200,
    "update-me": 200,
    "export-me": 200,
    "start-totp": 201,
    "loyalty-me": 200,
}
OPEN = {
    "quote": 200,
    "currencies": 200,
    "fx-rates": 200,
    "search-flights": 200,
    "multi-city": 200,
    "get-flight": 404,
    "availability": 404,
    "make-offer": 422,
    "get-offer": 404,
    "price-offer": 404,
    "payment-methods": 200,
    "webhook": 400,
}
"""Prices and rates: anyone, and resellers' keys with the search scope."""
CUSTOMERS = {
    "hold": 404,
    "trips": 200,
    "get-booking": 404,
    "pay": 404,
    "continue-payment": 404,
    "cancellation-quote": 404,
    "cancel": 404,
    "change": 404,
}
"""Bookings: any signed-in user's own (anonymous callers are told to sign in)."""
PRICING_STAFF = {
    "list-rules": 200,
    "create-rule": 201,
    "get-rule": 404,
    "patch-rule": 404,
    "delete-rule": 404,
    "rule-history": 404,
    "explain": 200,
    "list-coupons": 200,
    "create-coupon": 201,
    "get-coupon": 404,
    "patch-coupon": 404,
    "delete-coupon": 404,
    "coupon-history": 404,
}
NOT_STAFF = dict.fromkeys(PRICING_STAFF, 403)
INVENTORY_STAFF = {"add-flight": 201, "change-flight": 404, "delete-flight": 404}
"""The platform's staff only: staff of the default tenant."""
NOT_STAFF |= dict.fromkeys(INVENTORY_STAFF, 403)
NOT_AN_ADMIN = {
    "list-tenants": 403,
    "create-tenant": 403,
    "get-acme": 403,
    "get-default": 403,
    "patch-acme": 403,
    "patch-default": 403,
    "list-keys": 403,
    "issue-key": 403,
    "get-key": 403,
    "revoke-key": 403,
    "import-acme": 403,
}
KEY_ADMIN = {
    "list-keys": 200,
    "issue-key": 201,
    "get-key": 404,
    "revoke-key": 404,
    "import-acme": 200,
}
NO_ADMIN = {**SIGNED_IN_ONLY, **NOT_AN_ADMIN, **NOT_STAFF, **OPEN, **CUSTOMERS}
EXPECTED: dict[str, dict[str, int]] = {
    "anonymous": {**dict.fromkeys(ENDPOINTS, 401), **OPEN},
    "customer": NO_ADMIN,
    "acme-customer": NO_ADMIN,
    "reseller": NO_ADMIN,
    "staff-without-second-factor": NO_ADMIN,
    "admin-without-second-factor": NO_ADMIN,
    "platform-admin": {
        **SIGNED_IN_ONLY,
        **CUSTOMERS,
        **PRICING_STAFF,
        **INVENTORY_STAFF,
        **OPEN,
        "start-totp": 409,
        "list-tenants": 200,
        "create-tenant": 201,
        "get-acme": 200,
        "get-default": 200,
        "patch-acme": 200,
        "patch-default": 200,
        **KEY_ADMIN,
    },
    "acme-tenant-admin": {
        **SIGNED_IN_ONLY,
        **CUSTOMERS,
        **PRICING_STAFF,
        **dict.fromkeys(INVENTORY_STAFF, 403),
        **OPEN,
        "list-tenants": 200,
        "create-tenant": 403,
        "get-acme": 200,
        "get-default": 404,
        "patch-acme": 200,
        "patch-default": 404,
        **KEY_ADMIN,
    },
    # The key has the search scope only: booking endpoints refuse it outright.
    "reseller-key": {**dict.fromkeys(ENDPOINTS, 401), **OPEN, **dict.fromkeys(CUSTOMERS, 403)},
    "acme-token-on-default-host": {
        **{name: 403 for name in ENDPOINTS},
        "webhook": 400,  # a provider's callback: who calls does not matter, the signature does
    },
}


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[TestClient[Litestar], dict[str, Caller]]]:
    clock = ManualClock()
    container = fake_container({"flights1": InMemoryRouteFeed(FLIGHTS1)}, clock=clock)
    identity: IdentityService = container.resolve(IdentityService)
    tenant_admin: TenantAdmin = container.resolve(TenantAdmin)
    with TestClient(create_app(container, refresh_in_background=False)) as client:
        portal = client.blocking_portal
        acme = portal.call(
            tenant_admin.create,
            None,
            "acme",
            TenantFields(
                name="Acme",
                domains=[ACME_HOST],
                default_currency="GBP",
                locale="en-GB",
                loyalty_programme="Acme Miles",
                point_value_usd="0.02",
            ),
        )
        default = portal.call(tenant_admin.get, None, "default")

        def account(email: str, role: Role, host: str | None = None, totp: bool = False) -> Caller:
            tenant = acme if host == ACME_HOST else default
            user = portal.call(
                lambda: identity.add_user(
                    tenant, email=email, password=PASSWORD, roles=frozenset({role})
                )
            )
            host_header = {"Host": host} if host else {}
            body: dict[str, Any] = {"email": email, "password": PASSWORD}
            if totp:
                enrolment = portal.call(identity.start_totp_enrolment, tenant.id, user.id)
                code = pyotp.TOTP(enrolment.secret).at(int(clock.now().timestamp()))
                portal.call(identity.confirm_totp_enrolment, tenant.id, user.id, code)
                body["totp_code"] = code
            tokens = client.post("/api/v1/auth/login", json=body, headers=host_header).json()
            return Caller(
                {"Authorization": f"Bearer {tokens['access_token']}", **host_header}, tenant.id
            )

        acme_admin = account("boss@acme.example", Role.TENANT_ADMIN, ACME_HOST)
        key_admin = account("keys@example.com", Role.TENANT_ADMIN)
        reseller_key = client.post(
            "/api/v1/api-keys",
            headers=key_admin.headers,
            # More requests a minute than the matrix sends with it: limits are tested apart.
            json={"name": "A", "scopes": ["search"], "rate_limit_per_minute": 1000},
        ).json()["key"]
        callers = {
            "anonymous": Caller({}, "default"),
            "customer": account("ada@example.com", Role.CUSTOMER),
            "acme-customer": account("ada@acme.example", Role.CUSTOMER, ACME_HOST),
            "reseller": account("agent@example.com", Role.RESELLER),
            "staff-without-second-factor": account("ops@example.com", Role.STAFF),
            "admin-without-second-factor": account("half@example.com", Role.ADMIN),
            "platform-admin": account("root@example.com", Role.ADMIN, totp=True),
            "acme-tenant-admin": acme_admin,
            "reseller-key": Caller({"X-API-Key": reseller_key}, "default"),
            "acme-token-on-default-host": Caller(
                {"Authorization": acme_admin.headers["Authorization"], "Host": "localhost"}, "acme"
            ),
        }
        yield client, callers


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@pytest.mark.parametrize("caller", sorted(EXPECTED))
def test_each_caller_gets_exactly_its_access(
    world: tuple[TestClient[Litestar], dict[str, Caller]], caller: str, endpoint: str
) -> None:
    client, callers = world
    spec = ENDPOINTS[endpoint]
    headers = callers[caller].headers
    if spec.content is not None:
        headers = {**headers, "Content-Type": "application/x-ndjson"}
    response = client.request(
        spec.method, spec.path, json=spec.body, content=spec.content, headers=headers
    )

    expected = EXPECTED[caller][endpoint]
    if expected == 201 and response.status_code == 409:
        expected = 409  # created by an earlier run of the same case in this module
    assert response.status_code == expected, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


def test_a_caller_only_ever_sees_their_own_account(
    world: tuple[TestClient[Litestar], dict[str, Caller]],
) -> None:
    client, callers = world
    seen = {
        name: client.get("/api/v1/users/me", headers=caller.headers).json()
        for name, caller in callers.items()
        if name not in ("anonymous", "acme-token-on-default-host", "reseller-key")
    }

    assert len({me["id"] for me in seen.values()}) == len(seen)
    for name, me in seen.items():
        assert me["tenant_id"] == callers[name].tenant


def test_every_api_route_is_in_the_matrix(
    world: tuple[TestClient[Litestar], dict[str, Caller]],
) -> None:
    client, _ = world
    schema = client.get("/schema/openapi.json").json()
    public = {
        ("POST", "/api/v1/auth/register"),
        ("POST", "/api/v1/auth/verify-email"),
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/oidc"),
        ("POST", "/api/v1/auth/refresh"),
        ("POST", "/api/v1/auth/password-reset"),
        ("POST", "/api/v1/auth/password-reset/confirm"),
        ("POST", "/api/v1/auth/logout"),
        ("DELETE", "/api/v1/users/me"),
        ("POST", "/api/v1/users/me/totp/confirm"),
    }
    covered = {(e.method, e.template or e.path) for e in ENDPOINTS.values()}
    routes = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        if path.startswith("/api/")
        for method in item
    }
    # Logout, erasure and TOTP confirmation act on the caller's own session or account and
    # are tested in test_identity_api; the rest must be in the matrix.
    assert routes - public <= covered, sorted(routes - public - covered)
