"""InMemoryRouteFeed, the fake provider: counts calls, fails and recovers on demand."""

from __future__ import annotations

import pytest

from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from adapters.route_feeds.routes_json import RoutesJsonDecoder
from funflights_core.errors import ProviderUnavailable
from funflights_core.route_record import RouteRecord

CONTENT = [{"airline": "BA", "sourceAirport": "LHR", "destinationAirport": "JFK", "stops": 0}]
RECORDS = (RouteRecord("BA", "LHR", "JFK", 0, False, ""),)


async def test_fails_while_told_to_and_counts_every_call() -> None:
    feed = InMemoryRouteFeed(CONTENT)

    assert (await feed.fetch()).records == RECORDS
    feed.fail_with("HTTP 503 from provider")
    with pytest.raises(ProviderUnavailable) as raised:
        await feed.fetch()
    feed.recover()
    assert (await feed.fetch()).records == RECORDS

    assert raised.value.reason == "HTTP 503 from provider"
    assert feed.calls == 3


async def test_content_can_be_replaced_between_fetches() -> None:
    feed = InMemoryRouteFeed([])
    assert (await feed.fetch()).records == ()

    feed.content = CONTENT

    assert (await feed.fetch()).records == RECORDS


async def test_uses_the_given_decoder() -> None:
    feed = InMemoryRouteFeed(
        [{"carrier": "BA", "sourceAirport": "LHR", "destinationAirport": "JFK", "stops": 0}],
        decoder=RoutesJsonDecoder({"airline": "carrier"}),
    )

    assert (await feed.fetch()).records == RECORDS
