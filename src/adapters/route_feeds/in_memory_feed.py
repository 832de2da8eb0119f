"""The fake route provider: serves feed content held in memory, and fails on demand."""

from __future__ import annotations

from adapters.route_feeds.routes_json import RoutesJsonDecoder
from funflights_core.errors import ProviderUnavailable
from funflights_core.feed_batch import FeedBatch


class InMemoryRouteFeed:
    """Holds decoded feed content (a list of dicts) and validates it like the real feeds."""

    def __init__(self, content: object, *, decoder: RoutesJsonDecoder | None = None) -> None:
        self.content = content
        self.failure: str | None = None
        self.calls = 0
        self._decoder = decoder or RoutesJsonDecoder()

    def fail_with(self, reason: str) -> None:
        """Make every later fetch fail with this reason."""
        self.failure = reason

    def recover(self) -> None:
        """Let later fetches succeed again."""
        self.failure = None

    async def fetch(self) -> FeedBatch:
        """Return the held feed, or fail as told."""
        self.calls += 1
        if self.failure is not None:
            raise ProviderUnavailable(self.failure)
        return self._decoder.from_objects(self.content)
