"""The margin rules of a tenant, indexed so that pricing never scans them all."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from funflights_core.margin_rule import CountrySide, FlightFacts, MarginRule, RuleLevel


@attrs.frozen
class Explanation:
    """Why a rule prices a flight: the winner, and every rule that was looked at."""

    chosen: MarginRule | None
    considered: tuple[tuple[MarginRule, str], ...]
    """Each candidate with the reason it won or lost."""


def _preference(rule: MarginRule) -> tuple[int, float]:
    # Most specific first (by level, before this is called); then explicit priority, then
    # the newest rule.
    return (-rule.priority, -rule.created_at.timestamp())


class MarginBook:
    """Rules indexed by flight, airline, route and country; lookups touch a few candidates."""

    def __init__(self, rules: Iterable[MarginRule]) -> None:
        self._rules = {rule.id: rule for rule in rules}
        self._by_flight: dict[tuple[str, str], list[MarginRule]] = {}
        self._by_airline: dict[str, list[MarginRule]] = {}
        self._by_route: dict[tuple[str, str], list[MarginRule]] = {}
        self._by_country: dict[str, list[MarginRule]] = {}
        self._defaults: list[MarginRule] = []
        self.size = len(self._rules)
        for rule in self._rules.values():
            self._bucket(rule).append(rule)
        for bucket in self._buckets():
            bucket.sort(key=_preference)

    def updated(self, changed: Iterable[MarginRule], removed: Iterable[str]) -> MarginBook:
        """A new book with some rules added or replaced and some removed (this one is kept)."""
        rules = dict(self._rules)
        for rule_id in removed:
            rules.pop(rule_id, None)
        rules.update((rule.id, rule) for rule in changed)
        return MarginBook(rules.values())

    def _bucket(self, rule: MarginRule) -> list[MarginRule]:
        # The level says which fields are set, so str() only narrows their types.
        level = rule.level
        if level is RuleLevel.FLIGHT:
            key = (str(rule.carrier), str(rule.flight_number))
            return self._by_flight.setdefault(key, [])
        if level is RuleLevel.AIRLINE:
            return self._by_airline.setdefault(str(rule.carrier), [])
        if level is RuleLevel.ROUTE:
            return self._by_route.setdefault((str(rule.origin), str(rule.destination)), [])
        if level is RuleLevel.COUNTRY:
            return self._by_country.setdefault(str(rule.country), [])
        return self._defaults

    def _buckets(self) -> Iterable[list[MarginRule]]:
        yield from self._by_flight.values()
        yield from self._by_airline.values()
        yield from self._by_route.values()
        yield from self._by_country.values()
        yield self._defaults

    def _candidates(self, facts: FlightFacts) -> Iterable[list[MarginRule]]:
        """Per level, most specific first: the rules that may cover the flight."""
        yield self._by_flight.get((facts.carrier, facts.flight_number), [])
        yield self._by_airline.get(facts.carrier, [])
        yield self._by_route.get((facts.origin, facts.destination), [])
        countries = self._by_country.get(facts.origin_country, [])
        if facts.destination_country != facts.origin_country:
            countries = sorted(
                [*countries, *self._by_country.get(facts.destination_country, [])],
                key=_preference,
            )
        yield countries
        yield self._defaults

    def rule_for(self, facts: FlightFacts, at: datetime) -> MarginRule | None:
        """The rule that prices the flight at ``at``, or None when no rule applies."""
        for bucket in self._candidates(facts):
            for rule in bucket:
                if rule.applies(facts, at):
                    return rule
        return None

    def explain(self, facts: FlightFacts, at: datetime) -> Explanation:
        """The winning rule and why each candidate won or lost."""
        chosen: MarginRule | None = None
        considered: list[tuple[MarginRule, str]] = []
        for bucket in self._candidates(facts):
            for rule in bucket:
                if chosen is not None:
                    considered.append((rule, _why_not_chosen(rule, chosen, facts, at)))
                elif rule.applies(facts, at):
                    chosen = rule
                    considered.append((rule, f"chosen: {rule.level.name.lower()} rule"))
                else:
                    considered.append((rule, _why_not(rule, facts, at)))
        return Explanation(chosen, tuple(considered))


def _why_not_chosen(rule: MarginRule, chosen: MarginRule, facts: FlightFacts, at: datetime) -> str:
    if not rule.applies(facts, at):
        return _why_not(rule, facts, at)
    if rule.level != chosen.level:
        return f"applies, but the {chosen.level.name.lower()} rule {chosen.id} is more specific"
    if rule.priority != chosen.priority:
        return f"applies, but {chosen.id} has a higher priority ({chosen.priority})"
    return f"applies, but {chosen.id} is newer at the same priority"


def _why_not(rule: MarginRule, facts: FlightFacts, at: datetime) -> str:
    if rule.valid_from is not None and at < rule.valid_from:
        return "not in force yet"
    if rule.valid_until is not None and at >= rule.valid_until:
        return "no longer in force"
    if rule.cabin is not None and rule.cabin != facts.cabin:
        return f"only for cabin {rule.cabin}"
    if rule.travel_from is not None and facts.departure < rule.travel_from:
        return "departure before its travel dates"
    if rule.travel_until is not None and facts.departure > rule.travel_until:
        return "departure after its travel dates"
    if rule.country_side is not CountrySide.EITHER:
        return f"country rule for the {rule.country_side} side"
    return "does not cover the flight"
