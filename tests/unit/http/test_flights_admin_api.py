"""Staff manage the shared inventory over HTTP: add, change, cancel, delete; audited."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from adapters.clocks import ManualClock
from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from conftest import FLIGHTS1, fake_container
from entrypoints.bootstrap import InventoryParts
from entrypoints.http.app import create_app
from funflights_core.identity import IdentityService
from funflights_core.role import Role
from funflights_core.tenant_admin import TenantAdmin
from funflights_core.unit_of_work import UnitOfWorkFactory

PASSWORD = "correct horse battery"
ADMIN = "/api/v1/admin/flights"
Client = TestClient[Litestar]
NEW = {
    "marketing_carrier": "ba",
    "flight_number": "2490",
    "aircraft": "320",
    "legs": [
        {
            "origin": "LGW",
            "destination": "FCO",
            "departs_at": "2026-07-01T06:30:00Z",
            "arrives_at": "2026-07-01T09:00:00Z",
        }
    ],
    "cabins": [{"cabin": "economy", "capacity": 150}],
    "fares": [
        {
            "provider": "ops",
            "cabin": "economy",
            "base_fare": "79.99",
            "taxes": "31.20",
            "currency": "GBP",
        }
    ],
}
FLIGHT_ID = "BA2490-LGW-20260701"


@pytest.fixture
def world() -> Iterator[tuple[Client, InventoryParts, UnitOfWorkFactory]]:
    container = fake_container({"flights1": InMemoryRouteFeed(FLIGHTS1)}, clock=ManualClock())
    identity: IdentityService = container.resolve(IdentityService)
    tenants: TenantAdmin = container.resolve(TenantAdmin)
    with TestClient(create_app(container, refresh_in_background=False)) as client:
        portal = client.blocking_portal
        default = portal.call(tenants.get, None, "default")
        for email, role in (
            ("ops@example.com", Role.TENANT_ADMIN),
            ("ada@example.com", Role.CUSTOMER),
        ):
            portal.call(
                lambda e=email, r=role: identity.add_user(
                    default, email=e, password=PASSWORD, roles=frozenset({r})
                )
            )
        yield client, container.resolve(InventoryParts), container.resolve(UnitOfWorkFactory)


def bearer(client: Client, email: str) -> dict[str, str]:
    tokens = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_staff_add_change_cancel_and_delete_a_flight(
    world: tuple[Client, InventoryParts, UnitOfWorkFactory],
) -> None:
    client, inventory, database = world
    staff = bearer(client, "ops@example.com")

    created = client.post(ADMIN, headers=staff, json=NEW)
    assert created.status_code == 201, created.text
    assert created.json()["id"] == FLIGHT_ID
    assert created.json()["departs_local"] == "2026-07-01T07:30:00+01:00"
    assert client.post(ADMIN, headers=staff, json=NEW).status_code == 409

    found = client.get(
        "/api/v1/flights/search",
        params={"origin": "LON", "destination": "ROM", "date": "2026-07-01", "currency": "GBP"},
    )
    assert found.json()["slices"][0]["results"][0]["price"] == {
        "amount": "111.19",
        "currency": "GBP",
    }

    business = client.patch(
        f"{ADMIN}/{FLIGHT_ID}",
        headers=staff,
        json={"cabins": [{"cabin": "business", "capacity": 12}]},  # economy stays as it is
    )
    assert business.status_code == 200, business.text
    bigger = client.patch(
        f"{ADMIN}/{FLIGHT_ID}",
        headers=staff,
        json={"cabins": [{"cabin": "economy", "capacity": 180}]},
    )
    assert bigger.status_code == 200, bigger.text
    flight = client.blocking_portal.call(inventory.flights.flight, FLIGHT_ID)
    assert flight is not None
    assert flight.cabins[0].capacity == 180
    cancelled = client.patch(f"{ADMIN}/{FLIGHT_ID}", headers=staff, json={"status": "cancelled"})
    assert cancelled.json()["status"] == "cancelled"

    assert client.delete(f"{ADMIN}/{FLIGHT_ID}", headers=staff).status_code == 204
    assert client.get(f"/api/v1/flights/{FLIGHT_ID}").status_code == 404

    async def history() -> list[str]:
        async with database.for_tenant("default") as uow:
            return [e.action for e in await uow.audit.for_subject("flight", FLIGHT_ID)]

    assert client.blocking_portal.call(history) == [
        "create",
        "update",
        "update",
        "update",
        "delete",
    ]


def test_a_flight_with_sold_seats_is_not_deleted_and_bad_input_is_refused(
    world: tuple[Client, InventoryParts, UnitOfWorkFactory],
) -> None:
    client, *_ = world
    staff = bearer(client, "ops@example.com")
    sold = {**NEW, "cabins": [{"cabin": "economy", "capacity": 150, "seats_available": 140}]}
    assert client.post(ADMIN, headers=staff, json=sold).status_code == 201

    refused = client.delete(f"{ADMIN}/{FLIGHT_ID}", headers=staff)
    assert refused.status_code == 409
    assert "sold seats" in refused.json()["detail"]

    for body, status in (
        ({**NEW, "legs": [{**NEW["legs"][0], "arrives_at": "2026-07-01T05:00:00Z"}]}, 422),
        ({**NEW, "legs": [{**NEW["legs"][0], "origin": "QQQ"}]}, 422),
        ({**NEW, "fares": [{**NEW["fares"][0], "base_fare": "lots"}]}, 422),
        ({**NEW, "cabins": [{"cabin": "economy", "capacity": 10, "seats_available": 11}]}, 422),
        ({**NEW, "surprise": 1}, 400),
        ({**NEW, "legs": [{**NEW["legs"][0], "destination": "QQQ"}]}, 422),
        ({**NEW, "legs": [{**NEW["legs"][0], "arrives_at": "2026-07-02T06:00:00Z"}]}, 422),
        ({**NEW, "marketing_carrier": "Z-"}, 422),
        ({**NEW, "legs": [{**NEW["legs"][0], "departs_at": "2026-07-01T06:30:00"}]}, 422),
        ({**NEW, "flight_number": "../x"}, 422),
        ({**NEW, "aircraft": "A-380"}, 400),
    ):
        response = client.post(ADMIN, headers=staff, json=body)
        assert response.status_code == status, (body, response.text)
    moved = client.patch(
        f"{ADMIN}/{FLIGHT_ID}",
        headers=staff,
        json={
            "legs": [
                {
                    **NEW["legs"][0],
                    "departs_at": "2026-07-02T06:30:00Z",
                    "arrives_at": "2026-07-02T09:00:00Z",
                }
            ]
        },
    )
    assert moved.status_code == 422
    assert "another flight" in moved.text
    customer = bearer(client, "ada@example.com")
    assert client.post(ADMIN, headers=customer, json=NEW).status_code == 403
    assert (
        client.patch(f"{ADMIN}/nope", headers=staff, json={"status": "cancelled"}).status_code
        == 404
    )
