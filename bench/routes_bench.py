"""Benchmarks of route aggregation and ``GET /routes`` (figures printed, nothing asserted).

What is measured, and how:

1. Aggregation overhead. ``feed_server.py`` (a child process) serves two ``routes-json``
   feeds of 67,663 OpenFlights records each, half of them shared (~101k routes in all),
   on 127.0.0.1 with an injected delay. With the real adapters (``build_catalogue`` over a
   ``ProviderFile`` of two http providers, ``new_http_client()``, ``SystemClock``) each
   provider's ``await provider.fetch()`` (GET + decode) is timed alone, then the whole
   ``await catalogue.refresh()``; medians of N runs after one warm-up refresh. Overhead is
   refresh time minus the slowest single fetch (target < 250 ms), for equal delays and for
   staggered ones.
2. Peak RSS of this process (``ru_maxrss``) after those refreshes.
3. Requests per second of ``GET /routes?source=JFK`` on the real app (``create_app`` over
   ``bootstrap`` with a providers file pointing at the feed servers, lifespan started and
   catalogue loaded) against a bare Litestar app with one ``GET /bare`` handler. Both are
   driven in-process through ASGI calls, sequentially, alternating in rounds, so the
   figure is framework + handler cost without client or socket noise (target >= 50% of
   bare). If ``wrk`` is on PATH both apps are also served by uvicorn and measured with it.

Run ``.venv/bin/python bench/routes_bench.py --help`` for the knobs; the summary is also
written to ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import platform
import re
import resource
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, MutableMapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from litestar import Litestar, get

from adapters.clocks import SystemClock
from entrypoints.bootstrap import bootstrap, build_catalogue, new_http_client
from entrypoints.http.app import create_app
from entrypoints.provider_file import ProviderConfig, ProviderFile
from entrypoints.settings import Settings
from funflights_core.route_catalogue import RouteCatalogue

BENCH_DIR = Path(__file__).resolve().parent
FEED_SERVER = BENCH_DIR / "feed_server.py"
RESULTS = BENCH_DIR / "results" / "latest.json"

OVERHEAD_TARGET_MS = 250.0
RATIO_TARGET = 0.5
ROUTES_PATH = "/routes"
ROUTES_QUERY = "source=JFK"
BARE_PATH = "/bare"
FEED_NAMES = ("a", "b")
TIME_LIMIT_S = 170.0
"""The in-process part gives up after this long (the optional wrk part adds ~15 s)."""

Message = MutableMapping[str, Any]
AsgiApp = Callable[..., Coroutine[Any, Any, None]]
"""An ASGI app (a Litestar app here), called with plain-dict scopes and messages."""


# --- results -------------------------------------------------------------------------------


@dataclass
class ScenarioResult:
    """One delay scenario of the aggregation benchmark (times in ms, medians of the runs)."""

    name: str
    delays_ms: dict[str, float]
    fetch_alone_ms: dict[str, float]
    http_get_alone_ms: dict[str, float]
    fetch_in_refresh_ms: dict[str, float]
    after_last_fetch_ms: float
    """Refresh time past its slowest fetch: aggregating, indexing, swapping snapshots."""
    refresh_ms: float
    refresh_cold_ms: float
    refresh_runs_ms: list[float]
    overhead_ms: float
    routes: int
    status: str
    overhead_target_ms: float = OVERHEAD_TARGET_MS


@dataclass
class Throughput:
    """Requests per second of one app, measured one way."""

    requests: int
    seconds: float
    errors: int = 0

    @property
    def per_s(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0


@dataclass
class ThroughputResult:
    """``GET /routes?source=JFK`` against the bare app, measured one way."""

    method: str
    routes_per_s: float
    bare_per_s: float
    routes_errors: int
    bare_errors: int
    detail: dict[str, Any] = field(default_factory=dict)
    ratio_target: float = RATIO_TARGET

    @property
    def ratio(self) -> float:
        """Routes requests per second as a fraction of the bare app's."""
        return self.routes_per_s / self.bare_per_s if self.bare_per_s > 0 else 0.0


# --- the feed servers ----------------------------------------------------------------------


@dataclass
class Feeds:
    """Where the child process serves the feeds, and what they hold."""

    ports: dict[str, int]
    records: dict[str, int]
    bytes: dict[str, int]
    union: int
    origin: str
    path: str

    def url(self, name: str, delay_ms: float) -> str:
        """The URL of a feed answered after ``delay_ms``."""
        return f"http://127.0.0.1:{self.ports[name]}{self.path}?delay_ms={delay_ms:g}"

    def provider_file(self, delays_ms: dict[str, float]) -> ProviderFile:
        """Two http providers, ``feedA`` (priority 1) and ``feedB`` (priority 2)."""
        return ProviderFile(
            providers=[
                ProviderConfig(
                    name=f"feed{name.upper()}", url=self.url(name, delays_ms[name]), priority=n
                )
                for n, name in enumerate(FEED_NAMES, start=1)
            ]
        )

    def provider_toml(self, delays_ms: dict[str, float]) -> str:
        """The same providers as a providers file (for ``bootstrap``)."""
        return "\n".join(
            f'[[providers]]\nname = "{config.name}"\nurl = "{config.url}"\n'
            f"priority = {config.priority}\n"
            for config in self.provider_file(delays_ms).providers
        )


@contextlib.contextmanager
def feed_servers(lifetime_s: float) -> Iterator[Feeds]:
    """Start ``feed_server.py``; it stops when its stdin closes (here, or if we die)."""
    process = subprocess.Popen(
        [sys.executable, str(FEED_SERVER), "--max-lifetime-s", f"{lifetime_s:g}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        readable, _, _ = select.select([process.stdout], [], [], 120)
        line = process.stdout.readline() if readable else b""
        if not line:
            raise RuntimeError(f"feed server did not start (exit code {process.poll()})")
        yield Feeds(**json.loads(line))
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


# --- memory --------------------------------------------------------------------------------


def peak_rss_mib() -> float:
    """The process's peak resident set size so far."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def current_rss_mib() -> float | None:
    """The process's resident set size now (Linux only)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


# --- 1. aggregation overhead ---------------------------------------------------------------


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _median_ms(samples: list[float]) -> float:
    return _ms(statistics.median(samples))


async def measure_scenario(
    name: str, feeds: Feeds, delays_ms: dict[str, float], runs: int
) -> ScenarioResult:
    """Time each provider's fetch alone and whole refreshes, over the real adapters."""
    client = new_http_client()
    catalogue = build_catalogue(
        feeds.provider_file(delays_ms),
        client=client,
        clock=SystemClock(),
        max_age_s=3600,
        base_dir=Path.cwd(),
    )
    names = dict(zip((s.profile.name for s in catalogue.sources), FEED_NAMES, strict=True))
    fetch: dict[str, list[float]] = {feed: [] for feed in FEED_NAMES}
    http_get: dict[str, list[float]] = {feed: [] for feed in FEED_NAMES}
    in_refresh: dict[str, list[float]] = {feed: [] for feed in FEED_NAMES}
    refresh: list[float] = []
    after_fetches: list[float] = []
    try:
        started = time.perf_counter()
        snapshot = await catalogue.refresh()  # warm-up: connections, first decode
        cold = time.perf_counter() - started
        for _ in range(runs):
            for source in catalogue.sources:
                feed = names[source.profile.name]
                started = time.perf_counter()
                batch = await source.provider.fetch()
                fetch[feed].append(time.perf_counter() - started)
                if len(batch.records) != feeds.records[feed]:
                    print(f"  ! {feed}: {len(batch.records)} records decoded", flush=True)
                del batch
            for feed in FEED_NAMES:
                started = time.perf_counter()
                response = await client.get(feeds.url(feed, delays_ms[feed]))
                http_get[feed].append(time.perf_counter() - started)
                response.raise_for_status()
                del response
            started = time.perf_counter()
            snapshot = await catalogue.refresh()
            refresh.append(time.perf_counter() - started)
            after_fetches.append(refresh[-1] - max(o.latency_s for o in snapshot.outcomes))
            for outcome in snapshot.outcomes:
                in_refresh[names[outcome.provider]].append(outcome.latency_s)
            for outcome in snapshot.failed:
                print(f"  ! {outcome.provider} failed: {outcome.error}", flush=True)
    finally:
        await catalogue.aclose()
        await client.aclose()
    fetch_alone = {feed: _median_ms(samples) for feed, samples in fetch.items()}
    refresh_ms = _median_ms(refresh)
    return ScenarioResult(
        name=name,
        delays_ms=delays_ms,
        fetch_alone_ms=fetch_alone,
        http_get_alone_ms={feed: _median_ms(samples) for feed, samples in http_get.items()},
        fetch_in_refresh_ms={feed: _median_ms(samples) for feed, samples in in_refresh.items()},
        after_last_fetch_ms=_median_ms(after_fetches),
        refresh_ms=refresh_ms,
        refresh_cold_ms=_ms(cold),
        refresh_runs_ms=[_ms(sample) for sample in refresh],
        overhead_ms=round(refresh_ms - max(fetch_alone.values()), 1),
        routes=len(snapshot.routes),
        status=str(snapshot.completeness),
    )


def print_scenario(result: ScenarioResult) -> None:
    """The figures of one scenario, as measured."""
    delays = ", ".join(f"{feed}={ms:g} ms" for feed, ms in result.delays_ms.items())
    print(f"\n[{result.name}] delays {delays}")
    for feed in FEED_NAMES:
        print(
            f"  feed {feed}: fetch alone {result.fetch_alone_ms[feed]:7.1f} ms"
            f" (HTTP GET only {result.http_get_alone_ms[feed]:7.1f} ms,"
            f" decode ~{result.fetch_alone_ms[feed] - result.http_get_alone_ms[feed]:.0f} ms);"
            f" inside refresh {result.fetch_in_refresh_ms[feed]:7.1f} ms"
        )
    runs = " ".join(f"{ms:.0f}" for ms in result.refresh_runs_ms)
    print(f"  refresh: median {result.refresh_ms:.1f} ms (runs: {runs}; cold first run")
    print(f"           {result.refresh_cold_ms:.1f} ms, not counted)")
    print(f"  refresh time after its slowest fetch (aggregation): {result.after_last_fetch_ms} ms")
    print(f"  routes: {result.routes} ({result.status})")
    print(
        f"  aggregation overhead: {result.overhead_ms:.0f} ms"
        f" (refresh - slowest fetch alone; target < {OVERHEAD_TARGET_MS:.0f} ms)",
        flush=True,
    )


# --- 3. requests per second, in-process ASGI -----------------------------------------------


def bare_app() -> Litestar:
    """A Litestar app with one handler returning a small JSON object."""

    @get(BARE_PATH)
    async def bare() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar(route_handlers=[bare], debug=False)


@contextlib.asynccontextmanager
async def lifespan(app: AsgiApp) -> AsyncIterator[dict[str, Any]]:
    """Run an ASGI app's lifespan: startup on entry, shutdown on exit; yields its state."""
    state: dict[str, Any] = {}
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    scope: Message = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": state}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    reply = await asyncio.wait_for(outbox.get(), 30)
    if reply["type"] != "lifespan.startup.complete":
        raise RuntimeError(f"app did not start: {reply}")
    try:
        yield state
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(outbox.get(), 30)
        await asyncio.wait_for(task, 30)


class AsgiDriver:
    """Calls an ASGI app with GET requests, sequentially, as a server would (no sockets)."""

    def __init__(self, app: AsgiApp, state: dict[str, Any], path: str, query: str = "") -> None:
        self._app = app
        self._state = state
        self._template: Message = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": query.encode(),
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        self._headers = [(b"host", b"127.0.0.1:8000"), (b"accept", b"application/json")]
        self.last_status = 0
        self.last_headers: dict[str, str] = {}
        self.last_body = bytearray()

    async def _receive(self) -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def _send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.last_status = message["status"]
            self.last_headers = {k.decode(): v.decode() for k, v in message.get("headers", [])}
            self.last_body.clear()
        elif message["type"] == "http.response.body":
            self.last_body += message.get("body", b"")

    async def request(self) -> int:
        """One request; its status (the body is kept in ``last_body``)."""
        # A fresh scope each time: Litestar caches parsed request data in scope["state"].
        scope = {**self._template, "headers": list(self._headers), "state": dict(self._state)}
        await self._app(scope, self._receive, self._send)
        return self.last_status

    async def run(self, seconds: float) -> Throughput:
        """As many sequential requests as fit in ``seconds``."""
        count = errors = 0
        started = time.perf_counter()
        deadline = started + seconds
        now = started
        while now < deadline:
            if await self.request() != 200:
                errors += 1
            count += 1
            now = time.perf_counter()
        return Throughput(count, now - started, errors)


async def measure_in_process(
    feeds: Feeds, delays_ms: dict[str, float], seconds: float, rounds: int
) -> ThroughputResult:
    """``GET /routes?source=JFK`` on the real app against ``GET /bare`` on a bare app."""
    with tempfile.TemporaryDirectory(prefix="funflights-bench-") as folder:
        providers = Path(folder) / "providers.toml"
        providers.write_text(feeds.provider_toml(delays_ms), encoding="utf-8")
        container = bootstrap(Settings(providers_file=providers, routes_max_age_s=3600))
        app = create_app(container)
        bare = bare_app()
        async with lifespan(app) as app_state, lifespan(bare) as bare_state:
            snapshot = await container.resolve(RouteCatalogue).refresh()  # loaded once
            routes = AsgiDriver(app, app_state, ROUTES_PATH, ROUTES_QUERY)
            plain = AsgiDriver(bare, bare_state, BARE_PATH)
            for driver in (routes, plain):
                status = await driver.request()
                if status != 200:
                    raise RuntimeError(f"warm-up got HTTP {status}: {bytes(driver.last_body)!r}")
            matched = routes.last_headers.get("x-total-count", "?")
            body_bytes = len(routes.last_body)
            for driver in (routes, plain):  # warm up caches and code paths
                await driver.run(0.3)
            totals = {"routes": Throughput(0, 0.0), "bare": Throughput(0, 0.0)}
            for _ in range(rounds):  # alternate, so drift hits both alike
                for name, driver in (("bare", plain), ("routes", routes)):
                    result = await driver.run(seconds / rounds)
                    total = totals[name]
                    total.requests += result.requests
                    total.seconds += result.seconds
                    total.errors += result.errors
    return ThroughputResult(
        method="in-process ASGI, sequential",
        routes_per_s=round(totals["routes"].per_s),
        bare_per_s=round(totals["bare"].per_s),
        routes_errors=totals["routes"].errors,
        bare_errors=totals["bare"].errors,
        detail={
            "seconds_each": seconds,
            "rounds": rounds,
            "routes_matched": matched,
            "routes_response_bytes": body_bytes,
            "catalogue_routes": len(snapshot.routes),
        },
    )


# --- 3b. requests per second over uvicorn, with wrk (optional) -----------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def uvicorn_thread(app: Litestar, ready_path: str) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if not thread.is_alive():
                raise RuntimeError("uvicorn stopped before it was ready")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(base + ready_path, timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not answer {ready_path} within 60 s")
            time.sleep(0.1)  # polling a server that is starting
        yield base
    finally:
        server.should_exit = True
        thread.join(15)


def wrk(url: str, seconds: float) -> Throughput:
    """Run wrk (1 thread, 8 connections) against ``url``."""
    command = ["wrk", "-t1", "-c8", f"-d{seconds:g}s", url]
    output = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 30, check=True
    ).stdout
    rate = re.search(r"Requests/sec:\s*([\d.]+)", output)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    errors = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    if rate is None:
        raise RuntimeError(f"cannot read wrk output:\n{output}")
    requests = int(total.group(1)) if total else 0
    elapsed = requests / float(rate.group(1)) if requests and float(rate.group(1)) else seconds
    return Throughput(requests, elapsed, int(errors.group(1)) if errors else 0)


def measure_with_wrk(feeds: Feeds, delays_ms: dict[str, float], seconds: float) -> ThroughputResult:
    """Both apps served by uvicorn on 127.0.0.1, loaded by wrk one after the other."""
    with tempfile.TemporaryDirectory(prefix="funflights-bench-") as folder:
        providers = Path(folder) / "providers.toml"
        providers.write_text(feeds.provider_toml(delays_ms), encoding="utf-8")
        container = bootstrap(Settings(providers_file=providers, routes_max_age_s=3600))
        with uvicorn_thread(create_app(container), "/ready") as base:
            routes = wrk(f"{base}{ROUTES_PATH}?{ROUTES_QUERY}", seconds)
        with uvicorn_thread(bare_app(), BARE_PATH) as base:
            bare = wrk(f"{base}{BARE_PATH}", seconds)
    return ThroughputResult(
        method="uvicorn + wrk -t1 -c8",
        routes_per_s=round(routes.per_s),
        bare_per_s=round(bare.per_s),
        routes_errors=routes.errors,
        bare_errors=bare.errors,
        detail={"seconds_each": seconds},
    )


def print_throughput(result: ThroughputResult) -> None:
    """The figures of one throughput measurement."""
    print(f"\n[GET {ROUTES_PATH}?{ROUTES_QUERY} vs bare Litestar, {result.method}]")
    for key, value in result.detail.items():
        print(f"  {key}: {value}")
    for name, rate, errors in (
        ("routes", result.routes_per_s, result.routes_errors),
        ("bare", result.bare_per_s, result.bare_errors),
    ):
        per_request = f"{1e6 / rate:.1f} us/request" if rate else "-"
        print(f"  {name + ':':7} {rate} req/s, {per_request} ({errors} errors)")
    print(f"  ratio:  {result.ratio:.0%} (target >= {RATIO_TARGET:.0%})", flush=True)


# --- main ----------------------------------------------------------------------------------


@dataclass
class Options:
    """Command-line options."""

    runs: int
    equal_ms: tuple[float, float]
    staggered_ms: tuple[float, float]
    rps_seconds: float
    rps_rounds: int
    wrk_seconds: float
    results: Path


def parse_options() -> Options:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="refreshes per scenario (7)")
    parser.add_argument("--delay-a-ms", type=float, default=300.0, help="equal scenario, a")
    parser.add_argument("--delay-b-ms", type=float, default=300.0, help="equal scenario, b")
    parser.add_argument(
        "--staggered-ms",
        type=float,
        nargs=2,
        default=(200.0, 600.0),
        metavar=("A", "B"),
        help="delays of the staggered scenario (200 600)",
    )
    parser.add_argument("--rps-seconds", type=float, default=3.0, help="per app, in-process")
    parser.add_argument("--rps-rounds", type=int, default=3, help="alternating rounds (3)")
    parser.add_argument("--wrk-seconds", type=float, default=5.0, help="per app, if wrk is found")
    parser.add_argument("--results", type=Path, default=RESULTS, help="JSON output file")
    args = parser.parse_args()
    return Options(
        runs=max(1, args.runs),
        equal_ms=(args.delay_a_ms, args.delay_b_ms),
        staggered_ms=(args.staggered_ms[0], args.staggered_ms[1]),
        rps_seconds=args.rps_seconds,
        rps_rounds=max(1, args.rps_rounds),
        wrk_seconds=args.wrk_seconds,
        results=args.results,
    )


async def measure_all(
    feeds: Feeds, options: Options
) -> tuple[list[ScenarioResult], dict[str, float | None], ThroughputResult]:
    """Aggregation scenarios, memory, then in-process throughput."""
    async with asyncio.timeout(TIME_LIMIT_S):
        memory: dict[str, float | None] = {"rss_before_refreshes_mib": current_rss_mib()}
        scenarios = []
        plan = (("equal delays", options.equal_ms), ("staggered", options.staggered_ms))
        for name, delays in plan:
            delays_ms = dict(zip(FEED_NAMES, delays, strict=True))
            scenario = await measure_scenario(name, feeds, delays_ms, options.runs)
            print_scenario(scenario)
            scenarios.append(scenario)
        memory["peak_rss_after_refreshes_mib"] = round(peak_rss_mib(), 1)
        throughput = await measure_in_process(
            feeds,
            dict(zip(FEED_NAMES, options.equal_ms, strict=True)),
            options.rps_seconds,
            options.rps_rounds,
        )
        print_throughput(throughput)
        memory["peak_rss_end_mib"] = round(peak_rss_mib(), 1)
    return scenarios, memory, throughput


def summary_lines(
    feeds: Feeds,
    scenarios: list[ScenarioResult],
    memory: dict[str, float | None],
    throughputs: list[ThroughputResult],
) -> list[str]:
    """The summary block."""
    lines = [
        f"feeds: {feeds.records['a']} + {feeds.records['b']} records, "
        f"{feeds.union} distinct routes expected",
    ]
    for scenario in scenarios:
        delays = "/".join(f"{ms:g}" for ms in scenario.delays_ms.values())
        lines.append(
            f"aggregation overhead ({scenario.name}, {delays} ms): {scenario.overhead_ms:.0f} ms "
            f"(refresh {scenario.refresh_ms:.0f} ms - slowest fetch "
            f"{max(scenario.fetch_alone_ms.values()):.0f} ms; target < {OVERHEAD_TARGET_MS:.0f} ms)"
            f" -> {'ok' if scenario.overhead_ms < OVERHEAD_TARGET_MS else 'MISSED'}"
        )
    lines.append(f"routes after refresh: {scenarios[-1].routes} ({scenarios[-1].status})")
    lines.append(
        f"peak RSS: {memory['peak_rss_after_refreshes_mib']:.0f} MiB after the refreshes "
        f"(RSS before them: {memory['rss_before_refreshes_mib'] or 0:.0f} MiB; "
        f"peak at end: {memory['peak_rss_end_mib']:.0f} MiB)"
    )
    for result in throughputs:
        lines.append(
            f"GET {ROUTES_PATH}?{ROUTES_QUERY}: {result.routes_per_s} req/s = {result.ratio:.0%} "
            f"of bare Litestar {result.bare_per_s} req/s ({result.method}; target >= "
            f"{RATIO_TARGET:.0%}) -> {'ok' if result.ratio >= RATIO_TARGET else 'MISSED'}"
        )
    return lines


def main() -> None:
    """Run every benchmark, print the figures and the summary, write the JSON."""
    options = parse_options()
    logging.basicConfig(level=logging.WARNING, format="  ! %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # Litestar turns the root to INFO
    started = time.monotonic()
    with feed_servers(lifetime_s=TIME_LIMIT_S + 120) as feeds:
        print(
            f"feeds from {feeds.origin}: a={feeds.records['a']} b={feeds.records['b']} records "
            f"({feeds.bytes['a'] / 2**20:.1f} + {feeds.bytes['b'] / 2**20:.1f} MiB), "
            f"{feeds.union} distinct routes; ports {feeds.ports['a']}, {feeds.ports['b']}; "
            f"{options.runs} runs per scenario",
            flush=True,
        )
        scenarios, memory, in_process = asyncio.run(measure_all(feeds, options))
        throughputs = [in_process]
        if shutil.which("wrk"):
            wrk_result = measure_with_wrk(
                feeds, dict(zip(FEED_NAMES, options.equal_ms, strict=True)), options.wrk_seconds
            )
            print_throughput(wrk_result)
            throughputs.append(wrk_result)
        else:
            print("\n(wrk not found on PATH: the uvicorn + wrk measurement is skipped)")
    lines = summary_lines(feeds, scenarios, memory, throughputs)
    print("\n=== summary " + "=" * 68)
    for line in lines:
        print(line)
    print("=" * 80)
    results = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "elapsed_s": round(time.monotonic() - started, 1),
        "feeds": asdict(feeds),
        "runs_per_scenario": options.runs,
        "scenarios": [asdict(scenario) for scenario in scenarios],
        "memory": memory,
        "throughput": [{**asdict(t), "ratio": round(t.ratio, 3)} for t in throughputs],
        "summary": lines,
    }
    options.results.parent.mkdir(parents=True, exist_ok=True)
    options.results.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {options.results} ({results['elapsed_s']} s)")


if __name__ == "__main__":
    main()
