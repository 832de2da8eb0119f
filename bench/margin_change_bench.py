"""Benchmark: how long a margin-rule change takes to reach the prices of a second process.

One process (this one) holds 10,000 rules in the database and changes one through
``MarginRuleAdmin``, as ``PATCH /api/v1/admin/margin-rules/{id}`` does. A second process,
started here, prices a flight every millisecond from its own ``MarginBooks`` (following
changes the way ``funflights serve`` does, polling every FUNFLIGHTS_MARGIN_RULES_POLL_S)
and reports when the new margin first shows. Target: under one second.

    python bench/margin_change_bench.py                       # a temporary SQLite file
    python bench/margin_change_bench.py --database-url postgresql+asyncpg://...  # PostgreSQL
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from adapters.clocks import SystemClock
from adapters.identity.ids import UuidIds
from adapters.money.babel_currencies import BabelCurrencies
from adapters.persistence.engine import create_engine
from adapters.persistence.migrate import upgrade
from adapters.persistence.sql_unit_of_work import SqlUnitOfWorkFactory
from funflights_core.margin_books import MarginBooks
from funflights_core.margin_rule import FlightFacts
from funflights_core.margin_rule_admin import MarginRuleAdmin
from funflights_core.staff import operator
from pricing_bench import rules

TARGET_S = 1.0
TENANT = "default"
PROBE = FlightFacts("ZZ", "9999", "AAA", "BBB", "XA", "XB", date(2030, 6, 1))
"""A flight only the probe rule covers (no generated rule names carrier ZZ)."""


async def follow(url: str, poll_s: float) -> None:
    """The second process: price the probe flight continuously; say when its rule changes."""
    database = SqlUnitOfWorkFactory(create_engine(url))
    books = MarginBooks(database)
    await books.book(TENANT)
    watcher = asyncio.create_task(books.watch(poll_s))
    print("ready", flush=True)
    last = None
    while True:
        book = books.loaded(TENANT) or await books.book(TENANT)
        rule = book.rule_for(PROBE, datetime.now(UTC))
        percent = None if rule is None else rule.percent
        if percent != last:
            print(f"seen {percent} {time.time():.6f}", flush=True)
            last = percent
        await asyncio.sleep(0.001)
    watcher.cancel()  # pragma: no cover - the leader kills this process


async def lead(url: str, rule_count: int, changes: int, poll_s: float) -> None:
    """This process: store the rules, start the follower, change the probe rule and time it."""
    engine = create_engine(url)
    await upgrade(engine)
    database = SqlUnitOfWorkFactory(engine)
    started = time.perf_counter()
    async with database.for_tenant(TENANT) as uow:
        existing = len(await uow.margin_rules.all())
        for rule in rules(max(rule_count - existing, 0), random.Random(7)):
            await uow.margin_rules.add(rule, version=1)
        await uow.margin_rules.bump_version()
        await uow.commit()
    stored = time.perf_counter() - started
    admin = MarginRuleAdmin(
        database=database,
        books=MarginBooks(database),
        currencies=BabelCurrencies(),
        clock=SystemClock(),
        ids=UuidIds(),
    )
    staff = operator(TENANT, "bench")
    probe = await admin.create(
        staff,
        {"carrier": PROBE.carrier, "flight_number": PROBE.flight_number, "percent": "1"},
    )
    follower = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--follow",
        "--database-url",
        url,
        "--poll",
        str(poll_s),
        stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).parent,
    )
    assert follower.stdout is not None
    lines = follower.stdout
    try:
        while await lines.readline() != b"ready\n":
            pass
        await lines.readline()  # the rule as first loaded
        delays = []
        for n in range(changes):
            await asyncio.sleep(random.uniform(0.05, poll_s))  # changes land at any phase
            await admin.update(staff, probe.id, {"percent": str(2 + n)})
            committed = time.time()
            seen = (await lines.readline()).split()
            delays.append(float(seen[2]) - committed)
    finally:
        follower.kill()
        await follower.wait()
        await admin.delete(staff, probe.id)
        await engine.dispose()
    backend = url.split(":", 1)[0]
    verdict = "ok" if max(delays) < TARGET_S else "MISSED"
    print(f"[margin change] {backend}: {rule_count:,} rules stored in {stored:.1f} s")
    print(
        f"[margin change] {changes} changes seen by a second process after "
        f"median {statistics.median(delays) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms "
        f"(poll every {poll_s * 1000:.0f} ms; target < {TARGET_S * 1000:.0f} ms) -> {verdict}"
    )


def main() -> None:
    """Run the benchmark (or, with --follow, its second process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--poll", type=float, default=0.25)
    parser.add_argument("--follow", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.follow:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(follow(options.database_url, options.poll))
        return
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        asyncio.run(lead(url, options.rules, options.changes, options.poll))


if __name__ == "__main__":
    main()
