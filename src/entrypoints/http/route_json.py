"""The JSON of each route, encoded once per snapshot rather than once per request."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from entrypoints.http.wire import RouteOut
from funflights_core.route import Route
from funflights_core.route_set import RouteSet


class RouteJsonCache:
    """Encodes pages of routes as a JSON array from per-route fragments kept per snapshot.

    Building a wire struct and encoding it costs more than the rest of a request; a route
    does not change within a snapshot, so its bytes are reused until the next refresh.
    """

    def __init__(self) -> None:
        self._encoder = msgspec.json.Encoder()
        self._routes: RouteSet | None = None
        # Keyed by id(): the cache holds the RouteSet, so its routes (and ids) stay alive.
        self._fragments: dict[int, bytes] = {}

    def array(self, route_set: RouteSet, routes: Sequence[Route]) -> bytes:
        """The JSON array of ``routes``, all of which belong to ``route_set``."""
        if route_set is not self._routes:
            self._routes = route_set
            self._fragments = {}
        fragments = self._fragments
        encode = self._encoder.encode
        parts = []
        for route in routes:
            fragment = fragments.get(id(route))
            if fragment is None:
                fragment = fragments[id(route)] = encode(RouteOut.of(route))
            parts.append(fragment)
        return b"[" + b",".join(parts) + b"]"
