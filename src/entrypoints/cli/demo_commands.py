"""``funflights demo seed``: accounts and a second tenant to try the API with (demo only)."""

from __future__ import annotations

import click

from entrypoints.bootstrap import IdentityParts
from entrypoints.cli.tenants_commands import run_with_identity
from funflights_core.errors import Conflict, NotFound
from funflights_core.role import Role
from funflights_core.tenant_admin import TenantFields

DEMO_PASSWORD = "funflights-demo-password"
"""Printed by the command and in the README: these accounts are for a local demo only."""

DEMO_ACCOUNTS = (
    ("default", "admin@funflights.example", Role.ADMIN),
    ("default", "traveller@funflights.example", Role.CUSTOMER),
    ("acme", "admin@acme.example", Role.TENANT_ADMIN),
)


@click.group()
def demo() -> None:
    """Demo data for a local installation."""


@demo.command("seed")
def seed() -> None:
    """Create the demo tenant and accounts if they are missing (safe to run again)."""

    async def work(parts: IdentityParts) -> list[str]:
        created: list[str] = []
        try:
            await parts.tenant_admin.get(None, "acme")
        except NotFound:
            await parts.tenant_admin.create(
                None,
                "acme",
                TenantFields(
                    name="Acme Travel (merged company, demo)",
                    domains=["acme.localhost"],
                    default_currency="GBP",
                    locale="en-GB",
                    loyalty_programme="Acme Miles",
                    point_value_usd="0.0125",
                    auth_methods=["password", "api-key"],
                ),
            )
            created.append("tenant acme (host acme.localhost)")
        for tenant_id, email, role in DEMO_ACCOUNTS:
            tenant = await parts.tenant_admin.get(None, tenant_id)
            try:
                await parts.identity.add_user(
                    tenant, email=email, password=DEMO_PASSWORD, roles=frozenset({role})
                )
                created.append(f"{role} {email} in {tenant_id}")
            except Conflict:
                pass
        return created

    created = run_with_identity(work)
    for line in created:
        click.echo(f"created {line}")
    accounts = ", ".join(email for _, email, _ in DEMO_ACCOUNTS)
    click.echo(f"demo accounts ({accounts}) use the password {DEMO_PASSWORD!r}")
