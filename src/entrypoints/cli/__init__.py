"""The operator CLI: ``funflights serve | routes | providers``."""

from __future__ import annotations

import click

from entrypoints.cli.providers_commands import providers
from entrypoints.cli.routes_command import routes
from entrypoints.cli.serve_command import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option("0.1.0", prog_name="funflights")
def main() -> None:
    """FunWithFlights: flight route aggregation across providers."""


main.add_command(serve)
main.add_command(routes)
main.add_command(providers)
