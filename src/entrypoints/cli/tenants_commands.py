"""``funflights tenants create | list`` and ``funflights users add``: operator commands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from adapters.clocks import SystemClock
from entrypoints.bootstrap import IdentityParts, build_identity
from entrypoints.cli.settings_option import load_settings
from funflights_core.errors import Conflict, FunFlightsError, InvalidInput, NotFound
from funflights_core.role import Role
from funflights_core.tenant_admin import TenantFields

T = TypeVar("T")


def run_with_identity(work: Callable[[IdentityParts], Awaitable[T]]) -> T:
    """Run ``work`` against the configured database; domain errors become CLI errors."""
    settings = load_settings()
    parts = build_identity(settings, clock=SystemClock(), ephemeral_secret_allowed=True)

    async def run() -> T:
        try:
            return await work(parts)
        finally:
            await parts.database.engine.dispose()

    try:
        return asyncio.run(run())
    except InvalidInput as exc:
        raise click.BadParameter(exc.reason, param_hint=f"'{exc.field}'") from None
    except (Conflict, NotFound) as exc:
        raise click.ClickException(str(exc)) from None
    except FunFlightsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def tenants() -> None:
    """Tenants: the merged companies."""


@tenants.command("create")
@click.argument("tenant_id")
@click.option("--name", required=True, help="Display name.")
@click.option("--domain", "domains", multiple=True, help="Host name served for it (repeatable).")
@click.option("--currency", default="EUR", show_default=True, help="Default currency (ISO 4217).")
@click.option("--locale", default="en", show_default=True, help="Default locale, e.g. en-GB.")
@click.option("--loyalty", "loyalty_programme", default="Miles", show_default=True)
@click.option(
    "--point-value-usd", default="0.01", show_default=True, help="USD value of one point."
)
@click.option(
    "--auth",
    "auth",
    multiple=True,
    type=click.Choice(["password", "api-key", "oidc"]),
    default=("password", "api-key"),
    show_default=True,
    help="Accepted authentication methods (repeatable).",
)
def create_tenant(
    tenant_id: str,
    name: str,
    domains: tuple[str, ...],
    currency: str,
    locale: str,
    loyalty_programme: str,
    point_value_usd: str,
    auth: tuple[str, ...],
) -> None:
    """Create tenant TENANT_ID."""
    fields = TenantFields(
        name=name,
        domains=domains,
        default_currency=currency,
        locale=locale,
        loyalty_programme=loyalty_programme,
        point_value_usd=point_value_usd,
        auth_methods=auth,
    )
    tenant = run_with_identity(lambda parts: parts.tenant_admin.create(None, tenant_id, fields))
    click.echo(f"created tenant {tenant.id} ({tenant.name})")


@tenants.command("list")
def list_tenants() -> None:
    """List every tenant."""
    found = run_with_identity(lambda parts: parts.tenant_admin.all(None))
    click.echo(f"{'id':<20} {'currency':<8} {'locale':<7} {'auth':<24} domains")
    for tenant in found:
        methods = ",".join(sorted(str(m) for m in tenant.auth_methods))
        click.echo(
            f"{tenant.id:<20} {tenant.default_currency:<8} {tenant.locale:<7} {methods:<24} "
            f"{' '.join(tenant.domains)}"
        )


@click.group()
def users() -> None:
    """User accounts (customers register through the API)."""


@users.command("add")
@click.argument("email")
@click.option("--tenant", "tenant_id", default="default", show_default=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Role (repeatable). Staff and admins must enrol an authenticator after signing in.",
)
@click.password_option(help="The password (prompted, hidden, when not given).")
def add_user(email: str, tenant_id: str, roles: tuple[str, ...], password: str) -> None:
    """Create an account with the given roles, e.g. the first platform admin."""

    async def work(parts: IdentityParts) -> str:
        tenant = await parts.tenant_admin.get(None, tenant_id)
        user = await parts.identity.add_user(
            tenant, email=email, password=password, roles=frozenset(Role(r) for r in roles)
        )
        return user.id

    user_id = run_with_identity(work)
    click.echo(f"created {', '.join(roles)} {email} in tenant {tenant_id} (id {user_id})")
