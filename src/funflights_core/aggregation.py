"""Merging the route feeds of several providers into one catalogue (a pure function)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from funflights_core.route import Route
from funflights_core.route_record import RouteKey, RouteRecord


@attrs.frozen
class ProviderFeed:
    """The records one provider delivered, with the provider's name and priority."""

    provider: str
    priority: int
    records: Sequence[RouteRecord]


def _union(first: str, second: str) -> str:
    """Two space-separated code lists merged, first-seen order kept, each code once."""
    if not second or first == second:
        return first
    if not first:
        return second
    return " ".join(dict.fromkeys((*first.split(), *second.split())))


def _one_per_route(records: Sequence[RouteRecord]) -> dict[RouteKey, RouteRecord]:
    view = {record.key: record for record in records}
    if len(view) == len(records):
        return view
    # A provider listed a route more than once: merge its duplicates in a canonical order
    # so that the result never depends on the order its records arrived in.
    duplicates: dict[RouteKey, list[RouteRecord]] = {}
    for record in records:
        duplicates.setdefault(record.key, []).append(record)
    for key, same in duplicates.items():
        if len(same) > 1:
            same.sort(key=lambda record: (record.equipment, record.code_share))
            equipment = ""
            for record in same:
                equipment = _union(equipment, record.equipment)
            view[key] = same[0]._replace(
                code_share=any(record.code_share for record in same), equipment=equipment
            )
    return view


def aggregate(feeds: Iterable[ProviderFeed]) -> tuple[Route, ...]:
    """Merge provider feeds: one route per key, sorted by key.

    Equipment is the union of every provider's codes in first-seen order, providers taken
    by priority (lowest number first, then name); the code-share flag comes from the
    highest-priority provider that has the route; each route names its providers.
    """
    merged: dict[RouteKey, list[Any]] = {}
    for feed in sorted(feeds, key=lambda feed: (feed.priority, feed.provider)):
        name = feed.provider
        for key, record in _one_per_route(feed.records).items():
            known = merged.get(key)
            if known is None:
                merged[key] = [record.code_share, record.equipment, name]
            else:
                known[1] = _union(known[1], record.equipment)
                known.append(name)
    ordered = sorted(merged)  # keys only: sorting (key, value) pairs costs more
    return tuple(
        [
            Route(key[0], key[1], key[2], key[3], known[0], known[1], tuple(known[2:]))
            for key, known in zip(ordered, map(merged.__getitem__, ordered), strict=True)
        ]
    )
