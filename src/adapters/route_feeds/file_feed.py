"""A route feed read from a local JSON file."""

from __future__ import annotations

import asyncio
from pathlib import Path

from adapters.route_feeds.routes_json import RoutesJsonDecoder
from funflights_core.errors import ProviderUnavailable
from funflights_core.feed_batch import FeedBatch


class FileRouteFeed:
    """Reads a ``routes-json`` feed from a file each time it is fetched."""

    def __init__(self, *, path: Path, decoder: RoutesJsonDecoder) -> None:
        self._path = path
        self._decoder = decoder

    async def fetch(self) -> FeedBatch:
        """Read and decode the file, or raise ``ProviderUnavailable``."""
        try:
            body = await asyncio.to_thread(self._path.read_bytes)
        except OSError as exc:
            raise ProviderUnavailable(
                f"cannot read {self._path.name}: {exc.strerror or type(exc).__name__}"
            ) from None
        return await asyncio.to_thread(self._decoder.decode, body)
