"""Properties of route aggregation that must hold for any feeds (hypothesis)."""

import random

from hypothesis import given
from hypothesis import strategies as st

from funflights_core.aggregation import ProviderFeed, aggregate
from funflights_core.route_record import RouteRecord, normalise_equipment

# Small alphabets make the same route turn up in several feeds, which is what matters.
codes = st.sampled_from(["BA", "AA", "2B", "AAL", "U2"])
airports = st.sampled_from(["LHR", "JFK", "EGLL", "CDG", "X1"])
equipment = st.lists(st.sampled_from(["320", "744", "777", "CR2", "73H"]), max_size=3).map(
    lambda items: normalise_equipment(" ".join(items))
)
records = st.builds(
    RouteRecord,
    airline=codes,
    source_airport=airports,
    destination_airport=airports,
    code_share=st.booleans(),
    stops=st.integers(0, 2),
    equipment=equipment,
)


@st.composite
def provider_feeds(draw: st.DrawFn) -> list[ProviderFeed]:
    count = draw(st.integers(1, 4))
    return [
        ProviderFeed(
            provider=f"provider{index}",
            priority=draw(st.integers(1, 3)),
            records=draw(st.lists(records, max_size=25)),
        )
        for index in range(count)
    ]


@given(provider_feeds(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_record_order_within_a_provider(
    feeds: list[ProviderFeed], rng: random.Random
) -> None:
    shuffled = []
    for feed in feeds:
        records = list(feed.records)
        rng.shuffle(records)
        shuffled.append(ProviderFeed(feed.provider, feed.priority, records))
    rng.shuffle(shuffled)
    assert aggregate(shuffled) == aggregate(feeds)


@given(provider_feeds())
def test_aggregating_twice_changes_nothing(feeds: list[ProviderFeed]) -> None:
    once = aggregate(feeds)
    doubled = [ProviderFeed(f.provider, f.priority, [*f.records, *f.records]) for f in feeds]
    assert aggregate(doubled) == once
    again = aggregate(
        [
            ProviderFeed(
                "merged",
                1,
                [
                    RouteRecord(
                        r.airline,
                        r.source_airport,
                        r.destination_airport,
                        r.stops,
                        r.code_share,
                        r.equipment,
                    )
                    for r in once
                ],
            )
        ]
    )
    assert [(r.key, r.code_share, r.equipment) for r in again] == [
        (r.key, r.code_share, r.equipment) for r in once
    ]


@given(provider_feeds())
def test_route_count_lies_between_the_largest_feed_and_the_sum(feeds: list[ProviderFeed]) -> None:
    distinct = [len({record.key for record in feed.records}) for feed in feeds]
    assert max(distinct) <= len(aggregate(feeds)) <= sum(distinct)


@given(provider_feeds())
def test_no_route_is_lost_and_each_names_exactly_its_providers(
    feeds: list[ProviderFeed],
) -> None:
    routes = {route.key: route for route in aggregate(feeds)}
    assert set(routes) == {record.key for feed in feeds for record in feed.records}
    for key, route in routes.items():
        having = sorted(
            (f for f in feeds if any(r.key == key for r in f.records)),
            key=lambda f: (f.priority, f.provider),
        )
        assert route.providers == tuple(f.provider for f in having)
        expected_codes = {
            code for f in having for r in f.records if r.key == key for code in r.equipment.split()
        }
        assert set(route.equipment.split()) == expected_codes
        assert len(route.equipment.split()) == len(expected_codes), "each code once"
        top = having[0]
        assert route.code_share == any(r.code_share for r in top.records if r.key == key)
