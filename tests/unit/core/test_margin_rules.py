"""Margin rules: the most specific applicable rule wins, found through indexes, not a scan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.money.fixed_currencies import FixedCurrencies
from funflights_core.margin_book import MarginBook
from funflights_core.margin_rule import CountrySide, FlightFacts, MarginRule, RuleLevel
from funflights_core.money import Money

NOW = datetime(2030, 1, 1, tzinfo=UTC)
EUR = FixedCurrencies().currency("EUR")
FLIGHT = FlightFacts("BA", "117", "LHR", "JFK", "GB", "US", date(2030, 3, 1), "economy")


def rule(rule_id: str, **fields: object) -> MarginRule:
    values: dict[str, object] = {"percent": Decimal("0.05"), "created_at": NOW, **fields}
    return MarginRule(id=rule_id, tenant_id="default", **values)  # type: ignore[arg-type]


def eur(amount: str) -> Money:
    return Money.of(amount, EUR)


def test_the_most_specific_rule_wins() -> None:
    rules = [
        rule("default"),
        rule("gb", country="GB"),
        rule("route", origin="LHR", destination="JFK"),
        rule("airline", carrier="BA"),
        rule("flight", carrier="BA", flight_number="117"),
    ]
    book = MarginBook(rules)

    assert book.rule_for(FLIGHT, NOW).id == "flight"  # type: ignore[union-attr]
    assert MarginBook(rules[:4]).rule_for(FLIGHT, NOW).id == "airline"  # type: ignore[union-attr]
    assert MarginBook(rules[:3]).rule_for(FLIGHT, NOW).id == "route"  # type: ignore[union-attr]
    assert MarginBook(rules[:2]).rule_for(FLIGHT, NOW).id == "gb"  # type: ignore[union-attr]
    assert MarginBook(rules[:1]).rule_for(FLIGHT, NOW).id == "default"  # type: ignore[union-attr]
    assert MarginBook([]).rule_for(FLIGHT, NOW) is None
    assert [r.level for r in rules] == [
        RuleLevel.TENANT_DEFAULT,
        RuleLevel.COUNTRY,
        RuleLevel.ROUTE,
        RuleLevel.AIRLINE,
        RuleLevel.FLIGHT,
    ]


def test_ties_go_to_priority_then_to_the_newest() -> None:
    older = rule("older", carrier="BA", created_at=NOW - timedelta(days=1))
    newer = rule("newer", carrier="BA")
    urgent = rule("urgent", carrier="BA", priority=5, created_at=NOW - timedelta(days=9))

    assert MarginBook([older, newer]).rule_for(FLIGHT, NOW).id == "newer"  # type: ignore[union-attr]
    assert MarginBook([older, newer, urgent]).rule_for(FLIGHT, NOW).id == "urgent"  # type: ignore[union-attr]


def test_validity_cabin_travel_dates_and_country_side_narrow_a_rule() -> None:
    book = MarginBook(
        [
            rule("future", carrier="BA", valid_from=NOW + timedelta(days=1)),
            rule("expired", carrier="BA", valid_until=NOW),
            rule("business", carrier="BA", cabin="business"),
            rule("summer", carrier="BA", flight_number="117", travel_from=date(2030, 6, 1)),
            rule("into-gb", country="GB", country_side=CountrySide.DESTINATION),
            rule("fallback"),
        ]
    )

    explanation = book.explain(FLIGHT, NOW)

    assert explanation.chosen is not None
    assert explanation.chosen.id == "fallback"
    reasons = {r.id: why for r, why in explanation.considered}
    assert reasons == {
        "summer": "departure before its travel dates",
        "future": "not in force yet",
        "expired": "no longer in force",
        "business": "only for cabin business",
        "into-gb": "country rule for the destination side",
        "fallback": "chosen: tenant_default rule",
    }
    assert book.rule_for(attrs.evolve(FLIGHT, cabin="business"), NOW).id == "business"  # type: ignore[union-attr]


def test_a_margin_adds_a_share_and_a_fixed_amount_within_bounds() -> None:
    both = rule("r", percent=Decimal("0.10"), fixed_per_passenger=eur("5"))
    capped = attrs.evolve(both, maximum=eur("40"))
    floored = attrs.evolve(both, percent=Decimal(0), fixed_per_passenger=None, minimum=eur("12"))

    assert both.margin(eur("300"), passengers=2) == eur("40")
    assert capped.margin(eur("500"), passengers=2) == eur("40")
    assert floored.margin(eur("300"), passengers=2) == eur("12")
    assert rule("zero", percent=Decimal(0)).margin(eur("300"), 2) == eur("0")


codes = st.sampled_from(["BA", "AA", "LH"])
airports = st.sampled_from(["LHR", "JFK", "FRA"])
countries = st.sampled_from(["GB", "US", "DE"])
rules = st.builds(
    lambda n, carrier, number, origin, destination, country, side, cabin, priority, age: rule(
        f"r{n}",
        carrier=carrier,
        flight_number=number if carrier else None,
        origin=origin,
        destination=destination if origin else None,
        country=country,
        country_side=side,
        cabin=cabin,
        priority=priority,
        created_at=NOW - timedelta(hours=age),
    ),
    st.integers(0, 10**6),
    st.none() | codes,
    st.none() | st.sampled_from(["1", "2"]),
    st.none() | airports,
    airports,
    st.none() | countries,
    st.sampled_from(list(CountrySide)),
    st.none() | st.sampled_from(["economy", "business"]),
    st.integers(0, 2),
    st.integers(0, 50),
)
flights = st.builds(
    FlightFacts,
    codes,
    st.sampled_from(["1", "2"]),
    airports,
    airports,
    countries,
    countries,
    st.just(date(2030, 3, 1)),
    st.sampled_from(["economy", "business"]),
)


def scan(all_rules: list[MarginRule], facts: FlightFacts) -> MarginRule | None:
    """The rule a naive scan over every rule picks."""
    applicable = [r for r in all_rules if r.applies(facts, NOW)]
    if not applicable:
        return None
    return min(applicable, key=lambda r: (r.level, -r.priority, -r.created_at.timestamp()))


@settings(max_examples=300)
@given(st.lists(rules, max_size=40, unique_by=lambda r: r.id), flights)
def test_the_index_picks_what_a_full_scan_picks(
    all_rules: list[MarginRule], facts: FlightFacts
) -> None:
    found = MarginBook(all_rules).rule_for(facts, NOW)
    expected = scan(all_rules, facts)

    if expected is None:
        assert found is None
    else:
        assert found is not None
        key = (found.level, -found.priority, -found.created_at.timestamp())
        assert key == (expected.level, -expected.priority, -expected.created_at.timestamp())


@given(
    st.decimals(min_value=0, max_value=Decimal("0.5"), places=4),
    st.decimals(min_value=0, max_value=Decimal("10000"), places=2),
    st.decimals(min_value=0, max_value=Decimal("10000"), places=2),
)
def test_a_margin_never_falls_when_the_fare_rises(
    percent: Decimal, low: Decimal, high: Decimal
) -> None:
    r = rule("r", percent=percent, fixed_per_passenger=eur("3"), maximum=eur("500"))
    small, large = sorted([low, high])

    assert r.margin(eur(str(small)), 1) <= r.margin(eur(str(large)), 1)
