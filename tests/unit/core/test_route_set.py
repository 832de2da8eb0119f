"""Selecting routes: filters, case-insensitivity, pages."""

import pytest

from funflights_core.aggregation import ProviderFeed, aggregate
from funflights_core.errors import InvalidQuery
from funflights_core.route_query import RouteQuery
from funflights_core.route_record import RouteRecord
from funflights_core.route_set import RouteSet

ROUTES = RouteSet.of(
    aggregate(
        [
            ProviderFeed(
                "a",
                1,
                [
                    RouteRecord("BA", "LHR", "JFK", 0, False, "744"),
                    RouteRecord("BA", "JFK", "LHR", 0, False, "744"),
                    RouteRecord("AA", "JFK", "LHR", 0, True, "777"),
                    RouteRecord("AA", "JFK", "LAX", 0, False, "321"),
                    RouteRecord("AA", "JFK", "LAX", 1, False, "321"),
                    RouteRecord("DL", "ATL", "LAX", 2, False, ""),
                ],
            )
        ]
    )
)


def keys(query: RouteQuery) -> list[tuple[str, str, str, int]]:
    return [route.key for route in ROUTES.select(query).routes]


def test_no_filter_returns_everything_in_key_order() -> None:
    page = ROUTES.select(RouteQuery())
    assert page.total == 6
    assert [r.key for r in page.routes] == sorted(r.key for r in ROUTES.routes)


def test_filters_combine_and_ignore_case() -> None:
    assert keys(RouteQuery(source="jfk", destination=" lax ")) == [
        ("AA", "JFK", "LAX", 0),
        ("AA", "JFK", "LAX", 1),
    ]
    assert keys(RouteQuery(airline="ba", source="JFK")) == [("BA", "JFK", "LHR", 0)]
    assert keys(RouteQuery(source="JFK", max_stops=0)) == [
        ("AA", "JFK", "LAX", 0),
        ("AA", "JFK", "LHR", 0),
        ("BA", "JFK", "LHR", 0),
    ]
    assert keys(RouteQuery(max_stops=1)) == [k for k in keys(RouteQuery()) if k[3] <= 1]


def test_unknown_codes_match_nothing() -> None:
    page = ROUTES.select(RouteQuery(source="XXX"))
    assert page.total == 0
    assert list(page.routes) == []


def test_pages_report_the_total_before_paging() -> None:
    page = ROUTES.select(RouteQuery(source="JFK", limit=2, offset=1))
    assert page.total == 4
    assert [r.key for r in page.routes] == [("AA", "JFK", "LAX", 1), ("AA", "JFK", "LHR", 0)]
    assert list(ROUTES.select(RouteQuery(offset=10)).routes) == []


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"max_stops": -1}, "max_stops"),
        ({"limit": 0}, "limit"),
        ({"limit": 100_001}, "limit"),
        ({"offset": -1}, "offset"),
        ({"source": "  "}, "source"),
    ],
)
def test_impossible_queries_are_refused(kwargs: dict[str, object], parameter: str) -> None:
    with pytest.raises(InvalidQuery) as raised:
        RouteQuery(**kwargs)  # type: ignore[arg-type]
    assert raised.value.parameter == parameter
