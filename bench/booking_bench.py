"""Complete bookings under load over HTTP on PostgreSQL, against a bare Litestar endpoint (#6).

Figures are printed, nothing is asserted. What is measured, and how:

1. The database: the PostgreSQL database ``funflights_booking_bench``, dropped, re-created,
   migrated, with the demo accounts and one day of the demo schedule (scale 0.05, ~1,900
   flights leaving 10 days from today), plus one customer per client (signed in once).
2. The server: ``funflights serve`` (uvicorn, one worker, FUNFLIGHTS_DEMO=true, search
   warming off) as a child process; then, in the same run, a bare Litestar app under uvicorn
   (one worker) whose POST endpoint answers a fixed booking-sized JSON document.
3. The load: this process, 32 asyncio tasks, each on its own keep-alive HTTP/1.1
   connection, each booking again as soon as it has booked: ``POST /api/v1/offers`` (a
   random flight), ``POST /api/v1/bookings`` (hold, with an Idempotency-Key), ``POST
   .../payment`` (sandbox card, with an Idempotency-Key) answered 200 ``confirmed``. A
   complete booking is one that reached ``confirmed``; bookings/s counts those completed in
   the measured window (after a warm-up). Each step's p50/p99 is of the responses completed
   in the window. The bare endpoint gets the same clients sending the hold's body.

Target: at least 200 complete bookings per second, p99 under 150 ms per step.

    .venv/bin/python bench/booking_bench.py
    .venv/bin/python bench/booking_bench.py --clients 16 --seconds 30
    .venv/bin/python bench/booking_bench.py --offers-ahead 120   # hold + pay only
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from litestar import Litestar, get, post
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from adapters.persistence.engine import create_engine
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings
from funflights_core.identity import IdentityService
from funflights_core.role import Role
from funflights_core.tenant_admin import TenantAdmin
from search_bench import (
    ROOT,
    cpu_mark,
    free_port,
    percentiles,
    recreate_postgres,
    server,
)

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/funflights_booking_bench"
PASSWORD = "booking-bench-password"
BOOKINGS_TARGET = 200.0
P99_TARGET_MS = 150.0
CARD = {"number": "4242424242424242", "expiry": "12/30", "cvc": "123", "holder": "B Bench"}
STEPS = ("offer", "hold", "pay")


class Connection:
    """One keep-alive HTTP/1.1 connection sending JSON POSTs (and GETs)."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """The status and body of the request."""
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._reader, self._writer
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self._host}:{self._port}",
            "Accept: application/json",
            f"Content-Length: {len(payload)}",
        ]
        if body is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            status = int(head[0].split(" ", 2)[1])
            found = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                found[name.strip().lower()] = value.strip().lower()
            answer = await reader.readexactly(int(found.get("content-length", "0")))
        except BaseException:
            self.close()
            raise
        if found.get("connection") == "close":
            self.close()
        return status, answer

    def close(self) -> None:
        """Drop the connection."""
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


@dataclass
class Step:
    """One answered (or failed) step."""

    done_at: float
    latency_s: float
    step: str
    status: str


@dataclass
class Figures:
    """What one server did in the window."""

    name: str
    seconds: float = 0.0
    completed: int = 0
    per_s: float = 0.0
    latency_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    cpu_server: float | None = None
    cpu_machine: float | None = None
    cpu_postgres: float | None = None
    cpu_client: float | None = None


async def prepare(url: str, clients: int, departure: date) -> tuple[list[str], list[str]]:
    """A fresh database: migrated, demo data, one day of flights, a customer per client."""
    env = {**os.environ, "FUNFLIGHTS_DATABASE_URL": url, "FUNFLIGHTS_LOG_LEVEL": "WARNING"}
    cli = [sys.executable, "-m", "entrypoints.cli"]
    for args in (
        ["db", "upgrade"],
        ["demo", "seed"],
        ["demo", "generate", "--start", departure.isoformat(), "--days", "1", "--scale", "0.05"],
    ):
        # Setting up, before anything is measured: blocking here is harmless.
        subprocess.run(  # noqa: ASYNC221
            [*cli, *args], cwd=ROOT, env=env, check=True, capture_output=True
        )
    container = bootstrap(Settings(database_url=url), demo_over_http=False)
    identity: IdentityService = container.resolve(IdentityService)
    tenants: TenantAdmin = container.resolve(TenantAdmin)
    tenant = await tenants.get(None, "default")
    emails = []
    for n in range(clients):
        email = f"bench-{n}-{uuid.uuid4().hex[:6]}@example.com"
        await identity.add_user(
            tenant, email=email, password=PASSWORD, roles=frozenset({Role.CUSTOMER})
        )
        emails.append(email)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT f.id FROM flights f JOIN flight_cabins c ON c.flight_id = f.id "
                    "WHERE c.cabin_class = 'economy' AND c.seats_available >= 100 "
                    "AND f.departs_at > now() + interval '2 days' ORDER BY f.id"
                )
            )
            flights = [row[0] for row in rows]
    finally:
        await engine.dispose()
    return emails, flights


async def sign_in(base_url: str, emails: list[str]) -> list[str]:
    """An access token per customer."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = Connection(host, int(port))
    tokens = []
    for email in emails:
        status, body = await connection.send(
            "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD}
        )
        if status != 200:
            raise RuntimeError(f"login failed: {status} {body[:200]!r}")
        tokens.append(json.loads(body)["access_token"])
    connection.close()
    return tokens


def hold_body(offer_id: str) -> dict[str, Any]:
    """The hold request: one adult traveller."""
    return {
        "offer_id": offer_id,
        "travellers": [{"given_names": "Bea", "family_name": "Bench", "born": "1980-01-01"}],
    }


async def drive(
    name: str,
    base_url: str,
    pid: int,
    *,
    tokens: list[str] | None,
    flights: list[str],
    clients: int,
    warmup: float,
    seconds: float,
    offers: list[list[str]] | None = None,
    samples_to: Path | None = None,
) -> Figures:
    """Book as fast as the server answers (or, for the bare app, post the hold's body).

    ``offers``: offers made beforehand, per client; each booking then starts from one
    (hold, pay), and makes its own only when they run out."""
    host, port = base_url.removeprefix("http://").split(":")
    samples: list[Step] = []
    completions: list[float] = []
    rng = random.Random(7)

    async def step(connection: Connection, label: str, *args: Any) -> tuple[int, bytes]:
        began = time.perf_counter()
        try:
            status, body = await asyncio.wait_for(connection.send(*args), timeout=60)
            code = str(status)
        except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError) as exc:
            status, body, code = 0, b"", type(exc).__name__
        done = time.perf_counter()
        samples.append(Step(done, done - began, label, code))
        return status, body

    async def bare_client(n: int) -> None:
        connection = Connection(host, int(port))
        while time.perf_counter() < end:
            status, _ = await step(connection, "hold", "POST", "/bare", hold_body("x"))
            if status == 200:
                completions.append(time.perf_counter())
        connection.close()

    async def booking_client(n: int) -> None:
        assert tokens is not None
        connection = Connection(host, int(port))
        auth = {"Authorization": f"Bearer {tokens[n]}"}
        ready = [] if offers is None else list(offers[n])
        while time.perf_counter() < end:
            if ready:
                offer = ready.pop()
            else:
                flight = rng.choice(flights)
                status, body = await step(
                    connection, "offer", "POST", "/api/v1/offers", {"flight_ids": [flight]}, auth
                )
                if status != 201:
                    continue
                offer = json.loads(body)["id"]
            status, body = await step(
                connection,
                "hold",
                "POST",
                "/api/v1/bookings",
                hold_body(offer),
                {**auth, "Idempotency-Key": uuid.uuid4().hex},
            )
            if status != 201:
                continue
            booking = json.loads(body)["id"]
            status, body = await step(
                connection,
                "pay",
                "POST",
                f"/api/v1/bookings/{booking}/payment",
                {"method": "card", "details": CARD},
                {**auth, "Idempotency-Key": uuid.uuid4().hex},
            )
            if status == 200 and json.loads(body)["status"] == "confirmed":
                completions.append(time.perf_counter())
        connection.close()

    began = time.perf_counter()
    start, end = began + warmup, began + warmup + seconds
    work = bare_client if tokens is None else booking_client
    tasks = [asyncio.create_task(work(n)) for n in range(clients)]
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    first = cpu_mark(pid)
    await asyncio.sleep(max(0.0, end - time.perf_counter()))
    last = cpu_mark(pid)
    await asyncio.gather(*tasks, return_exceptions=True)
    wall = last.wall - first.wall
    window = [s for s in samples if first.wall <= s.done_at < last.wall]
    if samples_to is not None:
        with samples_to.open("w") as out:
            out.write("second,step,status,latency_ms\n")
            for s in window:
                at = s.done_at - first.wall
                out.write(f"{at:.4f},{s.step},{s.status},{s.latency_s * 1000:.2f}\n")
    figures = Figures(name=name, seconds=round(wall, 2))
    figures.completed = sum(1 for t in completions if first.wall <= t < last.wall)
    figures.per_s = round(figures.completed / wall, 1) if wall > 0 else 0.0
    for label in STEPS:
        ok = [s.latency_s for s in window if s.step == label and s.status in ("200", "201")]
        if ok:
            figures.latency_ms[label] = percentiles(ok)
    figures.errors = dict(
        Counter(f"{s.step} {s.status}" for s in window if s.status not in ("200", "201"))
    )
    if first.server_s is not None and last.server_s is not None and wall > 0:
        figures.cpu_server = round((last.server_s - first.server_s) / wall, 2)
    if first.postgres_s is not None and last.postgres_s is not None and wall > 0:
        figures.cpu_postgres = round((last.postgres_s - first.postgres_s) / wall, 2)
    if wall > 0:
        figures.cpu_client = round((last.client_s - first.client_s) / wall, 2)
    if first.machine_total and last.machine_total and first.machine_busy is not None:
        spent = last.machine_total - first.machine_total
        if spent > 0 and last.machine_busy is not None:
            figures.cpu_machine = round((last.machine_busy - first.machine_busy) / spent, 2)
    return figures


async def offers_ahead(
    base_url: str, tokens: list[str], flights: list[str], per_client: int
) -> list[list[str]]:
    """``per_client`` offers for each client, made before anything is measured."""
    host, port = base_url.removeprefix("http://").split(":")
    rng = random.Random(11)

    async def make(token: str) -> list[str]:
        connection = Connection(host, int(port))
        auth = {"Authorization": f"Bearer {token}"}
        made = []
        for _ in range(per_client):
            body = {"flight_ids": [rng.choice(flights)]}
            status, answer = await connection.send("POST", "/api/v1/offers", body, auth)
            if status != 201:
                raise RuntimeError(f"offer failed: {status} {answer[:200]!r}")
            made.append(json.loads(answer)["id"])
        connection.close()
        return made

    return list(await asyncio.gather(*(make(token) for token in tokens)))


def bare_app() -> Litestar:
    """A bare Litestar app: POST /bare answers a fixed booking-shaped document."""
    document: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "status": "held",
        "record_locator": None,
        "offer_id": str(uuid.uuid4()),
        "flight_ids": ["BA117-LHR-20261224"],
        "cabin": "economy",
        "departs_at": "2026-12-24T10:00:00Z",
        "hold_expires_at": "2026-12-10T10:15:00Z",
        "travellers": [
            {
                "given_names": "Bea",
                "family_name": "Bench",
                "born": "1980-01-01",
                "document": None,
                "cancelled": False,
            }
        ],
        "seats": [],
        "bags": [],
        "price": {
            "fares": {"amount": "512.30", "currency": "EUR"},
            "extras": {"amount": "0.00", "currency": "EUR"},
            "bag_fee": {"amount": "40.00", "currency": "EUR"},
            "discount": {"amount": "0.00", "currency": "EUR"},
            "coupons": [],
            "points": 0,
            "points_value": None,
            "total": {"amount": "512.30", "currency": "EUR"},
        },
        "payment": None,
        "tickets": [],
        "refunds": [],
        "history": [
            {
                "before": None,
                "after": "held",
                "at": "2026-12-10T10:00:00Z",
                "actor": "customer:x",
                "reason": "held from an offer",
            }
        ],
    }

    @post("/bare", status_code=200)
    async def bare(data: dict[str, Any]) -> dict[str, Any]:
        return document

    @get("/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    return Litestar(route_handlers=[bare, ready], debug=False)


def run_bare_server(port: int, workers: int) -> None:
    """Serve the bare app with as many uvicorn workers as funflights gets."""
    uvicorn.run(
        "booking_bench:bare_app",
        factory=True,
        app_dir=str(Path(__file__).resolve().parent),
        workers=workers,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )


def print_figures(figures: Figures) -> None:
    """One server's figures."""
    print(f"\n[{figures.name}] {figures.seconds:g} s measured")
    unit = "complete bookings/s" if figures.name != "bare" else "req/s"
    print(f"  throughput  {figures.per_s:,.1f} {unit} ({figures.completed:,} in the window)")
    for label, values in figures.latency_ms.items():
        shown = "  ".join(f"{k} {v:,.1f}" for k, v in values.items())
        print(f"  {label:<6}      {shown} ms")
    if figures.errors:
        print(f"  not 2xx     {figures.errors}")
    print(
        f"  cpu         server {figures.cpu_server}, postgres {figures.cpu_postgres}, "
        f"load generator {figures.cpu_client} (cores); machine {figures.cpu_machine} (share)"
    )
    if figures.name != "bare" and figures.per_s:
        per = {
            "server": figures.cpu_server,
            "postgres": figures.cpu_postgres,
            "load generator": figures.cpu_client,
        }
        shown = ", ".join(f"{k} {v / figures.per_s * 1000:.1f}" for k, v in per.items() if v)
        print(f"  cpu/booking {shown} ms")


def parse_options() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--warmup", type=float, default=5.0, help="s, not measured (5)")
    parser.add_argument("--seconds", type=float, default=20.0, help="s measured (20)")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare endpoint")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers each (1)")
    parser.add_argument(
        "--offers-ahead",
        type=int,
        default=0,
        metavar="N",
        help="make N offers per client before measuring: bookings are then hold + pay only",
    )
    parser.add_argument(
        "--samples",
        type=Path,
        metavar="CSV",
        help="write each measured response (second, step, status, latency_ms) to CSV",
    )
    parser.add_argument("--bare-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    """Prepare, book against funflights, post to the bare app, summarise."""
    options = parse_options()
    if options.bare_server:
        run_bare_server(options.port, options.workers)
        return
    url = options.database_url
    departure = datetime.now(UTC).date() + timedelta(days=10)
    print(f"booking benchmark: {os.cpu_count()} CPUs shared; {options.clients} clients")
    asyncio.run(recreate_postgres(url))
    emails, flights = asyncio.run(prepare(url, options.clients, departure))
    print(f"database ready: {len(flights):,} flights with seats, {len(emails)} customers")
    port = free_port()
    env = {
        **os.environ,
        "FUNFLIGHTS_DATABASE_URL": url,
        "FUNFLIGHTS_DEMO": "true",
        "FUNFLIGHTS_LOG_LEVEL": "WARNING",
        "FUNFLIGHTS_SEARCH_WARM_ROUTES": "0",
        "FUNFLIGHTS_PAYMENTS_SECRET": "booking-bench-payments-secret-0123456789",
    }
    env.pop("FUNFLIGHTS_REDIS_URL", None)
    command = [sys.executable, "-m", "entrypoints.cli", "serve", "--host", "127.0.0.1"]
    command += ["--workers", str(options.workers)]
    with server("funflights", [*command, "--port", str(port)], env, port) as target:
        tokens = asyncio.run(sign_in(target.base_url, emails))
        ready = None
        if options.offers_ahead:
            ready = asyncio.run(
                offers_ahead(target.base_url, tokens, flights, options.offers_ahead)
            )
        booked = asyncio.run(
            drive(
                "funflights",
                target.base_url,
                target.process.pid,
                tokens=tokens,
                flights=flights,
                clients=options.clients,
                warmup=options.warmup,
                seconds=options.seconds,
                offers=ready,
                samples_to=options.samples,
            )
        )
    print_figures(booked)
    if options.no_bare:
        print_summary(booked, None, options)
        return
    port = free_port()
    bare_command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--bare-server",
        "--workers",
        str(options.workers),
    ]
    with server("bare", [*bare_command, "--port", str(port)], dict(os.environ), port) as target:
        bare = asyncio.run(
            drive(
                "bare",
                target.base_url,
                target.process.pid,
                tokens=None,
                flights=flights,
                clients=options.clients,
                warmup=options.warmup,
                seconds=options.seconds,
            )
        )
    print_figures(bare)
    print_summary(booked, bare, options)


def print_summary(booked: Figures, bare: Figures | None, options: argparse.Namespace) -> None:
    """The targets met or missed (and the ratio to the bare endpoint when it ran)."""
    worst = max((v.get("p99", 0.0) for v in booked.latency_ms.values()), default=0.0)
    what = "hold + pay, offers made beforehand" if options.offers_ahead else "offer, hold, pay"
    lines = [
        f"\nsummary ({platform.python_version()}, {options.workers} uvicorn worker(s) each; "
        f"{what}):",
        f"  {booked.per_s:,.1f} complete bookings/s (target >= {BOOKINGS_TARGET:.0f}) -> "
        f"{'ok' if booked.per_s >= BOOKINGS_TARGET else 'MISSED'}",
        f"  worst step p99 {worst:,.1f} ms (target < {P99_TARGET_MS:.0f}) -> "
        f"{'ok' if 0 < worst < P99_TARGET_MS else 'MISSED'}",
    ]
    if bare is not None:
        requests_per_s = booked.per_s * (len(STEPS) - (1 if options.offers_ahead else 0))
        lines.append(
            f"  {requests_per_s:,.1f} booking requests/s = "
            f"{requests_per_s / bare.per_s if bare.per_s else 0:.1%} of the bare endpoint's "
            f"{bare.per_s:,.1f} req/s"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
