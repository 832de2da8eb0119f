"""Aggregating route feeds with the domain core alone, as a merged company would.

Run from the repository root:

    .venv/bin/python examples/core_aggregation.py

Only ``funflights_core`` is imported (standard library and attrs underneath): no HTTP, no
framework, no settings. Part 1 validates loosely-typed records and merges two feeds with the
pure ``aggregate`` function. Part 2 plugs the company's own provider into the
``RouteCatalogue`` use case through the ``RouteProvider`` and ``Clock`` ports, and shows a
partial result when one provider fails.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from funflights_core.aggregation import ProviderFeed, aggregate
from funflights_core.circuit_breaker import CircuitBreaker
from funflights_core.errors import ProviderUnavailable
from funflights_core.feed_batch import FeedBatch
from funflights_core.route_catalogue import ProviderSource, RouteCatalogue
from funflights_core.route_provider import ProviderProfile, RouteProvider
from funflights_core.route_query import RouteQuery
from funflights_core.route_record import RouteRecord, parse_route_record

# The merged company's own records: (airline, source, destination, codeShare, stops, equipment)
# exactly as its systems hold them, with loose types.
LEGACY_ROWS: list[tuple[object, object, object, object, object, object]] = [
    ("ba", " LHR", "JFK", "", 0, "777  744 777"),  # codes upper-cased, equipment de-duplicated
    ("VS", "LHR", "JFK", None, "0", ["789", "351"]),  # stops as text, equipment as a list
    ("DY", "LGW", "JFK", "N", 0, None),
    ("BA", "\\N", "JFK", "", 0, "388"),  # OpenFlights' null marker: unusable
    ("AA", "LHR", "JFK", "maybe", 0, "77W"),  # unusable code-share flag
]

PARTNER_RECORDS = [
    RouteRecord("BA", "LHR", "JFK", code_share=True, stops=0, equipment="388 744"),
    RouteRecord("AA", "LHR", "JFK", code_share=False, stops=0, equipment="77W"),
]


def part_one() -> None:
    print("Part 1: parse_route_record + aggregate")
    legacy: list[RouteRecord] = []
    for row in LEGACY_ROWS:
        parsed = parse_route_record(*row)
        if isinstance(parsed, RouteRecord):
            legacy.append(parsed)
        else:
            print(f"  dropped {row[:3]}: {parsed}")  # a DropReason, e.g. missing-source-airport

    routes = aggregate(
        [
            ProviderFeed(provider="partner", priority=2, records=PARTNER_RECORDS),
            ProviderFeed(provider="legacy", priority=1, records=legacy),
        ]
    )
    for route in routes:  # one per (airline, source, destination, stops), sorted by that key
        print(f"  {route}")


class CompanyFeed:
    """The merged company's own provider: anything with ``async fetch() -> FeedBatch``."""

    def __init__(self, rows: list[tuple[object, object, object, object, object, object]]):
        self.rows = rows
        self.down = False

    async def fetch(self) -> FeedBatch:
        if self.down:
            raise ProviderUnavailable("legacy database is in maintenance")
        return FeedBatch.from_raw(self.rows)  # validates, counts unusable rows by reason


class PartnerFeed:
    async def fetch(self) -> FeedBatch:
        return FeedBatch(tuple(PARTNER_RECORDS))


class WallClock:
    """The Clock port (the adapters package has one too: adapters.clocks.SystemClock)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


async def part_two() -> None:
    print("\nPart 2: RouteCatalogue over the RouteProvider and Clock ports")
    clock = WallClock()
    company = CompanyFeed(LEGACY_ROWS)
    providers: list[tuple[str, int, RouteProvider]] = [
        ("legacy", 1, company),
        ("partner", 2, PartnerFeed()),
    ]
    catalogue = RouteCatalogue(
        [
            ProviderSource(
                profile=ProviderProfile(name=name, priority=priority),
                provider=provider,
                breaker=CircuitBreaker(failure_threshold=3, reset_after_s=30.0, clock=clock),
            )
            for name, priority, provider in providers
        ],
        clock=clock,
        max_age_s=300.0,
    )
    query = RouteQuery(airline="ba", source="lhr", destination="jfk")
    for label in ("both providers up", "legacy provider down"):
        snapshot = await catalogue.refresh()
        page = snapshot.routes.select(query)
        print(f"  {label}: {snapshot.completeness}, {len(snapshot.routes)} routes")
        for outcome in snapshot.outcomes:
            state = "ok" if outcome.ok else f"failed ({outcome.error})"
            print(f"    {outcome.provider}: {state}, dropped {dict(outcome.dropped)}")
        print(f"    BA LHR->JFK: {page.routes[0].equipment!r} from {page.routes[0].providers}")
        company.down = True
    await catalogue.aclose()


if __name__ == "__main__":
    # The catalogue logs each failed provider (logger funflights_core.route_catalogue).
    logging.basicConfig(level=logging.WARNING, format="    log %(levelname)s: %(message)s")
    part_one()
    asyncio.run(part_two())
