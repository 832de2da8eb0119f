"""A request for part of the route catalogue: filters and a page."""

from __future__ import annotations

import attrs

from funflights_core.errors import InvalidQuery

MAX_PAGE_SIZE = 100_000


def _normalise_code(value: str | None) -> str | None:
    return None if value is None else value.strip().upper()


@attrs.frozen
class RouteQuery:
    """Filters (all optional, combined with AND) and a page over the sorted catalogue."""

    airline: str | None = attrs.field(default=None, converter=_normalise_code)
    source: str | None = attrs.field(default=None, converter=_normalise_code)
    destination: str | None = attrs.field(default=None, converter=_normalise_code)
    max_stops: int | None = None
    limit: int | None = None
    offset: int = 0

    def __attrs_post_init__(self) -> None:
        for name in ("airline", "source", "destination"):
            if getattr(self, name) == "":
                raise InvalidQuery(name, "must not be empty")
        if self.max_stops is not None and self.max_stops < 0:
            raise InvalidQuery("max_stops", "must be 0 or more")
        if self.limit is not None and not 1 <= self.limit <= MAX_PAGE_SIZE:
            raise InvalidQuery("limit", f"must be between 1 and {MAX_PAGE_SIZE}")
        if self.offset < 0:
            raise InvalidQuery("offset", "must be 0 or more")
