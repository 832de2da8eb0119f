"""``funflights demo seed``: accounts and a second tenant to try the API with (demo only)."""

from __future__ import annotations

import click

from adapters.clocks import SystemClock
from entrypoints.bootstrap import IdentityParts, PricingParts, build_pricing
from entrypoints.cli.inventory_commands import generate
from entrypoints.cli.settings_option import load_settings
from entrypoints.cli.tenants_commands import run_with_identity
from funflights_core.errors import Conflict, NotFound
from funflights_core.money import Money
from funflights_core.role import Role
from funflights_core.staff import operator
from funflights_core.tenant import DEFAULT_TENANT_ID
from funflights_core.tenant_admin import TenantFields

DEMO_PASSWORD = "funflights-demo-password"
"""Printed by the command and in the README: these accounts are for a local demo only."""

DEMO_ACCOUNTS = (
    ("default", "admin@funflights.example", Role.ADMIN),
    ("default", "pricing@funflights.example", Role.TENANT_ADMIN),
    ("default", "traveller@funflights.example", Role.CUSTOMER),
    ("acme", "admin@acme.example", Role.TENANT_ADMIN),
)


DEMO_RULES: tuple[dict[str, str], ...] = (
    {"percent": "3", "description": "default margin"},
    {"country": "GB", "country_side": "origin", "percent": "4", "description": "from the UK"},
    {"origin": "LHR", "destination": "JFK", "percent": "6", "description": "busy route"},
    {
        "carrier": "BA",
        "percent": "5",
        "fixed_per_passenger": "2",
        "currency": "EUR",
        "description": "British Airways",
    },
    {
        "carrier": "BA",
        "flight_number": "117",
        "fixed_per_passenger": "15",
        "currency": "EUR",
        "minimum": "10",
        "description": "one flight, a fixed margin",
    },
)


async def _seed_pricing(parts: IdentityParts, pricing: PricingParts) -> list[str]:
    """Margin rules, a coupon and some loyalty points for the default tenant, once."""
    staff = operator(DEFAULT_TENANT_ID, "demo-seed")
    created: list[str] = []
    if not await pricing.margin_rules.all(staff):
        for fields in DEMO_RULES:
            await pricing.margin_rules.create(staff, fields)
        created.append(f"{len(DEMO_RULES)} margin rules in default")
    try:
        await pricing.coupons.create(
            staff,
            "WELCOME10",
            {
                "percent_off": "10",
                "minimum_spend": "100",
                "currency": "EUR",
                "uses_per_customer": 1,
                "total_uses": 1000,
                "description": "10% off a first trip over 100 EUR",
            },
        )
        created.append("coupon WELCOME10 in default")
    except Conflict:
        pass
    tenant = await parts.tenant_admin.get(None, DEFAULT_TENANT_ID)
    async with parts.database.for_tenant(DEFAULT_TENANT_ID) as uow:
        traveller = await uow.users.by_email("traveller@funflights.example")
    if traveller is not None and not await pricing.loyalty.balance(tenant.id, traveller.id):
        usd = pricing.currencies.currency("USD")
        await pricing.loyalty.earn(tenant, traveller.id, Money.of("2400", usd), "demo-trip-1")
        created.append("2,400 loyalty points for traveller@funflights.example")
    return created


@click.group()
def demo() -> None:
    """Demo data for a local installation."""


@demo.command("seed")
def seed() -> None:
    """Create the demo tenant and accounts if they are missing (safe to run again)."""

    async def work(parts: IdentityParts) -> list[str]:
        # Built first: a settings mistake stops the command before it changes anything.
        pricing = build_pricing(
            load_settings(), database=parts.database, clock=SystemClock(), http_client=None
        )
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
        created.extend(await _seed_pricing(parts, pricing))
        return created

    created = run_with_identity(work)
    for line in created:
        click.echo(f"created {line}")
    accounts = ", ".join(email for _, email, _ in DEMO_ACCOUNTS)
    click.echo(f"demo accounts ({accounts}) use the password {DEMO_PASSWORD!r}")


demo.add_command(generate)
