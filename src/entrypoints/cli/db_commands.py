"""``funflights db upgrade | status``: the database schema."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from adapters.persistence.engine import create_engine
from adapters.persistence.migrate import current_revision, head_revision, upgrade
from entrypoints.cli.settings_option import load_settings


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _prepare_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


@click.group()
def db() -> None:
    """The database schema (FUNFLIGHTS_DATABASE_URL)."""


@db.command("upgrade")
def upgrade_command() -> None:
    """Apply every migration not applied yet (safe to run again)."""
    settings = load_settings()
    _prepare_sqlite_folder(settings.database_url)

    async def run() -> tuple[str | None, str | None]:
        engine = create_engine(settings.database_url)
        try:
            before = await current_revision(engine)
            await upgrade(engine)
            return before, await current_revision(engine)
        finally:
            await engine.dispose()

    try:
        before, after = asyncio.run(run())
    except (SQLAlchemyError, OSError) as exc:
        raise click.ClickException(
            f"cannot migrate {_safe(settings.database_url)}: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0]}"
        ) from None
    if before == after:
        click.echo(f"{_safe(settings.database_url)} is up to date (revision {after})")
    else:
        click.echo(f"{_safe(settings.database_url)} migrated from {before or 'empty'} to {after}")


@db.command("status")
def status_command() -> None:
    """Say which migration the database is at, and whether it is the newest."""
    settings = load_settings()
    parsed = make_url(settings.database_url)
    if (
        parsed.get_backend_name() == "sqlite"
        and parsed.database
        and not Path(parsed.database).exists()
    ):
        click.echo(f"{_safe(settings.database_url)}: no database yet; run 'funflights db upgrade'")
        return

    async def run() -> str | None:
        engine = create_engine(settings.database_url)
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    try:
        current = asyncio.run(run())
    except (SQLAlchemyError, OSError) as exc:
        raise click.ClickException(
            f"cannot read {_safe(settings.database_url)}: {type(exc).__name__}"
        ) from None
    head = head_revision()
    state = (
        "up to date"
        if current == head
        else f"behind (newest is {head}): run 'funflights db upgrade'"
    )
    click.echo(f"{_safe(settings.database_url)}: revision {current or 'none'}, {state}")
