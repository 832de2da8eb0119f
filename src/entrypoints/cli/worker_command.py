"""``funflights worker``: release lapsed holds and deliver trip emails from the outbox."""

from __future__ import annotations

import asyncio
import logging
import signal

import click

from entrypoints.bootstrap import BookingParts, SettingsError, bootstrap
from entrypoints.cli.settings_option import fail_on_provider_file, load_settings
from entrypoints.provider_file import ProviderFileError
from entrypoints.worker import WorkerPass, run_worker
from funflights_core.unit_of_work import UnitOfWorkFactory


@click.command()
@click.option("--once", is_flag=True, help="Do one pass, then exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.01, max=3600),
    help="Seconds to wait when idle (default: FUNFLIGHTS_WORKER_INTERVAL_S or 1).",
)
def worker(once: bool, interval: float | None) -> None:
    """Release unpaid holds whose time ran out, and deliver the outbox's events.

    Emails go through FUNFLIGHTS_SMTP_HOST when set, else to the log. Run as many as you
    like: they share the work without delivering an event twice.
    """
    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        container = bootstrap(settings, ephemeral_secret_allowed=True, demo_over_http=False)
    except ProviderFileError as exc:
        raise fail_on_provider_file(exc) from None
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    parts: BookingParts = container.resolve(BookingParts)
    database: UnitOfWorkFactory = container.resolve(UnitOfWorkFactory)

    def report(done: WorkerPass) -> None:
        click.echo(
            f"released {done.released} hold(s); settled {done.refunded} refund(s); "
            f"delivered {done.delivered}, "
            f"retrying {done.retried}, dead-lettered {done.dead}"
        )

    async def work() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await run_worker(
                parts,
                interval_s=interval or settings.worker_interval_s,
                stop=stop,
                once=once,
                report=report,
            )
        finally:
            engine = getattr(database, "engine", None)
            if engine is not None:
                await engine.dispose()

    if not once:
        click.echo("worker started; Ctrl-C stops it")
    asyncio.run(work())
