"""How fast the demo schedule generates flights (figures printed, nothing asserted).

Plans the bundled OpenFlights routes once (``DemoSchedule(...)``, timed apart), then
generates ``--days`` days from ``--start`` at ``--scale`` batch by batch, as
``funflights demo generate`` hands them to the bulk loader: each batch is dropped once
counted, unless ``--keep`` holds every flight as an in-memory inventory would.
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import date

from adapters.airports.airportsdata_directory import AirportsdataDirectory
from adapters.inventory.demo_schedule import DemoSchedule, bundled_routes
from adapters.money.babel_currencies import BabelCurrencies
from funflights_core.flight import Flight
from funflights_core.flight_source import SyncWindow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 6, 1))
    parser.add_argument("--keep", action="store_true", help="hold every flight in memory")
    args = parser.parse_args()

    began = time.perf_counter()
    routes = bundled_routes()
    airports = AirportsdataDirectory()
    loaded = time.perf_counter()
    schedule = DemoSchedule(routes, airports, BabelCurrencies(), scale=args.scale)
    planned = time.perf_counter()
    print(f"routes read    {loaded - began:6.2f} s  ({len(routes):,} routes, airports)")
    print(f"planned        {planned - loaded:6.2f} s  ({schedule.route_count:,} routes flown)")
    print(f"flights a day  {schedule.weekly_flights() / 7:,.0f} (average over a week)")

    kept: list[list[Flight]] = []
    count = 0
    start = time.perf_counter()
    for batch in schedule.batches(SyncWindow(args.start, args.days)):
        count += len(batch)
        if args.keep:
            kept.append(batch)
    seconds = time.perf_counter() - start
    print(
        f"generated      {seconds:6.2f} s  ({count:,} flights in {args.days} days at scale "
        f"{args.scale:g}{', kept' if args.keep else ''})"
    )
    print(f"speed          {count / seconds:,.0f} flights/s")
    print(f"peak RSS       {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
