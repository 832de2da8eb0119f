"""``funflights inventory sync`` and ``funflights demo generate``: flights into the inventory."""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime

import click
import httpx

from adapters.airports.airportsdata_directory import AirportsdataDirectory
from adapters.clocks import SystemClock
from adapters.inventory.demo_schedule import DemoSchedule, bundled_routes
from adapters.money.babel_currencies import BabelCurrencies
from adapters.persistence.sql_flights import SqlFlights
from adapters.providers.duffel_source import DuffelSource
from entrypoints.bootstrap import SettingsError, build_identity, new_http_client
from entrypoints.cli.settings_option import load_settings
from entrypoints.settings import Settings
from funflights_core.errors import FunFlightsError, InvalidInput
from funflights_core.flight_source import FlightSource, SyncWindow
from funflights_core.flight_store import StoreCounts
from funflights_core.inventory_sync import sync_inventory


def _routes(values: tuple[str, ...]) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        origin, _, destination = value.strip().upper().partition("-")
        if len(origin) != 3 or len(destination) != 3:
            raise click.BadParameter(f"{value!r}: write ORIGIN-DESTINATION, e.g. LHR-JFK")
        pairs.append((origin, destination))
    return pairs


def run_sync(
    provider: str, *, start: date, days: int, scale: float, routes: list[tuple[str, str]]
) -> None:
    """Fetch the provider's flights for the window and upsert them, with a progress bar."""
    settings = load_settings()
    try:
        identity = build_identity(settings, clock=SystemClock(), ephemeral_secret_allowed=True)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    currencies = BabelCurrencies()
    store = SqlFlights(identity.database.engine, currencies)
    window = SyncWindow(start=start, days=days, routes=routes or None)

    async def work() -> tuple[StoreCounts, float]:
        client = new_http_client()
        try:
            source, expected = _source(provider, settings, client, currencies, scale, window)
            started = time.perf_counter()
            with click.progressbar(
                length=expected, label=f"{provider} flights", show_pos=True
            ) as bar:
                counts = await sync_inventory(source, store, window, progress=bar.update)
            return counts, time.perf_counter() - started
        finally:
            await client.aclose()
            await identity.database.engine.dispose()

    try:
        counts, took = asyncio.run(work())
    except InvalidInput as exc:
        raise click.BadParameter(exc.reason, param_hint=f"'{exc.field}'") from None
    except FunFlightsError as exc:
        raise click.ClickException(str(exc)) from None
    seen = counts.added + counts.changed + counts.unchanged
    click.echo(
        f"{seen:,} flights in {took:.1f} s ({seen / took if took else 0:,.0f}/s): "
        f"{counts.added:,} added, {counts.changed:,} changed, {counts.unchanged:,} unchanged"
    )


def _source(
    provider: str,
    settings: Settings,
    client: httpx.AsyncClient,
    currencies: BabelCurrencies,
    scale: float,
    window: SyncWindow,
) -> tuple[FlightSource, int]:
    """The source and how many flights it is expected to give (for the progress bar)."""
    if provider == "duffel":
        if settings.duffel_access_token is None:
            raise click.ClickException("set FUNFLIGHTS_DUFFEL_ACCESS_TOKEN to sync from Duffel")
        if not window.routes:
            raise click.BadParameter("Duffel is searched route by route", param_hint="'--route'")
        source = DuffelSource(
            client,
            access_token=settings.duffel_access_token.get_secret_value(),
            currencies=currencies,
            base_url=settings.duffel_url,
            airports=AirportsdataDirectory(),
        )
        return source, len(window.routes) * window.days * 20
    schedule = DemoSchedule(bundled_routes(), AirportsdataDirectory(), currencies, scale=scale)
    return schedule, schedule.weekly_flights() * window.days // 7


start_option = click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First departure date (origin local); default: today.",
)


def _start(value: datetime | None) -> date:
    return value.date() if value is not None else date.today()


@click.group()
def inventory() -> None:
    """Flights: the inventory searches read."""


@inventory.command("sync")
@click.option(
    "--provider",
    type=click.Choice(["demo", "duffel"]),
    default="demo",
    show_default=True,
    help="Where the flights come from.",
)
@start_option
@click.option("--days", type=click.IntRange(1, 366), default=1, show_default=True)
@click.option("--route", "routes", multiple=True, help="ORIGIN-DESTINATION (repeatable).")
@click.option(
    "--scale",
    type=click.FloatRange(0.001, 10),
    default=1.0,
    show_default=True,
    help="Demo schedule density (1 is ~37,500 flights a day).",
)
def sync(
    provider: str, start: datetime | None, days: int, routes: tuple[str, ...], scale: float
) -> None:
    """Fetch a provider's flights and write them into the inventory (safe to repeat)."""
    run_sync(provider, start=_start(start), days=days, scale=scale, routes=_routes(routes))


@click.command("generate")
@start_option
@click.option("--days", type=click.IntRange(1, 366), default=7, show_default=True)
@click.option(
    "--scale",
    type=click.FloatRange(0.001, 10),
    default=1.0,
    show_default=True,
    help="Schedule density: 1 is ~37,500 flights a day worldwide.",
)
def generate(start: datetime | None, days: int, scale: float) -> None:
    """Generate the demo schedule from the OpenFlights routes (deterministic, repeatable)."""
    run_sync("demo", start=_start(start), days=days, scale=scale, routes=[])
