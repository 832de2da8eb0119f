"""Finished ``GET /routes`` answers, kept per snapshot so a repeated query costs a lookup."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime

import attrs
from litestar.types import (
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    Scope,
    Send,
)

from entrypoints.http.route_json import RouteJsonCache
from funflights_core.route_catalogue import RouteCatalogue
from funflights_core.route_query import RouteQuery
from funflights_core.route_snapshot import RouteSnapshot

DEFAULT_BUDGET_BYTES = 128 * 1024 * 1024
"""Room for the whole catalogue's JSON (~15 MB for 10^5 routes) and many filtered pages."""

QueryKey = tuple[str | None, str | None, str | None, int | None, int | None, int]
"""airline, source, destination, max_stops, limit, offset, as the client wrote them."""


@attrs.frozen
class RoutePageAnswer:
    """The JSON body of one page and the headers that describe it; an ASGI app that sends it.

    Handlers may return an ASGI app: a cached answer is sent as it is, without building a
    Response and its headers again for every request.
    """

    body: bytes
    headers: dict[str, str]
    _start: HTTPResponseStartEvent = attrs.field(init=False, eq=False, repr=False)
    _body: HTTPResponseBodyEvent = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        raw_headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(self.body)).encode()),
            *((name.lower().encode(), value.encode()) for name, value in self.headers.items()),
        ]
        start: HTTPResponseStartEvent = {
            "type": "http.response.start",
            "status": 200,
            "headers": raw_headers,
        }
        body: HTTPResponseBodyEvent = {
            "type": "http.response.body",
            "body": self.body,
            "more_body": False,
        }
        object.__setattr__(self, "_start", start)
        object.__setattr__(self, "_body", body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the answer (headers only for HEAD)."""
        await send(self._start)
        if scope.get("method") == "HEAD":
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        else:
            await send(self._body)


def _rfc3339(moment: datetime) -> str:
    """As the JSON bodies write it: UTC as ``Z``."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class RoutePages:
    """Answers to route queries, encoded once per snapshot and query.

    A snapshot does not change, so the answer to a query does not either until the next
    refresh: the bytes are kept (least recently used first out, within a byte budget) and
    all are dropped when a new snapshot is published.
    """

    def __init__(
        self, catalogue: RouteCatalogue, *, budget_bytes: int = DEFAULT_BUDGET_BYTES
    ) -> None:
        self.catalogue = catalogue
        self._budget = budget_bytes
        self._json = RouteJsonCache()
        self._snapshot: RouteSnapshot | None = None
        self._headers: dict[str, str] = {}
        self._answers: OrderedDict[QueryKey, RoutePageAnswer] = OrderedDict()
        self._size = 0

    async def answer(self, key: QueryKey) -> RoutePageAnswer:
        """The page for a query; raises ``InvalidQuery`` for an impossible one."""
        snapshot = await self.catalogue.current()
        if snapshot is not self._snapshot:
            self._start(snapshot)
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
            return answer
        return self._remember(key, self._encode(snapshot, RouteQuery(*key)))

    def _start(self, snapshot: RouteSnapshot) -> None:
        self._snapshot = snapshot
        self._answers.clear()
        self._size = 0
        self._headers = {
            "X-Routes-Status": str(snapshot.completeness),
            "X-Routes-Refreshed-At": _rfc3339(snapshot.refreshed_at),
        }
        if snapshot.failed:
            self._headers["X-Routes-Failed-Providers"] = ",".join(
                outcome.provider for outcome in snapshot.failed
            )

    def _encode(self, snapshot: RouteSnapshot, query: RouteQuery) -> RoutePageAnswer:
        page = snapshot.routes.select(query)
        body = self._json.array(snapshot.routes, page.routes)
        return RoutePageAnswer(body, {**self._headers, "X-Total-Count": str(page.total)})

    def _remember(self, key: QueryKey, answer: RoutePageAnswer) -> RoutePageAnswer:
        size = len(answer.body)
        if size > self._budget:
            return answer
        self._answers[key] = answer
        self._size += size
        while self._size > self._budget:
            _, evicted = self._answers.popitem(last=False)
            self._size -= len(evicted.body)
        return answer
