"""The demo feeds derived from the bundled OpenFlights routes, served from memory."""

from __future__ import annotations

import csv
import functools
import gzip
import io
from importlib import resources

import msgspec

from adapters.route_feeds.routes_json import ROUTE_FIELDS, RoutesJsonDecoder
from funflights_core.feed_batch import FeedBatch

DEMO_FEEDS = ("flights1", "flights2")
"""The two demo feeds: each holds two thirds of the routes, one third is in both."""

_BUNDLE = "routes.csv.gz"


@functools.cache
def _bundled_rows() -> tuple[tuple[str, str, str, str, int, str], ...]:
    raw = resources.files("adapters.demo_data").joinpath(_BUNDLE).read_bytes()
    with io.TextIOWrapper(io.BytesIO(gzip.decompress(raw)), encoding="utf-8") as text:
        reader = csv.reader(text)
        next(reader)  # header
        return tuple((a, s, d, c, int(n), e) for a, s, d, c, n, e in reader)


@functools.cache
def demo_feed_body(name: str) -> bytes:
    """The JSON body of a demo feed, in the providers' wire format (cached)."""
    if name not in DEMO_FEEDS:
        raise KeyError(name)
    skipped = 2 if name == "flights1" else 0
    rows = [
        dict(zip(ROUTE_FIELDS, row, strict=True))
        for index, row in enumerate(_bundled_rows())
        if index % 3 != skipped
    ]
    return msgspec.json.encode(rows)


class BundledRouteFeed:
    """A demo feed read straight from the package (``bundled:flights1``), no network."""

    def __init__(self, *, name: str, decoder: RoutesJsonDecoder | None = None) -> None:
        if name not in DEMO_FEEDS:
            raise ValueError(f"no bundled feed {name!r}; choose one of {', '.join(DEMO_FEEDS)}")
        self._name = name
        self._decoder = decoder or RoutesJsonDecoder()

    async def fetch(self) -> FeedBatch:
        """Decode the bundled feed."""
        return self._decoder.decode(demo_feed_body(self._name))
