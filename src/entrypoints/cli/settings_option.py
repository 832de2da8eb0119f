"""Loading settings for a CLI command, with errors a person can act on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from entrypoints.provider_file import ProviderFileError
from entrypoints.settings import Settings


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the command line's options on top."""
    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"FUNFLIGHTS_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise click.UsageError(f"invalid settings: {problems}") from None


providers_file_option = click.option(
    "--providers-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Provider TOML file (default: FUNFLIGHTS_PROVIDERS_FILE, else the built-in providers).",
)


def fail_on_provider_file(exc: ProviderFileError) -> click.ClickException:
    """A provider-file error as a CLI error (exit status 1, message on stderr)."""
    return click.ClickException(str(exc))
