"""The demo provider feeds, served by the app itself when ``FUNFLIGHTS_DEMO`` is on."""

from __future__ import annotations

from litestar import Response, get
from litestar.params import FromPath

from adapters.route_feeds.bundled_feed import DEMO_FEEDS, demo_feed_body
from entrypoints.http.problems import ProblemError


@get("/demo/provider/{feed:str}", include_in_schema=False, sync_to_thread=False)
def demo_feed(feed: FromPath[str]) -> Response[bytes]:
    """A demo feed in the providers' ``routes-json`` format."""
    if feed not in DEMO_FEEDS:
        raise ProblemError(404, "not-found", "Not found", f"No demo feed {feed!r}.")
    return Response(demo_feed_body(feed), media_type="application/json")
