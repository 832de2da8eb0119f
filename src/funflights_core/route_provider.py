"""The route provider port, and what the catalogue knows of each provider."""

from __future__ import annotations

from typing import Protocol

import attrs

from funflights_core.feed_batch import FeedBatch


class RouteProvider(Protocol):
    """A source of route records (an HTTP feed, a file, an in-memory fake)."""

    async def fetch(self) -> FeedBatch:
        """Fetch the whole feed, or raise ``ProviderUnavailable`` saying why not."""
        ...


@attrs.frozen
class ProviderProfile:
    """A provider's name (unique) and priority (1 is highest) in the catalogue."""

    name: str
    priority: int
    location: str = ""
