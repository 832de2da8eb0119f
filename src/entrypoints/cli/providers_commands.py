"""``funflights providers list`` and ``funflights providers check FILE``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from entrypoints.bootstrap import bootstrap, build_catalogue, new_http_client
from entrypoints.cli.settings_option import (
    fail_on_provider_file,
    load_settings,
    providers_file_option,
)
from entrypoints.provider_file import ProviderFile, ProviderFileError, load_provider_file
from funflights_core.clock import Clock
from funflights_core.route_catalogue import RouteCatalogue
from funflights_core.route_snapshot import RouteSnapshot


@click.group()
def providers() -> None:
    """Inspect and check route providers."""


@providers.command("list")
@providers_file_option
def list_providers(providers_file: Path | None) -> None:
    """List the providers in force (enabled or not)."""
    settings = load_settings(providers_file=providers_file)
    try:
        container = bootstrap(settings, demo_over_http=False)
    except ProviderFileError as exc:
        raise fail_on_provider_file(exc) from None
    provider_file: ProviderFile = container.resolve(ProviderFile)
    click.echo(f"{'name':<16} {'priority':>8} {'enabled':<7} {'timeout':>7} {'retries':>7}  url")
    for p in sorted(provider_file.providers, key=lambda p: (p.priority, p.name)):
        click.echo(
            f"{p.name:<16} {p.priority:>8} {'yes' if p.enabled else 'no':<7} "
            f"{p.timeout_s:>6g}s {p.retries:>7}  {p.url}"
        )


async def _probe(provider_file: ProviderFile, base_dir: Path, clock: Clock) -> RouteSnapshot:
    client = new_http_client()
    catalogue: RouteCatalogue = build_catalogue(
        provider_file, client=client, clock=clock, max_age_s=1.0, base_dir=base_dir
    )
    try:
        return await catalogue.refresh()
    finally:
        await catalogue.aclose()
        await client.aclose()


@providers.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check_providers(file: Path) -> None:
    """Validate a provider FILE, then probe each enabled provider.

    Reports records, dropped records and latency per provider; exit status 1 when the
    file is invalid or a provider failed.
    """
    try:
        provider_file = load_provider_file(file)
    except ProviderFileError as exc:
        raise fail_on_provider_file(exc) from None
    disabled = [p.name for p in provider_file.providers if not p.enabled]
    click.echo(
        f"{file}: valid, {len(provider_file.enabled)} enabled provider(s)"
        + (f", disabled: {', '.join(disabled)}" if disabled else "")
    )
    from adapters.clocks import SystemClock

    snapshot = asyncio.run(_probe(provider_file, file.resolve().parent, SystemClock()))
    click.echo(f"{'name':<16} {'result':<6} {'records':>8} {'dropped':>8} {'latency':>9}  detail")
    for o in snapshot.outcomes:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(o.dropped.items()))
        detail = o.error if o.error else reasons
        click.echo(
            f"{o.provider:<16} {'ok' if o.ok else 'FAIL':<6} {o.records:>8} {o.dropped_total:>8} "
            f"{o.latency_s * 1000:>7.0f}ms  {detail}"
        )
    click.echo(f"aggregated routes: {len(snapshot.routes)} ({snapshot.completeness})")
    if snapshot.failed:
        raise SystemExit(1)
