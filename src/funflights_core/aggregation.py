"""Merging the route feeds of several providers into one catalogue (a pure function)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from itertools import filterfalse, repeat
from operator import add, itemgetter

import attrs

from funflights_core.route import Route
from funflights_core.route_record import RouteKey, RouteRecord

_record_key = itemgetter(0, 1, 2, 3)
"""RouteRecord.key without a Python-level call: (airline, source, destination, stops)."""

_new_route = partial(tuple.__new__, Route)


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
    view: dict[RouteKey, RouteRecord] = dict(zip(map(_record_key, records), records, strict=True))
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


def _routes_of(records: Iterable[RouteRecord], provider: str) -> Iterable[Route]:
    """Routes offered by one provider only: each record with the provider's name appended."""
    return map(_new_route, map(add, records, repeat(((provider,),))))


def aggregate(feeds: Iterable[ProviderFeed]) -> tuple[Route, ...]:
    """Merge provider feeds: one route per key, sorted by key.

    Equipment is the union of every provider's codes in first-seen order, providers taken
    by priority (lowest number first, then name); the code-share flag comes from the
    highest-priority provider that has the route; each route names its providers.
    """
    merged: dict[RouteKey, Route] = {}
    for feed in sorted(feeds, key=lambda feed: (feed.priority, feed.provider)):
        view = _one_per_route(feed.records)
        if not merged:
            merged = dict(zip(view, _routes_of(view.values(), feed.provider), strict=True))
            continue
        named = (feed.provider,)
        for key in filter(merged.__contains__, view):
            known = merged[key]
            equipment = _union(known[5], view[key][5])
            merged[key] = _new_route((*known[:5], equipment, known[6] + named))
        fresh = list(filterfalse(merged.__contains__, view))
        merged.update(
            zip(fresh, _routes_of(map(view.__getitem__, fresh), feed.provider), strict=True)
        )
    # Routes begin with their key fields and keys are unique: tuple order is key order.
    return tuple(sorted(merged.values()))
