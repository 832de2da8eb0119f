"""The aggregated catalogue, indexed for the queries travellers and resellers make."""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

import attrs

from funflights_core.route import Route
from funflights_core.route_query import RouteQuery


@attrs.frozen
class RoutePage:
    """One page of matching routes and how many matched in all."""

    routes: Sequence[Route]
    total: int


@attrs.frozen
class RouteSet:
    """Routes sorted by key, with indexes by airline, source and destination.

    Each index is built the first time a query needs it, so a refresh does not pay for
    indexes nobody queries; it is then kept for the life of the set.
    """

    routes: tuple[Route, ...]
    _indexes: dict[str, dict[str, list[Route]]] = attrs.field(
        factory=dict, eq=False, repr=False, alias="_indexes"
    )

    @classmethod
    def of(cls, routes: tuple[Route, ...]) -> RouteSet:
        """A set over routes already sorted by key (as ``aggregate`` returns them)."""
        return cls(routes)

    def __len__(self) -> int:
        return len(self.routes)

    def _index(self, field: str) -> dict[str, list[Route]]:
        index = self._indexes.get(field)
        if index is None:
            index = {}
            code_of = attrgetter(field)
            for route in self.routes:
                code: str = code_of(route)
                bucket = index.get(code)
                if bucket is None:
                    index[code] = [route]
                else:
                    bucket.append(route)
            self._indexes[field] = index
        return index

    def select(self, query: RouteQuery) -> RoutePage:
        """The page of routes matching every filter of the query, in key order."""
        candidates: Sequence[Route] = self.routes
        for value, field in (
            (query.source, "source_airport"),
            (query.destination, "destination_airport"),
            (query.airline, "airline"),
        ):
            if value is not None:
                narrowed = self._index(field).get(value, [])
                if len(narrowed) < len(candidates):
                    candidates = narrowed
        matching: Sequence[Route] = (
            [route for route in candidates if _matches(route, query)]
            if _has_filters(query)
            else self.routes
        )
        end = None if query.limit is None else query.offset + query.limit
        return RoutePage(matching[query.offset : end], len(matching))


def _has_filters(query: RouteQuery) -> bool:
    return any(
        value is not None
        for value in (query.airline, query.source, query.destination, query.max_stops)
    )


def _matches(route: Route, query: RouteQuery) -> bool:
    return (
        (query.airline is None or route.airline == query.airline)
        and (query.source is None or route.source_airport == query.source)
        and (query.destination is None or route.destination_airport == query.destination)
        and (query.max_stops is None or route.stops <= query.max_stops)
    )
