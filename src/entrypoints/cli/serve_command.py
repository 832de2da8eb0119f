"""``funflights serve``: the HTTP API under uvicorn."""

from __future__ import annotations

import logging
import os
import secrets

import click
import uvicorn

from entrypoints.bootstrap import SettingsError, bootstrap
from entrypoints.cli.settings_option import fail_on_provider_file, load_settings
from entrypoints.http.app import create_app
from entrypoints.provider_file import ProviderFileError
from entrypoints.settings import Settings


@click.command()
@click.option("--host", help="Address to bind (default: FUNFLIGHTS_HOST or 127.0.0.1).")
@click.option(
    "--port", type=click.IntRange(1, 65535), help="Port (default: FUNFLIGHTS_PORT or 8000)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes (uvicorn's); with more than one, set FUNFLIGHTS_REDIS_URL so "
    "they share counters and search pages.",
)
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Serve the API (and, with FUNFLIGHTS_DEMO=true, the demo provider feeds)."""
    settings = load_settings(host=host, port=port)
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL at INFO; provider URLs may carry credentials.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        container = bootstrap(
            settings, ephemeral_secret_allowed=settings.demo, announce_ephemeral_secret=True
        )
    except ProviderFileError as exc:
        raise fail_on_provider_file(exc) from None
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"FunWithFlights API on http://{settings.host}:{settings.port} (OpenAPI at /schema)")
    if workers > 1:
        _share_secrets(settings)
        uvicorn.run(
            "entrypoints.http.asgi:app_factory",
            factory=True,
            workers=workers,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            access_log=False,
        )
        return
    uvicorn.run(
        create_app(container),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
    )


def _share_secrets(settings: Settings) -> None:
    """Give the worker processes one key for tokens and one for payments.

    In demo mode a missing key is made here, once, so that a token or a payment made by one
    worker is good in every other (each would otherwise make its own).
    """
    if settings.jwt_secret is None:
        os.environ["FUNFLIGHTS_JWT_SECRET"] = secrets.token_urlsafe(48)
    if settings.payments_secret is None:
        os.environ["FUNFLIGHTS_PAYMENTS_SECRET"] = secrets.token_urlsafe(48)
    os.environ["FUNFLIGHTS_HOST"] = settings.host
    os.environ["FUNFLIGHTS_PORT"] = str(settings.port)
