"""BundledRouteFeed: the two demo feeds derived from the bundled OpenFlights routes."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from adapters.route_feeds.bundled_feed import DEMO_FEEDS, BundledRouteFeed, demo_feed_body
from adapters.route_feeds.routes_json import ROUTE_FIELDS
from funflights_core.aggregation import ProviderFeed, aggregate
from funflights_core.route_record import RouteRecord


async def test_demo_feed_names() -> None:
    assert DEMO_FEEDS == ("flights1", "flights2")


@pytest.mark.parametrize(("name", "records"), [("flights1", 45_109), ("flights2", 45_108)])
async def test_each_demo_feed_holds_two_thirds_of_the_routes(name: str, records: int) -> None:
    batch = await BundledRouteFeed(name=name).fetch()

    assert len(batch.records) == records
    assert batch.dropped == {}
    assert all(isinstance(record, RouteRecord) for record in batch.records[:100])


async def test_the_feeds_overlap_by_a_third() -> None:
    flights1 = await BundledRouteFeed(name="flights1").fetch()
    flights2 = await BundledRouteFeed(name="flights2").fetch()

    routes = aggregate(
        [
            ProviderFeed("flights1", 1, flights1.records),
            ProviderFeed("flights2", 2, flights2.records),
        ]
    )

    assert len(routes) == 67_663
    by_providers = Counter(route.providers for route in routes)
    assert by_providers == {
        ("flights1", "flights2"): 22_554,
        ("flights1",): 22_555,
        ("flights2",): 22_554,
    }


async def test_a_known_route_is_in_the_feed() -> None:
    batch = await BundledRouteFeed(name="flights1").fetch()

    ba = [r for r in batch.records if r.key == ("BA", "JFK", "LHR", 0)]
    assert ba == [RouteRecord("BA", "JFK", "LHR", 0, False, "777 744")]


async def test_fetch_is_repeatable() -> None:
    feed = BundledRouteFeed(name="flights2")

    assert await feed.fetch() == await feed.fetch()


def test_demo_feed_body_is_the_wire_format() -> None:
    content = json.loads(demo_feed_body("flights2"))

    assert isinstance(content, list)
    assert len(content) == 45_108
    assert set(content[0]) == set(ROUTE_FIELDS)


@pytest.mark.parametrize("name", ["flights3", "", "FLIGHTS1", "bundled:flights1"])
def test_unknown_bundled_feed_is_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="choose one of flights1, flights2") as raised:
        BundledRouteFeed(name=name)

    assert repr(name) in str(raised.value)


def test_demo_feed_body_of_unknown_feed_raises_key_error() -> None:
    with pytest.raises(KeyError):
        demo_feed_body("flights3")
