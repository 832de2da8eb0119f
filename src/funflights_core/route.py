"""A route in the aggregated catalogue: one per (airline, source, destination, stops)."""

from __future__ import annotations

from typing import NamedTuple

from funflights_core.route_record import RouteKey


class Route(NamedTuple):
    """A route merged from every provider that offers it (a NamedTuple: see docs/adr/0004)."""

    # The fields of RouteRecord in its order, then providers: a route is built from a
    # record by appending one tuple, and routes sort by key as plain tuples.
    airline: str
    source_airport: str
    destination_airport: str
    stops: int
    code_share: bool
    equipment: str
    """Aircraft codes of every provider, space-separated, first-seen order ("" when none)."""
    providers: tuple[str, ...]

    @property
    def key(self) -> RouteKey:
        """The identity of the route."""
        return (self[0], self[1], self[2], self[3])
