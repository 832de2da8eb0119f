"""POST /api/v1/tenants/{id}/imports: what a merged company's operator sees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from adapters.clocks import ManualClock
from adapters.identity.mailers import InMemoryMailer
from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from conftest import FLIGHTS1, fake_container
from entrypoints.http.app import create_app
from funflights_core.identity import IdentityService
from funflights_core.role import Role
from funflights_core.tenant_admin import TenantAdmin

PASSWORD = "correct horse battery"
CSV = (
    "external_id,email,full_name,language\n"
    "c-1,ada@example.com,Ada Lovelace,en-GB\n"
    'c-2,grace@example.com,"Hopper, Grace",en\n'
)
Client = TestClient[Litestar]


@pytest.fixture
def setup() -> Iterator[tuple[Client, InMemoryMailer, dict[str, str]]]:
    container = fake_container({"flights1": InMemoryRouteFeed(FLIGHTS1)}, clock=ManualClock())
    identity: IdentityService = container.resolve(IdentityService)
    with TestClient(create_app(container, refresh_in_background=False)) as client:
        default = client.blocking_portal.call(container.resolve(TenantAdmin).get, None, "default")
        client.blocking_portal.call(
            lambda: identity.add_user(
                default,
                email="boss@example.com",
                password=PASSWORD,
                roles=frozenset({Role.TENANT_ADMIN}),
            )
        )
        tokens = client.post(
            "/api/v1/auth/login", json={"email": "boss@example.com", "password": PASSWORD}
        ).json()
        yield (
            client,
            container.resolve(InMemoryMailer),
            {"Authorization": f"Bearer {tokens['access_token']}"},
        )


def post(
    client: Client, auth: dict[str, str], body: str, media: str = "text/csv", **params: str
) -> Any:
    return client.post(
        "/api/v1/tenants/default/imports",
        content=body.encode(),
        headers={**auth, "Content-Type": media},
        params=params,
    )


def test_a_csv_import_is_stored_and_idempotent(
    setup: tuple[Client, InMemoryMailer, dict[str, str]],
) -> None:
    client, mailer, auth = setup

    first = post(client, auth, CSV)
    again = post(client, auth, CSV)

    assert first.status_code == 200, first.text
    assert first.json() == {
        "accepted": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": [],
        "stored": True,
        "dry_run": False,
    }
    assert again.json()["unchanged"] == 2
    # an imported customer signs in after choosing a password through a reset
    client.post("/api/v1/auth/password-reset", json={"email": "ada@example.com"})
    code = mailer.last_code("ada@example.com")
    client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": code, "password": "my own passphrase"}
    )
    login = client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": "my own passphrase"}
    )
    assert login.status_code == 200


def test_a_file_with_a_bad_line_is_a_422_report_and_stores_nothing(
    setup: tuple[Client, InMemoryMailer, dict[str, str]],
) -> None:
    client, _, auth = setup
    bad = (
        '{"external_id": "c-1", "email": "ada@example.com"}\n'
        '{"external_id": "c-2", "email": "nope"}\n'
    )

    response = post(client, auth, bad, "application/x-ndjson")
    dry = post(client, auth, CSV, dry_run="true")

    assert response.status_code == 422
    assert response.json()["rejected"] == [
        {"line": 2, "external_id": "c-2", "reasons": ["email: is not an email address"]}
    ]
    assert dry.json()["stored"] is False
    assert post(client, auth, CSV).json()["accepted"] == 2


@pytest.mark.parametrize(
    ("body", "media", "status"),
    [(CSV, "application/json", 415), ("", "text/csv", 422), ("\n\n", "application/x-ndjson", 422)],
)
def test_wrong_media_types_and_empty_files_are_refused(
    setup: tuple[Client, InMemoryMailer, dict[str, str]], body: str, media: str, status: int
) -> None:
    client, _, auth = setup

    response = post(client, auth, body, media)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
