"""``funflights tenants create | list | import`` and ``funflights users add``."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from adapters.clocks import SystemClock
from entrypoints.bootstrap import IdentityParts, SettingsError, build_identity
from entrypoints.cli.settings_option import load_settings
from entrypoints.customer_files import FileFormat, customer_lines, guess_format
from funflights_core.customer_import import ImportReport
from funflights_core.errors import Conflict, FunFlightsError, InvalidInput, NotFound
from funflights_core.loyalty import tiers_from_text
from funflights_core.refund_policy import refund_policy_from_text, refund_policy_text
from funflights_core.role import Role
from funflights_core.tenant import Tenant
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
    except (FunFlightsError, SettingsError) as exc:
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


@tenants.command("pricing")
@click.argument("tenant_id")
@click.option(
    "--exchange-spread",
    help="Share added to exchange mid rates for this tenant's customers: 0.015 is 1.5%.",
)
@click.option(
    "--loyalty-tiers",
    help="Tiers by 12-month USD spend, as name:min_spend:points_per_usd;... "
    "e.g. 'blue:0:1;silver:2000:1.5;gold:5000:2'.",
)
@click.option(
    "--refund-tiers",
    help="Refund rules as [cabin/]hours:percent:fee ..., e.g. '168:100:0 24:50:10 "
    "business/24:100:0' (all back a week out, half less 10 per passenger from a day out, "
    "nothing inside; business fares all back up to a day out); '' for the platform's.",
)
def tenant_pricing(
    tenant_id: str,
    exchange_spread: str | None,
    loyalty_tiers: str | None,
    refund_tiers: str | None,
) -> None:
    """Show TENANT_ID's pricing and refund settings, or change those given."""

    async def work(parts: IdentityParts) -> Tenant:
        if exchange_spread is None and loyalty_tiers is None and refund_tiers is None:
            return await parts.tenant_admin.get(None, tenant_id)
        fields = TenantFields(
            exchange_spread=exchange_spread,
            loyalty_tiers=None if loyalty_tiers is None else tiers_from_text(loyalty_tiers),
            refund_tiers=None
            if refund_tiers is None
            else refund_policy_from_text(refund_tiers).tiers,
        )
        return await parts.tenant_admin.update(None, tenant_id, fields)

    tenant = run_with_identity(work)
    click.echo(f"tenant {tenant.id}: exchange spread {tenant.exchange_spread}")
    click.echo(
        f"loyalty programme {tenant.loyalty_programme!r}, 1 point = {tenant.point_value_usd} USD"
    )
    for tier in tenant.loyalty_tiers:
        click.echo(
            f"  tier {tier.name}: from {tier.min_spend} USD in 12 months, "
            f"{tier.points_per_unit} points per USD"
        )
    if tenant.refund_policy is None:
        click.echo("refunds: the platform's rules (FUNFLIGHTS_REFUND_TIERS)")
    else:
        rules = refund_policy_text(tenant.refund_policy)
        click.echo(f"refunds: {rules} ([cabin/]hours:percent:fee)")


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


@tenants.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tenant", "tenant_id", required=True, help="The tenant to import into.")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["csv", "jsonl"]),
    help="How FILE is written (default: from its extension, .csv or .jsonl).",
)
@click.option("--dry-run", is_flag=True, help="Validate and report, store nothing.")
def import_customers(
    file: Path, tenant_id: str, file_format: FileFormat | None, dry_run: bool
) -> None:
    """Import the customers in FILE (CSV with a header row, or JSON Lines), all or nothing.

    Lines are matched to accounts by external_id, so importing a file again changes
    nothing. If any line is rejected nothing is stored, the reasons are listed, and the
    exit status is 1.
    """
    chosen = file_format or guess_format(file.name)
    if chosen is None:
        raise click.BadParameter("say --format csv or --format jsonl", param_hint="FILE")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {file}: {exc}") from None
    lines = list(customer_lines(text, chosen))

    async def work(parts: IdentityParts) -> ImportReport:
        await parts.tenant_admin.get(None, tenant_id)
        with click.progressbar(
            length=len(lines), label=f"checking {len(lines)} lines", file=sys.stderr
        ) as bar:
            report = await parts.importer.run(
                tenant_id, lines, dry_run=dry_run, progress=bar.update
            )
            bar.update(len(lines))
        return report

    report = run_with_identity(work)
    for rejected in report.rejected[:50]:
        click.echo(f"line {rejected.line}: {'; '.join(rejected.reasons)}", err=True)
    if len(report.rejected) > 50:
        click.echo(f"... and {len(report.rejected) - 50} more rejected lines", err=True)
    verb = "stored" if report.stored else "nothing stored"
    click.echo(
        f"{report.accepted} new, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.rejected)} rejected: {verb}"
    )
    if not report.ok:
        raise SystemExit(1)


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
