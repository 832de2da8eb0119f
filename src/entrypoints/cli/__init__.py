"""The operator CLI.

``funflights serve | worker | routes | providers | db | tenants | users | demo | inventory |
search``, and the pricing
commands ``funflights margins`` (margin rules) and ``funflights coupons``.
"""

from __future__ import annotations

import click

from entrypoints.cli.db_commands import db
from entrypoints.cli.demo_commands import demo
from entrypoints.cli.inventory_commands import inventory
from entrypoints.cli.pricing_commands import coupons, margins
from entrypoints.cli.providers_commands import providers
from entrypoints.cli.routes_command import routes
from entrypoints.cli.search_commands import search
from entrypoints.cli.serve_command import serve
from entrypoints.cli.tenants_commands import tenants, users
from entrypoints.cli.worker_command import worker


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option("0.1.0", prog_name="funflights")
def main() -> None:
    """FunWithFlights: flight offer aggregation and booking platform."""


main.add_command(serve)
main.add_command(worker)
main.add_command(routes)
main.add_command(providers)
main.add_command(db)
main.add_command(tenants)
main.add_command(users)
main.add_command(margins)
main.add_command(coupons)
main.add_command(demo)
main.add_command(inventory)
main.add_command(search)
