"""``funflights routes``: fetch, aggregate and print the routes (no server needed)."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import sys
from pathlib import Path

import click
import msgspec

from entrypoints.bootstrap import bootstrap
from entrypoints.cli.settings_option import (
    fail_on_provider_file,
    load_settings,
    providers_file_option,
)
from entrypoints.http.wire import RouteOut
from entrypoints.provider_file import ProviderFileError
from funflights_core.errors import InvalidQuery
from funflights_core.route_catalogue import RouteCatalogue
from funflights_core.route_query import RouteQuery
from funflights_core.route_snapshot import Completeness, RouteSnapshot

_COLUMNS = (
    "airline",
    "sourceAirport",
    "destinationAirport",
    "codeShare",
    "stops",
    "equipment",
    "providers",
)


async def _refresh(catalogue: RouteCatalogue) -> RouteSnapshot:
    try:
        return await catalogue.refresh()
    finally:
        await catalogue.aclose()


def _table(rows: list[RouteOut]) -> str:
    cells = [list(_COLUMNS)] + [
        [
            r.airline,
            r.sourceAirport,
            r.destinationAirport,
            r.codeShare,
            str(r.stops),
            r.equipment,
            ",".join(r.providers),
        ]
        for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(_COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


def _csv(rows: list[RouteOut]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.airline,
                r.sourceAirport,
                r.destinationAirport,
                r.codeShare,
                r.stops,
                r.equipment,
                " ".join(r.providers),
            ]
        )
    return out.getvalue().rstrip("\n")


@click.command()
@click.option("--airline", help="Airline code.")
@click.option("--source", help="Source airport code.")
@click.option("--destination", help="Destination airport code.")
@click.option("--max-stops", type=click.IntRange(min=0), help="At most this many stops.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many routes.")
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@providers_file_option
def routes(
    airline: str | None,
    source: str | None,
    destination: str | None,
    max_stops: int | None,
    limit: int | None,
    offset: int,
    output: str,
    providers_file: Path | None,
) -> None:
    """Fetch every provider, aggregate, and print the matching routes.

    Failed providers are named on stderr; the exit status is 1 when no provider answered.
    """
    try:
        query = RouteQuery(
            airline=airline,
            source=source,
            destination=destination,
            max_stops=max_stops,
            limit=limit,
            offset=offset,
        )
    except InvalidQuery as exc:
        hint = f"--{exc.parameter.replace('_', '-')}"
        raise click.BadParameter(exc.reason, param_hint=hint) from None
    settings = load_settings(providers_file=providers_file)
    try:
        container = bootstrap(settings, demo_over_http=False)
    except ProviderFileError as exc:
        raise fail_on_provider_file(exc) from None
    catalogue: RouteCatalogue = container.resolve(RouteCatalogue)
    # The failures are reported below, once, as warnings on stderr.
    logging.getLogger("funflights_core").setLevel(logging.ERROR)
    snapshot = asyncio.run(_refresh(catalogue))
    for outcome in snapshot.failed:
        click.echo(f"warning: provider {outcome.provider} failed: {outcome.error}", err=True)
    if snapshot.completeness is Completeness.UNAVAILABLE:
        raise click.ClickException("no provider delivered routes")
    page = snapshot.routes.select(query)
    rows = [RouteOut.of(route) for route in page.routes]
    if output == "json":
        sys.stdout.write(msgspec.json.encode(rows).decode() + "\n")
    elif output == "csv":
        click.echo(_csv(rows))
    else:
        click.echo(_table(rows))
        click.echo(
            f"{len(rows)} of {page.total} matching routes ({snapshot.completeness})", err=True
        )
