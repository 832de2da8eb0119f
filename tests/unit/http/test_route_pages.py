"""RoutePages: answers kept per snapshot and query, dropped on refresh, within a budget."""

import pytest

from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from conftest import FLIGHTS1, FLIGHTS2, fake_container, route
from entrypoints.http.route_pages import RoutePages
from funflights_core.errors import InvalidQuery
from funflights_core.route_catalogue import RouteCatalogue

EVERYTHING = (None, None, None, None, None, 0)
FROM_JFK = (None, "jfk", None, None, None, 0)


@pytest.fixture
def feeds() -> dict[str, InMemoryRouteFeed]:
    return {"flights1": InMemoryRouteFeed(FLIGHTS1), "flights2": InMemoryRouteFeed(FLIGHTS2)}


def pages_over(feeds: dict[str, InMemoryRouteFeed], budget: int = 1 << 20) -> RoutePages:
    return RoutePages(fake_container(feeds).resolve(RouteCatalogue), budget_bytes=budget)


async def test_a_repeated_query_is_answered_from_the_same_bytes(
    feeds: dict[str, InMemoryRouteFeed],
) -> None:
    pages = pages_over(feeds)

    first = await pages.answer(FROM_JFK)
    again = await pages.answer(FROM_JFK)

    assert again is first
    assert first.body.startswith(b'[{"airline":"AA","sourceAirport":"JFK"')
    assert first.headers["X-Total-Count"] == "3"
    assert first.headers["X-Routes-Status"] == "complete"
    assert first.headers["X-Routes-Refreshed-At"].endswith("Z")


async def test_a_new_snapshot_drops_every_answer(feeds: dict[str, InMemoryRouteFeed]) -> None:
    pages = pages_over(feeds)
    before = await pages.answer(FROM_JFK)

    feeds["flights2"].content = [route("B6", "JFK", "SFO")]
    await pages.catalogue.refresh()
    after = await pages.answer(FROM_JFK)

    assert after is not before
    assert b'"destinationAirport":"SFO"' in after.body
    assert b'"destinationAirport":"BOS"' not in after.body


async def test_failed_providers_are_named_in_the_headers(
    feeds: dict[str, InMemoryRouteFeed],
) -> None:
    feeds["flights2"].fail_with("HTTP 503 from provider")
    pages = pages_over(feeds)

    answer = await pages.answer(EVERYTHING)

    assert answer.headers["X-Routes-Status"] == "partial"
    assert answer.headers["X-Routes-Failed-Providers"] == "flights2"


async def test_the_least_recently_used_answer_leaves_first_when_over_budget(
    feeds: dict[str, InMemoryRouteFeed],
) -> None:
    probe = await pages_over(feeds).answer(EVERYTHING)
    pages = pages_over(feeds, budget=len(probe.body) + 10)

    everything = await pages.answer(EVERYTHING)
    from_jfk = await pages.answer(FROM_JFK)  # pushes EVERYTHING out

    assert await pages.answer(FROM_JFK) is from_jfk
    assert await pages.answer(EVERYTHING) is not everything
    assert await pages.answer(EVERYTHING) == everything


async def test_an_answer_larger_than_the_budget_is_not_kept(
    feeds: dict[str, InMemoryRouteFeed],
) -> None:
    pages = pages_over(feeds, budget=10)

    first = await pages.answer(EVERYTHING)

    assert await pages.answer(EVERYTHING) is not first


async def test_an_impossible_query_raises_and_is_not_kept(
    feeds: dict[str, InMemoryRouteFeed],
) -> None:
    pages = pages_over(feeds)

    for _ in range(2):
        with pytest.raises(InvalidQuery):
            await pages.answer((None, " ", None, None, None, 0))
