"""``funflights search warm``: compute the busiest routes' searches ahead of demand."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date, datetime, timedelta
from multiprocessing.sharedctypes import Synchronized

import click

from adapters.clocks import SystemClock
from adapters.persistence.sql_unit_of_work import SqlUnitOfWorkFactory
from entrypoints.bootstrap import InventoryParts, PricingParts, SettingsError, bootstrap
from entrypoints.cli.settings_option import load_settings
from entrypoints.http.search_warmer import WarmReport, search_warmer, visitor
from funflights_core.unit_of_work import UnitOfWorkFactory

Route = tuple[str, str]
_done: Synchronized[int] | None = None
"""Searches done by every worker process of this pass (shown by the progress bar)."""


def _count_in(done: Synchronized[int]) -> None:
    global _done
    _done = done


def _parts() -> tuple[InventoryParts, PricingParts, SqlUnitOfWorkFactory, SystemClock]:
    settings = load_settings()
    clock = SystemClock()
    container = bootstrap(settings, clock=clock, demo_over_http=False)
    database = container.resolve(UnitOfWorkFactory)
    assert isinstance(database, SqlUnitOfWorkFactory)  # bootstrap builds the SQL one
    return container.resolve(InventoryParts), container.resolve(PricingParts), database, clock


def warm_days(start: date, days: int, routes: Sequence[Route]) -> WarmReport:
    """One worker's share: the routes on ``days`` days from ``start`` (its own connections)."""
    inventory, pricing, database, clock = _parts()

    async def work() -> WarmReport:
        seen = 0

        def advance(done: int, _total: int) -> None:
            nonlocal seen
            if _done is not None:
                with _done.get_lock():
                    _done.value += done - seen
            seen = done

        try:
            warmer = search_warmer(inventory, pricing, clock)
            return await warmer.warm(
                await visitor(database), start=start, days=days, routes=routes, progress=advance
            )
        finally:
            await database.engine.dispose()

    return asyncio.run(work())


async def _busiest(start: date, days: int, count: int) -> list[Route]:
    inventory, pricing, database, clock = _parts()
    try:
        return await search_warmer(inventory, pricing, clock).busiest_routes(start, days, count)
    finally:
        await database.engine.dispose()


def _shares(start: date, days: int, jobs: int) -> list[tuple[date, int]]:
    """Consecutive runs of days, one per job (each job reads its days' flights once)."""
    size, extra = divmod(days, jobs)
    shares, first = [], start
    for job in range(jobs):
        span = size + (1 if job < extra else 0)
        if span:
            shares.append((first, span))
            first += timedelta(days=span)
    return shares


@click.group()
def search() -> None:
    """Flight searches kept ready for travellers."""


@search.command("warm")
@click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First departure date; default: tomorrow.",
)
@click.option("--days", type=click.IntRange(1, 366), default=None, help="Default: the setting.")
@click.option("--routes", type=click.IntRange(1, 100_000), default=None, help="Busiest routes.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes, each taking a run of days; default: one per CPU.",
)
@click.option(
    "--every",
    type=click.FloatRange(1, 86_400),
    default=None,
    help="Seconds between passes: keep warming until stopped (as a service).",
)
def warm(
    start: datetime | None,
    days: int | None,
    routes: int | None,
    jobs: int | None,
    every: float | None,
) -> None:
    """Compute the first pages of the busiest routes' searches into the shared page store
    (what it already holds at the current versions is skipped)."""
    settings = load_settings()
    if not settings.redis_url:
        raise click.ClickException(
            "set FUNFLIGHTS_REDIS_URL: without Redis each serving process keeps (and warms) "
            "its own pages, which this command cannot reach"
        )
    span = days or settings.search_warm_days
    count = routes or settings.search_warm_routes or 100
    while True:
        first = start.date() if start is not None else date.today() + timedelta(days=1)
        click.echo(_pass(first, span, count, jobs))
        if every is None:
            return
        time.sleep(every)


def _pass(first: date, span: int, count: int, jobs: int | None) -> str:
    """One pass over the busiest routes and days, in worker processes; what it did."""
    try:
        busiest = asyncio.run(_busiest(first, span, count))
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    shares = _shares(first, span, min(jobs or os.cpu_count() or 1, span))
    began = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    done = context.Value("q", 0)
    with (
        ProcessPoolExecutor(
            len(shares), mp_context=context, initializer=_count_in, initargs=(done,)
        ) as pool,
        click.progressbar(length=len(busiest) * span, label="searches") as bar,
    ):
        futures: list[Future[WarmReport]] = [
            pool.submit(warm_days, day, length, busiest) for day, length in shares
        ]
        shown = 0
        while not all(f.done() for f in futures):
            time.sleep(0.5)
            bar.update(done.value - shown)
            shown = done.value
        try:
            reports = [f.result() for f in futures]
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
        bar.update(done.value - shown)
    took = time.perf_counter() - began
    computed = sum(r.computed for r in reports)
    searches = sum(r.searches for r in reports)
    return (
        f"{searches:,} searches ({len(busiest):,} routes x {span} days from {first}, "
        f"{len(shares)} processes): {computed:,} computed "
        f"({computed / took if took else 0:,.0f}/s), {searches - computed:,} already kept; "
        f"{sum(r.pages for r in reports):,} pages stored, "
        f"{sum(r.flights_read for r in reports):,} flights read, in {took:.1f} s"
    )
