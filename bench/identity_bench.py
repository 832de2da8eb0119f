"""Benchmarks of identity (figures printed, nothing asserted).

1. Password hashing: the argon2id parameters in force and the time one hash takes.
2. Logins per second: ``POST /api/v1/auth/login`` on the real app (SQLite file, real
   argon2 parameters), driven in-process through ASGI with several logins in flight, since
   argon2 releases the GIL and a server handles logins concurrently.
3. Authenticated request overhead: ``GET /routes?source=JFK`` with a reseller's
   ``X-API-Key`` (key lookup, scope check, two counters) against the same request without
   a key, alternating in rounds (target: under 15% slower). Also the cost of checking a
   bearer token (signature, claims, revoked-session lookup) per request.
4. A 100,000-customer import (JSON Lines) into PostgreSQL when FUNFLIGHTS_TEST_DATABASE_URL
   is set (else SQLite), then the same file again (idempotent: nothing changes).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent / "tests"))


from adapters.clocks import SystemClock  # noqa: E402
from adapters.persistence.engine import create_engine  # noqa: E402
from adapters.persistence.migrate import upgrade  # noqa: E402
from adapters.persistence.sql_unit_of_work import SqlUnitOfWorkFactory  # noqa: E402
from adapters.security.argon2_hasher import Argon2PasswordHasher  # noqa: E402
from entrypoints.bootstrap import bootstrap  # noqa: E402
from entrypoints.customer_files import customer_lines  # noqa: E402
from entrypoints.http.app import create_app  # noqa: E402
from entrypoints.settings import Settings  # noqa: E402
from funflights_core.api_keys import ApiKeyService  # noqa: E402
from funflights_core.customer_import import CustomerImporter  # noqa: E402
from funflights_core.identity import IdentityService  # noqa: E402
from funflights_core.role import Role  # noqa: E402
from funflights_core.tenant_admin import TenantAdmin  # noqa: E402
from funflights_core.unit_of_work import UnitOfWorkFactory  # noqa: E402
from postgres_schema import postgres_schema  # noqa: E402
from routes_bench import AsgiDriver, lifespan  # noqa: E402

PASSWORD = "correct horse battery"
OVERHEAD_TARGET = 0.15


class PostDriver(AsgiDriver):
    """AsgiDriver sending POSTs with a JSON body."""

    def __init__(self, app: Any, state: dict[str, Any], path: str, body: bytes) -> None:
        super().__init__(app, state, path)
        self._template["method"] = "POST"
        self._headers.append((b"content-type", b"application/json"))
        self._body = body

    async def _receive(self) -> dict[str, Any]:
        return {"type": "http.request", "body": self._body, "more_body": False}


async def hashing() -> None:
    hasher = Argon2PasswordHasher()
    await hasher.hash(PASSWORD)
    times = []
    for _ in range(15):
        started = time.perf_counter()
        await hasher.hash(PASSWORD)
        times.append(time.perf_counter() - started)
    p = hasher._parameters
    print(
        f"[argon2id] time_cost={p.time_cost}, memory_cost={p.memory_cost} KiB, "
        f"parallelism={p.parallelism}, hash length {p.hash_len}, salt length {p.salt_len}"
    )
    print(f"  one hash: median {statistics.median(times) * 1000:.1f} ms over {len(times)}")


async def throughput(driver: AsgiDriver, seconds: float, in_flight: int = 1) -> float:
    """Requests per second with ``in_flight`` concurrent callers."""
    done = 0
    errors = 0
    deadline = time.perf_counter() + seconds

    async def caller() -> None:
        nonlocal done, errors
        while time.perf_counter() < deadline:
            if await driver.request() >= 400:
                errors += 1
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(in_flight)))
    if errors:
        print(f"  ({errors} error answers)")
    return done / (time.perf_counter() - started)


async def app_benchmarks(seconds: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="ff-bench-"))
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{folder / 'bench.db'}",
        demo=True,
        mail_folder=folder / "mail",
    )
    container = bootstrap(settings, demo_over_http=False)
    database: SqlUnitOfWorkFactory = container.resolve(UnitOfWorkFactory)
    await upgrade(database.engine)
    identity: IdentityService = container.resolve(IdentityService)
    tenant_admin: TenantAdmin = container.resolve(TenantAdmin)
    default = await tenant_admin.get(None, "default")
    await identity.add_user(
        default, email="agent@example.com", password=PASSWORD, roles=frozenset({Role.TENANT_ADMIN})
    )
    pair = await identity.login(
        default, email="agent@example.com", password=PASSWORD, client_address="bench"
    )
    keys: ApiKeyService = container.resolve(ApiKeyService)
    issued = await keys.issue(
        pair.claims,
        name="bench",
        scopes=["search"],
        rate_limit_per_minute=1_000_000,
        daily_quota=100_000_000,
    )
    app = create_app(container, refresh_in_background=False)
    async with lifespan(app) as state:
        login = PostDriver(
            app,
            state,
            "/api/v1/auth/login",
            b'{"email": "agent@example.com", "password": "correct horse battery"}',
        )
        assert await login.request() == 200, login.last_body
        for in_flight in (1, 4):
            rate = await throughput(login, seconds, in_flight)
            print(f"[login] {rate:.1f} logins/s with {in_flight} in flight")

        anonymous = AsgiDriver(app, state, "/routes", "source=JFK")
        keyed = AsgiDriver(app, state, "/routes", "source=JFK")
        keyed._headers.append((b"x-api-key", issued.secret.encode()))
        assert await anonymous.request() == 200
        assert await keyed.request() == 200, keyed.last_body
        totals = {"anonymous": 0.0, "keyed": 0.0}
        for _ in range(3):
            for name, driver in (("anonymous", anonymous), ("keyed", keyed)):
                totals[name] += await throughput(driver, seconds / 3)
        overhead = totals["anonymous"] / totals["keyed"] - 1
        verdict = "ok" if overhead < OVERHEAD_TARGET else "MISSED"
        print(
            f"[API key] GET /routes?source=JFK: {totals['anonymous'] / 3:.0f} req/s anonymous, "
            f"{totals['keyed'] / 3:.0f} req/s with X-API-Key: {overhead:+.1%} slower "
            f"(target < {OVERHEAD_TARGET:.0%}) -> {verdict}"
        )
        per_request = 1 / (totals["anonymous"] / 3)
        token = pair.access_token
        runs = 2000
        started = time.perf_counter()
        for _ in range(runs):
            await identity.authenticate(token)
        check = (time.perf_counter() - started) / runs
        print(
            f"[bearer] checking an access token: {check * 1e6:.1f} us per request "
            f"({check / per_request:.0%} of an anonymous GET /routes?source=JFK)"
        )


async def import_benchmark(count: int) -> None:
    lines = "\n".join(
        f'{{"external_id": "crm-{n}", "email": "customer{n}@merged.example", '
        f'"full_name": "Customer {n}", "language": "en", "preferred_currency": "EUR"}}'
        for n in range(count)
    )
    url = os.environ.get("FUNFLIGHTS_TEST_DATABASE_URL")

    async def run(factory: SqlUnitOfWorkFactory, where: str) -> None:
        importer = CustomerImporter(database=factory, clock=SystemClock(), ids=_Ids())
        for attempt in ("first import", "same file again"):
            started = time.perf_counter()
            report = await importer.run("default", customer_lines(lines, "jsonl"))
            elapsed = time.perf_counter() - started
            print(
                f"[import] {count} customers into {where}, {attempt}: {elapsed:.1f} s "
                f"({count / elapsed:,.0f} lines/s; {report.accepted} new, "
                f"{report.unchanged} unchanged, {len(report.rejected)} rejected)"
            )

    if url:
        async with postgres_schema(url) as factory:
            await run(factory, "PostgreSQL")
    else:
        folder = Path(tempfile.mkdtemp(prefix="ff-import-"))
        engine = create_engine(f"sqlite+aiosqlite:///{folder / 'import.db'}")
        await upgrade(engine)
        await run(SqlUnitOfWorkFactory(engine), "SQLite (FUNFLIGHTS_TEST_DATABASE_URL not set)")
        await engine.dispose()


class _Ids:
    def new_id(self) -> str:
        return str(uuid.uuid4())


def main() -> None:
    """Run the identity benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per throughput figure")
    parser.add_argument("--customers", type=int, default=100_000)
    options = parser.parse_args()
    asyncio.run(hashing())
    asyncio.run(app_benchmarks(options.seconds))
    asyncio.run(import_benchmark(options.customers))


if __name__ == "__main__":
    main()
