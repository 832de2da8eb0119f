"""Flight search under load over HTTP, against a bare Litestar endpoint (issue #5).

Figures are printed, nothing is asserted. What is measured, and how:

1. The database: by default the PostgreSQL database ``funflights_bench`` that already holds
   the demo schedule (30 days from 2026-12-01 at scale 1, ~1.1 million flights); ``--load``
   drops and re-creates it first and times ``funflights demo generate``. ``--sqlite`` also
   generates the same schedule into an SQLite file (timed) and runs the same workload on it.
2. The workload: the 1,000 busiest routes (most flights in the database) x the 30 dates
   from ``--start`` = 30,000 keys, ranked by route (busiest first; each route's dates in a
   fixed random order) and drawn with a Zipf distribution (s = 1.1) into a fixed sequence of
   requests (same seed, same sequence for every server). Each is
   ``GET /api/v1/flights/search?origin=&destination=&date=&limit=50``, the first page of 50
   priced results; 10% of them are followed by the second page (``cursor=next_cursor``).
   Both pages count as requests; page-2 latency is also shown apart.
3. The servers: ``funflights serve`` (uvicorn, one worker, FUNFLIGHTS_DEMO=true) as a child
   process; then, in the same run, a bare Litestar app under uvicorn (one worker, same
   uvicorn defaults) whose search path returns a fixed page of 50 results shaped like the
   real ones (same harness, same URLs). One server runs at a time.
4. The load: this process, 32 asyncio tasks, each on its own keep-alive HTTP/1.1 connection
   (a minimal client over asyncio streams; ``--client httpx`` shares one httpx.AsyncClient
   instead, whose own CPU cost caps what it can show near 400 req/s here), each sending its
   next request when the previous one has answered. A warm-up (not measured) comes first;
   then, over the measured window, requests/s counts the 200 responses completed in the
   window and latencies are those of the responses completed in it (as wrk does). Requests
   still in flight at the end are reported, not counted. CPU use of the server, of this
   process and of the machine over the window is printed next to the figures.

Targets (PostgreSQL): p99 < 50 ms; search >= 30% of the bare endpoint's requests/s.

    .venv/bin/python bench/search_bench.py                       # PostgreSQL, ~1 min
    .venv/bin/python bench/search_bench.py --warmup 5 --seconds 15 --sqlite
    .venv/bin/python bench/search_bench.py --load                # re-create + time the load
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import itertools
import json
import math
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import uvicorn
from litestar import Litestar, get
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.persistence.engine import create_engine

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/funflights_bench"
DEFAULT_START = date(2026, 12, 1)
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"
REDIS_DATABASES = {"postgresql": 1, "sqlite": 2}
PAGES_KEPT_S = 86_400
"""The page store keeps pages a day here, so that ``make bench-search`` can reuse them."""
SEARCH_PATH = "/api/v1/flights/search"
P99_TARGET_MS = 50.0
RATIO_TARGET = 0.30
START_TIMEOUT_S = 180.0
GENERATED = re.compile(r"([\d,]+) flights in ([\d.]+) s")


# --- the workload ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """The keys (page-1 URLs, by rank) and the fixed sequence of requests drawn from them."""

    keys: list[str]
    """Page-1 path and query of each key, most popular first."""
    sequence: list[tuple[int, bool]]
    """(key index, followed by page 2?) in the order the clients send them."""
    routes: list[tuple[str, str, int]]
    """The busiest routes: origin, destination, flights in the database."""
    dates: list[date]
    zipf_s: float

    def share_of_top(self, count: int) -> float:
        """The share of the sequence that asks for the ``count`` most popular keys."""
        return sum(1 for key, _ in self.sequence if key < count) / len(self.sequence)


def build_workload(
    routes: list[tuple[str, str, int]],
    dates: list[date],
    *,
    zipf_s: float,
    second_page: float,
    length: int,
    limit: int,
    seed: int,
) -> Workload:
    """Rank route x date keys (route rank, then a per-route random date order); draw Zipf."""
    rng = random.Random(seed)
    keys = []
    for origin, destination, _ in routes:
        order = list(dates)
        rng.shuffle(order)  # which date of a route is most asked for: fixed, not the first
        keys += [
            f"{SEARCH_PATH}?origin={origin}&destination={destination}"
            f"&date={day.isoformat()}&limit={limit}"
            for day in order
        ]
    weights = list(itertools.accumulate(1 / rank**zipf_s for rank in range(1, len(keys) + 1)))
    drawn = rng.choices(range(len(keys)), cum_weights=weights, k=length)
    sequence = [(key, rng.random() < second_page) for key in drawn]
    return Workload(keys, sequence, routes, dates, zipf_s)


async def read_database(url: str, route_count: int) -> tuple[int, list[tuple[str, str, int]]]:
    """How many flights the database holds, and its busiest routes."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            flights = (await connection.execute(text("SELECT count(*) FROM flights"))).scalar_one()
            rows = await connection.execute(
                text(
                    "SELECT origin, destination, count(*) FROM flights "
                    "GROUP BY origin, destination ORDER BY 3 DESC, 1, 2 LIMIT :n"
                ),
                {"n": route_count},
            )
            routes = [(str(o), str(d), int(n)) for o, d, n in rows]
    finally:
        await engine.dispose()
    return int(flights), routes


# --- loading the demo schedule ---------------------------------------------------------------


@dataclass
class Load:
    """One ``funflights demo generate`` run."""

    backend: str
    wall_s: float
    flights_reported: int | None
    reported_s: float | None
    output: str


def cli(
    *args: str, url: str, capture: bool = False, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``funflights ARGS`` against ``url`` (output passed through unless captured)."""
    env = {**os.environ, "FUNFLIGHTS_DATABASE_URL": url, "FUNFLIGHTS_LOG_LEVEL": "WARNING"}
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        capture_output=capture,
    )


def generate(url: str, backend: str, start: date, days: int, scale: float) -> Load:
    """Migrate the database, then time ``funflights demo generate`` into it."""
    cli("db", "upgrade", url=url, capture=True)
    args = ("--start", start.isoformat(), "--days", str(days), "--scale", f"{scale:g}")
    print(f"  funflights demo generate {' '.join(args)} ... ", end="", flush=True)
    began = time.perf_counter()
    try:
        done = cli("demo", "generate", *args, url=url, capture=True)
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"funflights demo generate failed:\n{exc.stdout}\n{exc.stderr}") from None
    wall = time.perf_counter() - began
    line = next((x for x in done.stdout.splitlines() if GENERATED.search(x)), "")
    print(f"{wall:.1f} s", flush=True)
    if line:
        print(f"  it printed: {line.strip()}", flush=True)
    found = GENERATED.search(line)
    return Load(
        backend=backend,
        wall_s=round(wall, 1),
        flights_reported=int(found.group(1).replace(",", "")) if found else None,
        reported_s=float(found.group(2)) if found else None,
        output=line.strip(),
    )


@dataclass
class Warm:
    """One ``funflights search warm`` run."""

    wall_s: float
    output: str


def warm(url: str, redis_url: str, options: argparse.Namespace) -> Warm:
    """Time ``funflights search warm`` for the workload's routes and dates."""
    args = (
        "--start", options.start.isoformat(), "--days", str(options.days),
        "--routes", str(options.routes),
    )  # fmt: skip
    print(f"  funflights search warm {' '.join(args)} ... ", end="", flush=True)
    # The settings of the server it warms for (demo mode accepts the bundled rates' age):
    # other rates would be other pages, under other keys.
    env_redis = {
        "FUNFLIGHTS_REDIS_URL": redis_url,
        "FUNFLIGHTS_SEARCH_PAGES_S": str(PAGES_KEPT_S),
        "FUNFLIGHTS_DEMO": "true",
    }
    began = time.perf_counter()
    try:
        done = cli("search", "warm", *args, url=url, capture=True, extra_env=env_redis)
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"funflights search warm failed:\n{exc.stdout}\n{exc.stderr}") from None
    wall = time.perf_counter() - began
    line = next((x for x in reversed(done.stdout.splitlines()) if "searches (" in x), "")
    print(f"{wall:.1f} s\n  it printed: {line.strip()}", flush=True)
    return Warm(round(wall, 1), line.strip())


async def recreate_postgres(url: str) -> None:
    """Drop and create the database named in ``url`` (through the ``postgres`` database)."""
    parsed = make_url(url)
    name = parsed.database
    if not name or not re.fullmatch(r"\w+", name):
        raise SystemExit(f"--load: cannot re-create a database named {name!r}")
    admin = create_async_engine(
        parsed.set(database="postgres"), isolation_level="AUTOCOMMIT", hide_parameters=True
    )
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()


# --- the servers -----------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, Linux only
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Server:
    """A server child process on 127.0.0.1."""

    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def log_tail(self, lines: int = 15) -> str:
        """The end of what the server wrote."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def server(name: str, command: list[str], env: dict[str, str], port: int) -> Iterator[Server]:
    """Start ``command`` (listening on ``port``), wait for ``/ready``; stop it afterwards."""
    with tempfile.NamedTemporaryFile(prefix=f"search-bench-{name}-", suffix=".log") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        running = Server(name, process, f"http://127.0.0.1:{port}", Path(log.name))
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited ({process.returncode}):\n{running.log_tail()}"
                    )
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(running.base_url + "/ready", timeout=5).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} not ready in {START_TIMEOUT_S:.0f} s")
                time.sleep(0.25)  # polling a server that is starting
            yield running
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def funflights_server(url: str, redis_url: str | None) -> tuple[list[str], dict[str, str], int]:
    """How to start ``funflights serve`` on a free port over ``url`` (and Redis if given)."""
    port = free_port()
    env = {
        **os.environ,
        "FUNFLIGHTS_DATABASE_URL": url,
        "FUNFLIGHTS_DEMO": "true",
        "FUNFLIGHTS_LOG_LEVEL": "WARNING",
        "FUNFLIGHTS_SEARCH_PAGES_S": str(PAGES_KEPT_S),
    }
    env.pop("FUNFLIGHTS_REDIS_URL", None)
    if redis_url is not None:
        env["FUNFLIGHTS_REDIS_URL"] = redis_url
    command = [sys.executable, "-m", "entrypoints.cli", "serve", "--host", "127.0.0.1"]
    return [*command, "--port", str(port)], env, port


def bare_server() -> tuple[list[str], dict[str, str], int]:
    """How to start the bare app (this file with ``--bare-server``) on a free port."""
    port = free_port()
    command = [sys.executable, str(Path(__file__).resolve()), "--bare-server"]
    return [*command, "--port", str(port)], dict(os.environ), port


# --- the bare endpoint -----------------------------------------------------------------------


def _flight(n: int, origin: str, destination: str, departs: datetime, minutes: int) -> Any:
    arrives = departs + timedelta(minutes=minutes)
    local = departs + timedelta(hours=8)
    times = {
        "departs_at": departs.isoformat().replace("+00:00", "Z"),
        "departs_local": local.replace(tzinfo=None).isoformat() + "+08:00",
        "arrives_at": arrives.isoformat().replace("+00:00", "Z"),
        "arrives_local": (arrives + timedelta(hours=9)).replace(tzinfo=None).isoformat() + "+09:00",
        "duration_minutes": minutes,
    }
    return {
        "id": f"XX{100 + n}-{origin}-{departs:%Y%m%d}",
        "designator": f"XX{100 + n}",
        "marketing_carrier": "XX",
        "marketing_carrier_name": "Example Airways International",
        "operating_carrier": "XX",
        "aircraft": "777",
        "aircraft_name": "Boeing 777",
        "origin": origin,
        "destination": destination,
        **times,
        "stops": 0,
        "status": "scheduled",
        "legs": [{"origin": origin, "destination": destination, **times}],
    }


def bare_payload(count: int = 50) -> dict[str, Any]:
    """A search answer of ``count`` results shaped like the real ones (a few one-stop)."""
    day = datetime(2026, 12, 5, tzinfo=UTC)
    results = []
    for n in range(count):
        departs = day + timedelta(minutes=15 * n)
        if n % 7 == 3:  # a few one-stop connections: ~47 KiB, as real pages
            flights = [
                _flight(n, "HKG", "TPE", departs, 110),
                _flight(n + 50, "TPE", "ICN", departs + timedelta(minutes=200), 150),
            ]
        else:
            flights = [_flight(n, "HKG", "ICN", departs, 180)]
        minutes = 180 if len(flights) == 1 else 460
        results.append(
            {
                "id": "+".join(flight["id"] for flight in flights),
                "flights": flights,
                "duration_minutes": minutes,
                "stops": len(flights) - 1,
                "price": {"amount": f"{253.16 + 7.31 * n:.2f}", "currency": "EUR"},
                "seats_left": None,
                "rating": {"average": None, "count": 0},
            }
        )
    airlines = {f"{chr(65 + n // 26)}{chr(65 + n % 26)}": 3 * n + 1 for n in range(60)}
    facets = {
        "airlines": airlines,
        "stops": {"0": 58, "1": 1015},
        "min_price": {"amount": "253.16", "currency": "EUR"},
        "max_price": {"amount": "2467.90", "currency": "EUR"},
    }
    page = {
        "origin": "HKG",
        "destination": "ICN",
        "date": "2026-12-05",
        "currency": "EUR",
        "total": 1073,
        "results": results,
        "facets": facets,
        "next_cursor": "WyJiZXN0IiwgIjEwODAwIiwgIjMwOS4xNyIsICJLRTU0Ny1IS0ctMjAyNjEyMDUiXQ",
    }
    return {"slices": [page]}


def run_bare_server(port: int) -> None:
    """Serve the bare app: the search path answers the fixed page; ``/ready`` answers ok."""
    payload = bare_payload()

    @get(SEARCH_PATH)
    async def search() -> dict[str, Any]:
        return payload

    @get("/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    app = Litestar(route_handlers=[search, ready], debug=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --- the load generator ----------------------------------------------------------------------


@dataclass
class Sample:
    """One answered (or failed) request."""

    done_at: float
    latency_s: float
    page: int
    status: str
    key: int
    size: int


@dataclass
class CpuMark:
    """CPU time used so far by this process, the server and the whole machine."""

    wall: float
    client_s: float
    server_s: float | None
    machine_busy: int | None
    machine_total: int | None
    postgres_s: float | None = None


def _processes() -> dict[int, tuple[str, int, float]]:
    """Every process's name, parent and CPU seconds so far (/proc on Linux)."""
    found: dict[int, tuple[str, int, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = (entry / "stat").read_text()
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text.rsplit(")", 1)[1].split()
            found[int(entry.name)] = (
                name,
                int(fields[1]),
                (int(fields[11]) + int(fields[12])) / tick,
            )
    return found


def cpu_mark(pid: int) -> CpuMark:
    """Read the CPU counters now (/proc on Linux; None elsewhere): this process's, the
    server's with its worker processes, PostgreSQL's and the machine's."""
    server_s = busy = total = postgres_s = None
    with contextlib.suppress(OSError):
        processes = _processes()
        if pid in processes:
            server_s = processes[pid][2] + sum(
                cpu for _, parent, cpu in processes.values() if parent == pid
            )
        postgres_s = sum(cpu for name, _, cpu in processes.values() if name == "postgres")
    with contextlib.suppress(OSError, ValueError, IndexError):
        ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        total = sum(ticks[:8])
        busy = total - ticks[3] - ticks[4]  # idle, iowait
    return CpuMark(time.perf_counter(), time.process_time(), server_s, busy, total, postgres_s)


@dataclass
class Run:
    """The figures of one server under the workload."""

    name: str
    clients: int
    warmup_s: float
    seconds: float
    ok: int = 0
    ok_page2: int = 0
    per_s: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    page2_latency_ms: dict[str, float] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    in_flight_at_end: int = 0
    oldest_in_flight_s: float = 0.0
    distinct_keys: int = 0
    mean_response_bytes: int = 0
    cpu_server: float | None = None
    cpu_client: float | None = None
    cpu_machine: float | None = None
    warmup_responses: int = 0


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p90, p99 (nearest rank) and max, in ms; empty without values."""
    if not values:
        return {}
    ordered = sorted(values)
    ranks = {"p50": 50, "p90": 90, "p99": 99, "max": 100}
    return {
        name: round(ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)] * 1000, 1)
        for name, p in ranks.items()
    }


class Connection:
    """One keep-alive HTTP/1.1 connection: a minimal GET client over asyncio streams.

    httpx costs this process ~2 ms of CPU per 50-70 KiB response with 32 connections in
    one client (~0.6 ms with one), which capped the bare endpoint near 400 req/s on 2 cores;
    this costs ~0.05 ms, so the server, not the load generator, sets the pace.
    """

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        """The status and body of ``GET path`` (reconnects when the server closed)."""
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._reader, self._writer
        try:
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
                "Accept: application/json\r\n\r\n".encode()
            )
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            status = int(head[0].split(" ", 2)[1])
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip().lower()
            if "content-length" in headers:
                body = await reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding") == "chunked":
                body = await self._chunked(reader)
            else:
                body = await reader.read()
                headers["connection"] = "close"
        except BaseException:
            self.close()
            raise
        if headers.get("connection") == "close":
            self.close()
        return status, body

    @staticmethod
    async def _chunked(reader: asyncio.StreamReader) -> bytes:
        body = bytearray()
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, then an empty line
            pass
        return bytes(body)

    def close(self) -> None:
        """Drop the connection (the next request opens another)."""
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


Fetch = Callable[[int, str], Awaitable[tuple[int, bytes]]]
"""GET a path as client number N: (status, body)."""


@contextlib.asynccontextmanager
async def http_clients(kind: str, base_url: str, clients: int) -> AsyncIterator[Fetch]:
    """One connection per client (``raw``), or one shared httpx.AsyncClient (``httpx``)."""
    if kind == "httpx":
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=None) as http:

            async def fetch_httpx(_: int, path: str) -> tuple[int, bytes]:
                response = await http.get(path)
                return response.status_code, response.content

            yield fetch_httpx
        return
    address = httpx.URL(base_url)
    connections = [Connection(address.host, address.port or 80) for _ in range(clients)]

    async def fetch_raw(worker: int, path: str) -> tuple[int, bytes]:
        return await connections[worker].get(path)

    try:
        yield fetch_raw
    finally:
        for connection in connections:
            connection.close()


async def drive(
    name: str,
    target: Server,
    workload: Workload,
    *,
    client_kind: str,
    clients: int,
    warmup: float,
    seconds: float,
    request_timeout_s: float,
) -> Run:
    """Load ``target`` with the workload: warm-up, then the measured window."""
    samples: list[Sample] = []
    in_flight: dict[int, float] = {}
    position = itertools.count()
    async with http_clients(client_kind, target.base_url, clients) as fetch:

        async def request(worker: int, path: str, page: int, key: int) -> bytes | None:
            began = time.perf_counter()
            in_flight[worker] = began
            body = None
            try:
                async with asyncio.timeout(request_timeout_s):
                    code, body = await fetch(worker, path)
                status, size = str(code), len(body)
            except (OSError, TimeoutError, ValueError, IndexError, httpx.HTTPError) as exc:
                status, size = type(exc).__name__, 0
            except asyncio.IncompleteReadError:
                status, size = "connection closed", 0
            done = time.perf_counter()
            del in_flight[worker]
            samples.append(Sample(done, done - began, page, status, key, size))
            return body if status == "200" else None

        async def client(worker: int) -> None:
            while time.perf_counter() < end:
                key, second = workload.sequence[next(position) % len(workload.sequence)]
                path = workload.keys[key]
                body = await request(worker, path, 1, key)
                if not second or body is None:
                    continue
                cursor = json.loads(body)["slices"][0].get("next_cursor")
                if cursor and time.perf_counter() < end:
                    await request(worker, f"{path}&cursor={quote(cursor)}", 2, key)

        began = time.perf_counter()
        start, end = began + warmup, began + warmup + seconds
        tasks = [asyncio.create_task(client(n)) for n in range(clients)]
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        first = cpu_mark(target.process.pid)
        await asyncio.sleep(max(0.0, end - time.perf_counter()))
        last = cpu_mark(target.process.pid)
        still = list(in_flight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    window = [s for s in samples if first.wall <= s.done_at < last.wall]
    good = [s for s in window if s.status == "200"]
    wall = last.wall - first.wall
    run = Run(name=name, clients=clients, warmup_s=warmup, seconds=round(wall, 2))
    run.ok = len(good)
    run.ok_page2 = sum(1 for s in good if s.page == 2)
    run.per_s = round(len(good) / wall, 1) if wall > 0 else 0.0
    run.latency_ms = percentiles([s.latency_s for s in good])
    run.page2_latency_ms = percentiles([s.latency_s for s in good if s.page == 2])
    run.errors = dict(Counter(s.status for s in window if s.status != "200"))
    run.in_flight_at_end = len(still)
    run.oldest_in_flight_s = round(last.wall - min(still), 1) if still else 0.0
    run.distinct_keys = len({s.key for s in good})
    run.mean_response_bytes = round(sum(s.size for s in good) / len(good)) if good else 0
    run.warmup_responses = sum(1 for s in samples if s.done_at < first.wall)
    run.cpu_client = round((last.client_s - first.client_s) / wall, 2) if wall > 0 else None
    if first.server_s is not None and last.server_s is not None and wall > 0:
        run.cpu_server = round((last.server_s - first.server_s) / wall, 2)
    if first.machine_total and last.machine_total and first.machine_busy is not None:
        spent = last.machine_total - first.machine_total
        if spent > 0 and last.machine_busy is not None:
            run.cpu_machine = round((last.machine_busy - first.machine_busy) / spent, 2)
    return run


def _latency(figures: dict[str, float]) -> str:
    if not figures:
        return "no response"
    return "  ".join(f"{name} {value:,.1f}" for name, value in figures.items()) + " ms"


def print_run(run: Run) -> None:
    """The figures of one run, as measured."""
    print(
        f"\n[{run.name}] {run.clients} clients; warm-up {run.warmup_s:g} s (not measured, "
        f"{run.warmup_responses:,} responses), then {run.seconds:g} s measured"
    )
    share = run.ok_page2 / run.ok if run.ok else 0.0
    print(
        f"  throughput     {run.per_s:,.1f} req/s ({run.ok:,} responses 200 in the window, "
        f"{run.ok_page2:,} of them page 2 = {share:.1%})"
    )
    print(f"  latency        {_latency(run.latency_ms)}")
    print(f"  page 2 only    {_latency(run.page2_latency_ms)}")
    errors = ", ".join(f"{status}: {count}" for status, count in sorted(run.errors.items()))
    print(f"  not 200        {errors or 'none'}")
    if run.in_flight_at_end:
        print(
            f"  in flight      {run.in_flight_at_end} at the end (not counted; the oldest "
            f"waiting {run.oldest_in_flight_s:g} s)"
        )
    print(
        f"  keys answered  {run.distinct_keys:,} distinct; mean response "
        f"{run.mean_response_bytes / 1024:,.1f} KiB"
    )
    cpu = [
        f"{label} {value:.0%} of a core"
        for label, value in (("server", run.cpu_server), ("load generator", run.cpu_client))
        if value is not None
    ]
    if run.cpu_machine is not None:
        cpu.append(f"machine {run.cpu_machine:.0%} of {os.cpu_count()} CPUs")
    print(f"  CPU            {', '.join(cpu)}", flush=True)


# --- main ------------------------------------------------------------------------------------


def parse_options() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--database-url", default=DEFAULT_DATABASE_URL, help="PostgreSQL (funflights_bench)"
    )
    parser.add_argument(
        "--start", type=date.fromisoformat, default=DEFAULT_START, help="first date (2026-12-01)"
    )
    parser.add_argument("--days", type=int, default=30, help="dates searched and loaded (30)")
    parser.add_argument("--scale", type=float, default=1.0, help="demo density when loading (1)")
    parser.add_argument(
        "--load", action="store_true", help="drop, re-create and load the database first"
    )
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        help="Redis base URL for the shared page store; PostgreSQL uses database 1, SQLite 2 "
        "(redis://127.0.0.1:6379)",
    )
    parser.add_argument(
        "--no-warm",
        action="store_true",
        help="skip `funflights search warm` and serve without Redis: every key starts cold",
    )
    parser.add_argument("--sqlite", action="store_true", help="also the workload on SQLite")
    parser.add_argument(
        "--sqlite-file",
        type=Path,
        help="SQLite file to use (generated if it holds no flights; default: a temporary one)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite (and bare) only")
    parser.add_argument("--routes", type=int, default=1000, help="busiest routes (1000)")
    parser.add_argument("--zipf", type=float, default=1.1, help="Zipf exponent s (1.1)")
    parser.add_argument(
        "--second-page", type=float, default=0.10, help="page 1s followed by page 2 (0.10)"
    )
    parser.add_argument("--limit", type=int, default=50, help="results per page (50)")
    parser.add_argument("--requests", type=int, default=100_000, help="requests drawn (100000)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--warmup", type=float, default=10.0, help="s, not measured (10)")
    parser.add_argument("--seconds", type=float, default=20.0, help="s measured (20)")
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="raw: one minimal keep-alive HTTP/1.1 connection per client (default); httpx: "
        "one shared httpx.AsyncClient (its own CPU cost caps the rates it can show)",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="per request, s (60)")
    parser.add_argument("--json", type=Path, help="also write the figures there")
    parser.add_argument("--bare-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.no_postgres and not options.sqlite:
        parser.error("--no-postgres needs --sqlite")
    return options


def workload_of(url: str, options: argparse.Namespace) -> tuple[int, Workload]:
    """The database's flight count, and the workload drawn from its busiest routes."""
    flights, routes = asyncio.run(read_database(url, options.routes))
    if not routes:
        raise SystemExit(f"no flights in {make_url(url).render_as_string(hide_password=True)}")
    dates = [options.start + timedelta(days=n) for n in range(options.days)]
    workload = build_workload(
        routes,
        dates,
        zipf_s=options.zipf,
        second_page=options.second_page,
        length=options.requests,
        limit=options.limit,
        seed=options.seed,
    )
    return flights, workload


def print_workload(name: str, flights: int, workload: Workload, second_page: float) -> None:
    """What the database holds and what the clients will ask."""
    routes, dates = workload.routes, workload.dates
    busiest = ", ".join(f"{o}-{d} ({n:,})" for o, d, n in routes[:3])
    top_1pc = workload.share_of_top(max(1, len(workload.keys) // 100))
    print(
        f"\n{name}: {flights:,} flights; the {len(routes):,} busiest routes have "
        f"{routes[0][2]:,} to {routes[-1][2]:,} flights (top: {busiest})"
    )
    print(
        f"  workload: {len(workload.keys):,} keys ({len(routes):,} routes x {len(dates)} dates "
        f"from {dates[0]}), a sequence of {len(workload.sequence):,} drawn with Zipf "
        f"s={workload.zipf_s:g} (top key {workload.share_of_top(1):.1%} of requests, top 30 "
        f"keys {workload.share_of_top(30):.1%}, top 1% of keys {top_1pc:.1%}); "
        f"{second_page:.0%} of them followed by page 2",
        flush=True,
    )


def measure(
    name: str,
    label: str,
    command: list[str],
    env: dict[str, str],
    port: int,
    workload: Workload,
    options: argparse.Namespace,
) -> Run:
    """Start a server, run the workload against it (``label`` in the output), stop it."""
    with server(name, command, env, port) as running:
        run = asyncio.run(
            drive(
                label,
                running,
                workload,
                client_kind=options.client,
                clients=options.clients,
                warmup=options.warmup,
                seconds=options.seconds,
                request_timeout_s=options.timeout,
            )
        )
        print_run(run)
        if any(status.isdigit() for status in run.errors):
            print(f"  server log (end):\n{running.log_tail()}", flush=True)
    return run


def verdict(ok: bool) -> str:
    """How a figure compares with its target."""
    return "ok" if ok else "MISSED"


def _ms(figures: dict[str, float], name: str) -> str:
    value = figures.get(name)
    return "-" if value is None else f"{value:,.1f} ms"


def summary_lines(
    searches: dict[str, tuple[int, Run]],
    bare: Run,
    loads: dict[str, Load],
    warms: dict[str, Warm],
) -> list[str]:
    """The summary block."""
    lines = [
        f"machine: {os.cpu_count()} CPUs shared by the server, the database and this load "
        f"generator; Python {platform.python_version()}; one uvicorn worker per server",
        f"bare Litestar (50 fixed results): {bare.per_s:,.1f} req/s, "
        f"p50 {_ms(bare.latency_ms, 'p50')}, p99 {_ms(bare.latency_ms, 'p99')}",
    ]
    for name, (flights, run) in searches.items():
        p99 = run.latency_ms.get("p99")
        ratio = run.per_s / bare.per_s if bare.per_s else 0.0
        lines.append(
            f"search on {name} ({flights:,} flights): {run.per_s:,.1f} req/s; "
            f"p50 {_ms(run.latency_ms, 'p50')}, p90 {_ms(run.latency_ms, 'p90')}, "
            f"p99 {_ms(run.latency_ms, 'p99')}, max {_ms(run.latency_ms, 'max')}"
        )
        extra = f"; not 200: {sum(run.errors.values())}" if run.errors else ""
        if run.in_flight_at_end:
            extra += f"; {run.in_flight_at_end} still in flight at the end"
        lines.append(
            f"  page 2: {run.ok_page2 / run.ok if run.ok else 0:.1%} of the responses, "
            f"p99 {_ms(run.page2_latency_ms, 'p99')}{extra}"
        )
        lines.append(
            f"  p99 {_ms(run.latency_ms, 'p99')} (target < {P99_TARGET_MS:.0f} ms) -> "
            f"{verdict(p99 is not None and p99 < P99_TARGET_MS)}; {ratio:.1%} of bare req/s "
            f"(target >= {RATIO_TARGET:.0%}) -> {verdict(ratio >= RATIO_TARGET)}"
        )
    for name in searches:
        load = loads.get(name)
        if load is None:
            lines.append(f"load ({name}): not timed, database reused (--load times it)")
        else:
            lines.append(
                f"load ({name}): funflights demo generate took {load.wall_s:.1f} s "
                f"(it printed: {load.output or '?'})"
            )
        done = warms.get(name)
        if done is None:
            lines.append(f"warm ({name}): none (--no-warm): every key started cold")
        else:
            lines.append(
                f"warm ({name}): funflights search warm took {done.wall_s:.1f} s "
                f"(it printed: {done.output or '?'})"
            )
    return lines


def main() -> None:
    """Load if asked, run the workload on each database and on the bare app, summarise."""
    options = parse_options()
    if options.bare_server:
        run_bare_server(options.port)
        return
    began = time.monotonic()
    print(
        f"search benchmark: {os.cpu_count()} CPUs (shared by servers, database and this load "
        f"generator), {options.clients} clients, warm-up {options.warmup:g} s (not measured) "
        f"+ {options.seconds:g} s measured per server",
        flush=True,
    )
    loads: dict[str, Load] = {}
    warms: dict[str, Warm] = {}
    searches: dict[str, tuple[int, Run]] = {}
    with contextlib.ExitStack() as stack:
        targets: list[tuple[str, str]] = []
        if not options.no_postgres:
            if options.load:
                name = make_url(options.database_url).database
                print(f"\ndropping, re-creating and loading the PostgreSQL database {name}")
                asyncio.run(recreate_postgres(options.database_url))
                loads["postgresql"] = generate(
                    options.database_url, "postgresql", options.start, options.days, options.scale
                )
            targets.append(("postgresql", options.database_url))
        if options.sqlite:
            path = options.sqlite_file
            if path is None:
                folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="search-bench-"))
                path = Path(folder) / "flights.db"
            path = path.resolve()
            if options.load:
                for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    stale.unlink(missing_ok=True)
            url = f"sqlite+aiosqlite:///{path}"
            if not path.exists() or asyncio.run(read_database(url, 1))[0] == 0:
                print(f"\nloading the SQLite file {path}")
                loads["sqlite"] = generate(
                    url, "sqlite", options.start, options.days, options.scale
                )
            targets.append(("sqlite", url))
        bare_workload: Workload | None = None
        for name, url in targets:
            migrated = cli("db", "upgrade", url=url, capture=True).stdout.strip()
            if "migrated" in migrated:  # a reused database behind the code
                print(f"\n{migrated}")
            flights, workload = workload_of(url, options)
            bare_workload = bare_workload or workload
            print_workload(name, flights, workload, options.second_page)
            redis_url = None
            if not options.no_warm:
                redis_url = f"{options.redis_url.rstrip('/')}/{REDIS_DATABASES[name]}"
                warms[name] = warm(url, redis_url, options)
            command, env, port = funflights_server(url, redis_url)
            searches[name] = (
                flights,
                measure(name, f"search on {name}", command, env, port, workload, options),
            )
        assert bare_workload is not None
        command, env, port = bare_server()
        print("\nbare Litestar: the same requests (same URLs), answered with 50 fixed results")
        bare = measure("bare", "bare Litestar", command, env, port, bare_workload, options)
    lines = summary_lines(searches, bare, loads, warms)
    print("\n=== summary " + "=" * 68)
    for line in lines:
        print(line)
    print("=" * 80)
    print(f"({time.monotonic() - began:.0f} s in all)")
    if options.json:
        results = {
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "searches": {n: {"flights": f, **asdict(run)} for n, (f, run) in searches.items()},
            "bare": asdict(bare),
            "loads": {name: asdict(load) for name, load in loads.items()},
            "warms": {name: asdict(done) for name, done in warms.items()},
            "summary": lines,
        }
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
