"""Two ``routes-json`` provider feeds served with an injected delay, for ``routes_bench.py``.

Run as a child process of the benchmark (``python bench/feed_server.py``): it builds the
feeds from the OpenFlights routes, listens on two free ports of 127.0.0.1, prints one JSON
line (ports, record counts, body sizes) and serves until its standard input closes or its
lifetime runs out, so it never outlives the benchmark.

Feed ``a`` holds every real route. Feed ``b`` holds the same number of records: every
second one as is, the others turned into distinct routes (one more stop), so about half of
each feed overlaps the other. ``GET /routes.json?delay_ms=300`` waits 300 ms before it
answers with the whole feed; connections are kept alive like a real HTTP/1.1 server's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import msgspec

from adapters.route_feeds.bundled_feed import _bundled_rows

REPO_ROOT = Path(__file__).resolve().parent.parent
OPENFLIGHTS_ROUTES = REPO_ROOT.parent / "shared" / "data" / "openflights" / "routes.dat"
FEED_FIELDS = ("airline", "sourceAirport", "destinationAirport", "codeShare", "stops", "equipment")
FEED_PATH = "/routes.json"

Row = tuple[str, str, str, str, int, str]
"""airline, source, destination, code share, stops, equipment."""


def load_rows(path: Path = OPENFLIGHTS_ROUTES) -> tuple[list[Row], str]:
    """The OpenFlights routes, and where they came from (the bundled copy if ``path`` is absent)."""
    if not path.is_file():
        return list(_bundled_rows()), "bundled adapters/demo_data/routes.csv.gz"
    with path.open(newline="", encoding="utf-8") as file:
        # airline, airline id, source, source id, destination, destination id, code share,
        # stops, equipment
        rows = [(r[0], r[2], r[4], r[6], int(r[7]), r[8]) for r in csv.reader(file) if r]
    return rows, str(path)


def build_feeds(rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """Feed a (every route) and feed b (every second route kept, the others made distinct)."""
    known = {(a, s, d, n) for a, s, d, _, n, _ in rows}
    feed_b: list[Row] = []
    for index, (airline, source, destination, code_share, stops, equipment) in enumerate(rows):
        if index % 2 == 0:
            feed_b.append((airline, source, destination, code_share, stops, equipment))
            continue
        altered = stops + 1
        while (airline, source, destination, altered) in known:
            altered += 1
        feed_b.append((airline, source, destination, code_share, altered, equipment))
    return rows, feed_b


def encode_feed(rows: list[Row]) -> bytes:
    """The ``routes-json`` body of a feed: a JSON array of route objects."""
    return msgspec.json.encode([dict(zip(FEED_FIELDS, row, strict=True)) for row in rows])


def _delay_s(target: str) -> float:
    values = parse_qs(urlsplit(target).query).get("delay_ms", ["0"])
    return max(0.0, float(values[0]) / 1000)


def _response(status: str, body: bytes, content_type: str) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode("ascii") + body


class FeedConnection:
    """Serves one feed body on a keep-alive HTTP/1.1 connection."""

    def __init__(self, body: bytes) -> None:
        self._ok = _response("200 OK", body, "application/json")
        self._not_found = _response("404 Not Found", b"not found", "text/plain")

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer requests until the client closes the connection."""
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
                if method != "GET" or urlsplit(target).path != FEED_PATH:
                    writer.write(self._not_found)
                else:
                    await asyncio.sleep(_delay_s(target))
                    writer.write(self._ok)
                await writer.drain()
                if b"connection: close" in head.lower():
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        except ValueError:  # a malformed request line
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


def _stop_on_stdin_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    def wait() -> None:
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait, name="stdin-eof", daemon=True).start()


async def serve(max_lifetime_s: float) -> None:
    """Build the feeds, serve them, print where, and stop on stdin EOF or at end of life."""
    rows, origin = load_rows()
    feeds = dict(zip(("a", "b"), build_feeds(rows), strict=True))
    bodies = {name: encode_feed(feed) for name, feed in feeds.items()}
    union = len({(a, s, d, n) for feed in feeds.values() for a, s, d, _, n, _ in feed})
    servers = {
        name: await asyncio.start_server(FeedConnection(body), "127.0.0.1", 0)
        for name, body in bodies.items()
    }
    stop = asyncio.Event()
    _stop_on_stdin_eof(asyncio.get_running_loop(), stop)
    ready = {
        "ports": {name: server.sockets[0].getsockname()[1] for name, server in servers.items()},
        "records": {name: len(feed) for name, feed in feeds.items()},
        "bytes": {name: len(body) for name, body in bodies.items()},
        "union": union,
        "origin": origin,
        "path": FEED_PATH,
    }
    del feeds, rows
    print(json.dumps(ready), flush=True)
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max_lifetime_s):
                await stop.wait()
    finally:
        for server in servers.values():
            server.close()


def main() -> None:
    """Command line: ``feed_server.py [--max-lifetime-s S]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-lifetime-s", type=float, default=600.0)
    args = parser.parse_args()
    asyncio.run(serve(args.max_lifetime_s))


if __name__ == "__main__":
    main()
