"""The identity API end to end, in process: a tenant, a customer import, a reseller key.

Run from the repository root: ``.venv/bin/python examples/identity_walkthrough.py``.
It uses a throwaway SQLite file and prints each step; no network is needed.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from litestar.testing import AsyncTestClient

from adapters.persistence.migrate import upgrade
from entrypoints.bootstrap import bootstrap
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from funflights_core.identity import IdentityService
from funflights_core.role import Role
from funflights_core.tenant_admin import TenantAdmin
from funflights_core.unit_of_work import UnitOfWorkFactory

EXAMPLES = Path(__file__).resolve().parent
PASSWORD = "correct horse battery"


async def main() -> None:
    """Walk through sign-up, an import and a reseller key."""
    folder = Path(tempfile.mkdtemp(prefix="funflights-example-"))
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{folder / 'example.db'}",
        demo=True,
        mail_folder=folder / "mail",
    )
    container = bootstrap(settings, demo_over_http=False)
    database = container.resolve(UnitOfWorkFactory)
    await upgrade(database.engine)  # type: ignore[attr-defined]
    identity: IdentityService = container.resolve(IdentityService)
    default = await container.resolve(TenantAdmin).get(None, "default")
    await identity.add_user(
        default, email="boss@example.com", password=PASSWORD, roles=frozenset({Role.TENANT_ADMIN})
    )

    async with AsyncTestClient(create_app(container, refresh_in_background=False)) as client:
        signed_up = await client.post(
            "/api/v1/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
        )
        print("register:", signed_up.status_code, signed_up.json()["email"])
        tokens = (
            await client.post(
                "/api/v1/auth/login", json={"email": "boss@example.com", "password": PASSWORD}
            )
        ).json()
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}

        for name, media in (
            ("acme-customers.csv", "text/csv"),
            ("acme-customers-broken.jsonl", "application/x-ndjson"),
        ):
            answer = await client.post(
                "/api/v1/tenants/default/imports",
                content=(EXAMPLES / "imports" / name).read_bytes(),
                headers={**auth, "Content-Type": media},
            )
            print(f"import {name}:", answer.status_code, answer.json())

        key = (
            await client.post(
                "/api/v1/api-keys", headers=auth, json={"name": "Agency", "scopes": ["search"]}
            )
        ).json()
        routes = await client.get(
            "/routes",
            params={"source": "LHR", "destination": "JFK", "limit": 2},
            headers={"X-API-Key": key["key"]},
        )
        print("reseller GET /routes:", routes.status_code, len(routes.json()), "routes")
    print("emails written to", folder / "mail")


if __name__ == "__main__":
    asyncio.run(main())
