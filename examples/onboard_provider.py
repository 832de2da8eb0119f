"""On-board a provider with the library: load a provider file, aggregate, inspect the result.

Run from the repository root (the project must be installed, e.g. by ``make run``/``make test``):

    .venv/bin/python examples/onboard_provider.py [PROVIDER_FILE]

PROVIDER_FILE defaults to ``examples/providers.toml``: the two bundled demo feeds plus the
``skyroutes`` feed in ``examples/feeds/``, whose fields have other names. This is what
``funflights providers check`` does, written out: validate the file, build the catalogue with
the same adapters the service uses, refresh it once, then report per provider and query it.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from adapters.clocks import SystemClock
from entrypoints.bootstrap import build_catalogue, new_http_client
from entrypoints.provider_file import ProviderFile, ProviderFileError, load_provider_file
from funflights_core.route_query import RouteQuery
from funflights_core.route_snapshot import RouteSnapshot

DEFAULT_FILE = Path(__file__).resolve().parent / "providers.toml"


async def aggregate_once(providers: ProviderFile, base_dir: Path) -> RouteSnapshot:
    """Fetch every enabled provider once and aggregate; ``file:`` URLs start at base_dir."""
    client = new_http_client()  # used by http(s) providers only
    catalogue = build_catalogue(
        providers, client=client, clock=SystemClock(), max_age_s=300.0, base_dir=base_dir
    )
    try:
        return await catalogue.refresh()
    finally:
        await catalogue.aclose()
        await client.aclose()


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FILE
    try:
        providers = load_provider_file(path)  # validated: every problem listed at once
    except ProviderFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    snapshot = asyncio.run(aggregate_once(providers, path.resolve().parent))

    print(f"{len(snapshot.routes)} routes ({snapshot.completeness}) in {snapshot.duration_s:.2f}s")
    for outcome in snapshot.outcomes:
        if outcome.ok:
            reasons = ", ".join(f"{k}={v}" for k, v in sorted(outcome.dropped.items()))
            detail = f"{outcome.records} records, {outcome.dropped_total} dropped"
            detail += f" ({reasons})" if reasons else ""
        else:
            detail = f"FAILED: {outcome.error}"
        print(f"  {outcome.provider:<10} priority {outcome.priority}  {detail}")

    page = snapshot.routes.select(RouteQuery(source="LHR", destination="JFK"))
    print(f"\nLHR -> JFK: {page.total} routes")
    for route in page.routes:
        share = "codeshare" if route.code_share else ""
        print(
            f"  {route.airline:<3} stops={route.stops}  {route.equipment:<20} {share:<9} "
            f"{', '.join(route.providers)}"
        )
    return 0 if not snapshot.failed else 1


if __name__ == "__main__":
    sys.exit(main())
