"""Merging provider feeds: one route per key, equipment union, code share by priority."""

from funflights_core.aggregation import ProviderFeed, aggregate
from funflights_core.route import Route
from funflights_core.route_record import RouteRecord


def rec(
    airline: str, src: str, dst: str, stops: int = 0, cs: bool = False, eq: str = ""
) -> RouteRecord:
    return RouteRecord(airline, src, dst, stops, cs, eq)


def test_same_route_from_two_providers_is_one_route() -> None:
    routes = aggregate(
        [
            ProviderFeed("flights2", 2, [rec("BA", "LHR", "JFK", eq="777 744")]),
            ProviderFeed("flights1", 1, [rec("BA", "LHR", "JFK", cs=True, eq="744 380")]),
        ]
    )
    assert routes == (Route("BA", "LHR", "JFK", 0, True, "744 380 777", ("flights1", "flights2")),)


def test_code_share_comes_from_the_highest_priority_provider_having_the_route() -> None:
    routes = aggregate(
        [
            ProviderFeed("a", 1, [rec("AA", "JFK", "LAX")]),
            ProviderFeed("b", 2, [rec("BA", "LHR", "JFK", cs=True)]),
            ProviderFeed(
                "c", 3, [rec("BA", "LHR", "JFK", cs=False), rec("AA", "JFK", "LAX", cs=True)]
            ),
        ]
    )
    by_key = {route.key: route for route in routes}
    assert by_key["BA", "LHR", "JFK", 0].code_share is True
    assert by_key["BA", "LHR", "JFK", 0].providers == ("b", "c")
    assert by_key["AA", "JFK", "LAX", 0].code_share is False


def test_equal_priorities_are_ordered_by_name() -> None:
    routes = aggregate(
        [
            ProviderFeed("zeta", 1, [rec("BA", "LHR", "JFK", cs=True, eq="380")]),
            ProviderFeed("alpha", 1, [rec("BA", "LHR", "JFK", cs=False, eq="744")]),
        ]
    )
    assert routes[0].providers == ("alpha", "zeta")
    assert routes[0].code_share is False
    assert routes[0].equipment == "744 380"


def test_stops_are_part_of_the_identity() -> None:
    routes = aggregate(
        [ProviderFeed("a", 1, [rec("BA", "LHR", "JFK", 0), rec("BA", "LHR", "JFK", 1)])]
    )
    assert [route.stops for route in routes] == [0, 1]


def test_duplicates_within_one_provider_merge_in_a_canonical_order() -> None:
    first = aggregate(
        [
            ProviderFeed(
                "a",
                1,
                [rec("BA", "LHR", "JFK", eq="777"), rec("BA", "LHR", "JFK", cs=True, eq="380 777")],
            )
        ]
    )
    second = aggregate(
        [
            ProviderFeed(
                "a",
                1,
                [rec("BA", "LHR", "JFK", cs=True, eq="380 777"), rec("BA", "LHR", "JFK", eq="777")],
            )
        ]
    )
    assert first == second == (Route("BA", "LHR", "JFK", 0, True, "380 777", ("a",)),)


def test_routes_come_out_sorted_by_key() -> None:
    routes = aggregate(
        [
            ProviderFeed(
                "a", 1, [rec("ZZ", "AAA", "BBB"), rec("AA", "ZZZ", "AAA"), rec("AA", "BBB", "CCC")]
            ),
        ]
    )
    assert [route.key for route in routes] == sorted(route.key for route in routes)


def test_no_feeds_no_routes() -> None:
    assert aggregate([]) == ()
    assert aggregate([ProviderFeed("a", 1, [])]) == ()
