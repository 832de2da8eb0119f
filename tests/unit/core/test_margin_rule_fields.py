"""Margin rules as flat fields: validation names the bad field; fields round-trip exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.money.fixed_currencies import FixedCurrencies
from funflights_core.errors import InvalidInput
from funflights_core.margin_rule import CountrySide, MarginRule, RuleLevel
from funflights_core.margin_rule_fields import (
    CABINS,
    RULE_FIELDS,
    changed_rule,
    rule_fields,
    rule_from_fields,
)
from funflights_core.money import Money

NOW = datetime(2030, 1, 2, 12, tzinfo=UTC)
CURRENCIES = FixedCurrencies()
EUR, USD = CURRENCIES.currency("EUR"), CURRENCIES.currency("USD")


def make(fields: dict[str, Any], rule_id: str = "r1") -> MarginRule:
    return rule_from_fields(
        fields, rule_id=rule_id, tenant_id="acme", created_at=NOW, currencies=CURRENCIES
    )


def change(rule: MarginRule, changes: dict[str, Any]) -> MarginRule:
    return changed_rule(rule, changes, currencies=CURRENCIES)


def refused(fields: dict[str, Any]) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        make(fields)
    return caught.value


FULL = {
    "percent": "7.5",
    "fixed_per_passenger": "4.00",
    "minimum": "10",
    "maximum": "250.50",
    "currency": "USD",
    "carrier": "BA",
    "flight_number": "117",
    "origin": "LHR",
    "destination": "JFK",
    "country": "GB",
    "country_side": "origin",
    "cabin": "business",
    "travel_from": "2030-06-01",
    "travel_until": "2030-08-31",
    "valid_from": "2030-01-01T00:00:00+00:00",
    "valid_until": "2031-01-01T00:00:00+00:00",
    "priority": 12,
    "description": "Summer business on BA117",
}


def without_identity(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in ("id", "level", "created_at")}


# --- building a rule ---------------------------------------------------------------------


def test_fields_become_a_typed_rule() -> None:
    rule = make(FULL)

    assert rule.id == "r1"
    assert rule.tenant_id == "acme"
    assert rule.created_at == NOW
    assert rule.percent == Decimal("0.075")
    assert rule.fixed_per_passenger == Money.of("4.00", USD)
    assert rule.minimum == Money.of("10", USD)
    assert rule.maximum == Money.of("250.50", USD)
    assert rule.amounts_currency == "USD"
    assert rule.country_side is CountrySide.ORIGIN
    assert rule.travel_from == date(2030, 6, 1)
    assert rule.travel_until == date(2030, 8, 31)
    assert rule.valid_from == datetime(2030, 1, 1, tzinfo=UTC)
    assert rule.valid_until == datetime(2031, 1, 1, tzinfo=UTC)
    assert rule.priority == 12
    assert rule.level is RuleLevel.FLIGHT


def test_an_empty_rule_is_the_tenant_default_at_zero_percent() -> None:
    rule = make({})

    assert rule.percent == Decimal(0)
    assert rule.level is RuleLevel.TENANT_DEFAULT
    assert (rule.fixed_per_passenger, rule.minimum, rule.maximum) == (None, None, None)
    assert rule.amounts_currency is None
    assert rule.country_side is CountrySide.EITHER
    assert (rule.priority, rule.description) == (0, "")


@pytest.mark.parametrize(
    ("written", "share"),
    [
        ("5", Decimal("0.05")),
        (5, Decimal("0.05")),
        ("12.5", Decimal("0.125")),
        ("0.5", Decimal("0.005")),
        ("0", Decimal(0)),
        (" 3 ", Decimal("0.03")),
        ("1000", Decimal(10)),
    ],
)
def test_percent_is_written_in_percent(written: object, share: Decimal) -> None:
    assert make({"percent": written}).percent == share


def test_codes_are_trimmed_and_upper_cased_and_empty_text_means_unset() -> None:
    rule = make(
        {
            "carrier": " ba ",
            "flight_number": "117a",
            "origin": "lhr",
            "destination": "jfk",
            "country": "gb",
            "country_side": " Destination ",
            "cabin": " Premium_Economy ",
            "currency": "usd",
            "minimum": "1",
            "description": "  padded  ",
        }
    )

    assert (rule.carrier, rule.flight_number) == ("BA", "117A")
    assert (rule.origin, rule.destination, rule.country) == ("LHR", "JFK", "GB")
    assert rule.country_side is CountrySide.DESTINATION
    assert rule.cabin == "premium_economy"
    assert rule.amounts_currency == "USD"
    assert rule.description == "padded"
    blank = make({"carrier": "", "origin": "", "destination": "", "cabin": "", "minimum": ""})
    assert blank.level is RuleLevel.TENANT_DEFAULT
    assert (blank.cabin, blank.minimum) == (None, None)


def test_each_level_follows_from_the_fields_named() -> None:
    assert make({"carrier": "BA", "flight_number": "1"}).level is RuleLevel.FLIGHT
    assert make({"carrier": "BA"}).level is RuleLevel.AIRLINE
    assert make({"origin": "LHR", "destination": "JFK"}).level is RuleLevel.ROUTE
    assert make({"country": "GB"}).level is RuleLevel.COUNTRY


def test_a_currency_without_amounts_is_dropped() -> None:
    rule = make({"percent": "5", "currency": "USD"})

    assert rule.amounts_currency is None
    assert rule_fields(rule)["currency"] is None


def test_datetimes_and_dates_may_be_given_as_objects() -> None:
    rule = make(
        {
            "travel_from": date(2030, 6, 1),
            "travel_until": datetime(2030, 7, 1, 23, tzinfo=UTC),
            "valid_from": datetime(2030, 1, 1, tzinfo=UTC),
            "valid_until": "2030-02-01T00:00:00Z",
        }
    )

    assert rule.travel_until == date(2030, 7, 1)
    assert rule.valid_until == datetime(2030, 2, 1, tzinfo=UTC)


# --- round trips -------------------------------------------------------------------------


def test_fields_to_rule_to_fields_is_the_identity() -> None:
    rule = make(FULL)
    written = rule_fields(rule)

    assert without_identity(written) == FULL
    assert written["id"] == "r1"
    assert written["level"] == "flight"
    assert written["created_at"] == NOW.isoformat()
    assert set(without_identity(written)) == set(RULE_FIELDS)


def test_rule_to_fields_to_rule_is_the_identity() -> None:
    rule = make(FULL)

    again = make(without_identity(rule_fields(rule)))

    assert again == rule


def test_an_empty_rule_writes_plain_defaults() -> None:
    written = without_identity(rule_fields(make({})))

    assert written == {
        "percent": "0",
        "fixed_per_passenger": None,
        "minimum": None,
        "maximum": None,
        "currency": None,
        "carrier": None,
        "flight_number": None,
        "origin": None,
        "destination": None,
        "country": None,
        "country_side": "either",
        "cabin": None,
        "travel_from": None,
        "travel_until": None,
        "valid_from": None,
        "valid_until": None,
        "priority": 0,
        "description": "",
    }


def test_round_percentages_are_written_plainly() -> None:
    # JSON-ready text for staff and the audit log: "100", not scientific notation.
    assert rule_fields(make({"percent": "10"}))["percent"] == "10"
    assert rule_fields(make({"percent": "100"}))["percent"] == "100"
    assert rule_fields(make({"percent": "200"}))["percent"] == "200"


amounts = st.decimals(min_value=0, max_value=Decimal("99999"), places=2).map(str)
percent_texts = st.decimals(min_value=0, max_value=Decimal("99.999"), places=3).map(
    lambda d: str(d.normalize())
)
letters = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=1)
airports = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)


@st.composite
def rule_field_sets(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, Any] = {"percent": draw(percent_texts)}
    fixed, low, high = (
        draw(st.none() | amounts),
        draw(st.none() | amounts),
        draw(st.none() | amounts),
    )
    if low is not None and high is not None and Decimal(low) > Decimal(high):
        low, high = high, low
    if any(a is not None for a in (fixed, low, high)):
        fields["currency"] = draw(st.sampled_from(["EUR", "USD", "JPY", "GBP"]))
        fields.update(fixed_per_passenger=fixed, minimum=low, maximum=high)
    if draw(st.booleans()):
        fields["carrier"] = draw(letters) + draw(st.sampled_from("A1Z9"))
        if draw(st.booleans()):
            fields["flight_number"] = str(draw(st.integers(1, 9999)))
    if draw(st.booleans()):
        fields["origin"], fields["destination"] = draw(airports), draw(airports)
    if draw(st.booleans()):
        fields["country"] = draw(letters) + draw(letters)
        fields["country_side"] = draw(st.sampled_from([s.value for s in CountrySide]))
    if draw(st.booleans()):
        fields["cabin"] = draw(st.sampled_from(CABINS))
    if draw(st.booleans()):
        start = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2035, 1, 1)))
        end = draw(st.dates(min_value=start, max_value=date(2036, 1, 1)))
        fields["travel_from"], fields["travel_until"] = start.isoformat(), end.isoformat()
    if draw(st.booleans()):
        start_at, end_at = sorted([draw(moments), draw(moments)])
        if start_at < end_at:
            fields["valid_from"] = start_at.isoformat()
            fields["valid_until"] = end_at.isoformat()
    fields["priority"] = draw(st.integers(-1000, 1000))
    fields["description"] = draw(st.text(max_size=40)).strip()
    return fields


@given(rule_field_sets())
def test_any_valid_rule_round_trips(fields: dict[str, Any]) -> None:
    rule = make(fields)
    written = without_identity(rule_fields(rule))

    assert make(written) == rule
    for name, value in fields.items():
        if name == "percent":
            assert Decimal(written[name]) == Decimal(value)
        else:
            assert written[name] == value, name


# --- every mistake names its field -------------------------------------------------------

LATER = "2030-06-01T00:00:00+00:00"
EARLIER = "2030-05-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"percentage": "5"}, "percentage"),
        ({"id": "x"}, "id"),
        ({"level": "flight"}, "level"),
        ({"zeta": 1, "alpha": 2}, "alpha"),
        ({"percent": 5.0}, "percent"),
        ({"percent": True}, "percent"),
        ({"percent": "five"}, "percent"),
        ({"percent": "NaN"}, "percent"),
        ({"percent": "-1"}, "percent"),
        ({"percent": "1000.01"}, "percent"),
        ({"fixed_per_passenger": 4.5, "currency": "EUR"}, "fixed_per_passenger"),
        ({"minimum": 1.0, "currency": "EUR"}, "minimum"),
        ({"maximum": "Infinity", "currency": "EUR"}, "maximum"),
        ({"fixed_per_passenger": "-0.01", "currency": "EUR"}, "fixed_per_passenger"),
        ({"minimum": "-5", "currency": "EUR"}, "minimum"),
        ({"maximum": "-5", "currency": "EUR"}, "maximum"),
        ({"fixed_per_passenger": "4"}, "currency"),
        ({"minimum": "4", "currency": ""}, "currency"),
        ({"maximum": "4", "currency": "  "}, "currency"),
        ({"maximum": "4", "currency": 978}, "currency"),
        ({"minimum": "4", "currency": "XXX"}, "currency"),
        ({"minimum": "4", "currency": "EURO"}, "currency"),
        ({"minimum": "10", "maximum": "9.99", "currency": "EUR"}, "maximum"),
        ({"carrier": "BAW"}, "carrier"),
        ({"carrier": 12}, "carrier"),
        ({"carrier": "BA", "flight_number": "12345"}, "flight_number"),
        ({"carrier": "BA", "flight_number": "AB1"}, "flight_number"),
        ({"flight_number": "117"}, "carrier"),
        ({"origin": "LHR"}, "destination"),
        ({"destination": "JFK"}, "origin"),
        ({"origin": "LH1", "destination": "JFK"}, "origin"),
        ({"origin": "LHR", "destination": "JFKX"}, "destination"),
        ({"country": "GBR"}, "country"),
        ({"country": "GB", "country_side": "north"}, "country_side"),
        ({"country_side": 3}, "country_side"),
        ({"cabin": "coach"}, "cabin"),
        ({"cabin": "premium"}, "cabin"),
        ({"travel_from": "2030-13-01"}, "travel_from"),
        ({"travel_until": "soon"}, "travel_until"),
        ({"travel_from": "2030-06-02", "travel_until": "2030-06-01"}, "travel_until"),
        ({"valid_from": LATER, "valid_until": EARLIER}, "valid_until"),
        ({"valid_from": LATER, "valid_until": LATER}, "valid_until"),
        ({"valid_from": "2030-06-01T00:00:00"}, "valid_from"),
        ({"valid_until": datetime(2030, 6, 1)}, "valid_until"),
        ({"valid_from": "tomorrow"}, "valid_from"),
        ({"priority": 1001}, "priority"),
        ({"priority": -1001}, "priority"),
        ({"priority": True}, "priority"),
        ({"priority": False}, "priority"),
        ({"priority": "5"}, "priority"),
        ({"priority": 1.0}, "priority"),
        ({"description": "x" * 501}, "description"),
    ],
)
def test_every_mistake_names_its_field(fields: dict[str, Any], field: str) -> None:
    assert refused(fields).field == field


def test_the_limits_themselves_are_accepted() -> None:
    assert make({"priority": 1000}).priority == 1000
    assert make({"priority": -1000}).priority == -1000
    assert make({"percent": "1000"}).percent == Decimal(10)
    assert make({"minimum": "5", "maximum": "5", "currency": "EUR"}).maximum == Money.of(5, EUR)
    assert make({"travel_from": "2030-06-01", "travel_until": "2030-06-01"}).travel_from
    assert len(make({"description": "x" * 500}).description) == 500


# --- changing a rule ---------------------------------------------------------------------


def test_a_change_keeps_identity_and_the_fields_not_named() -> None:
    rule = make(FULL)

    after = change(rule, {"percent": "9", "priority": 3})

    assert (after.id, after.tenant_id, after.created_at) == (rule.id, "acme", NOW)
    assert after.percent == Decimal("0.09")
    assert after.priority == 3
    assert without_identity(rule_fields(after)) == {**FULL, "percent": "9", "priority": 3}


def test_no_change_is_the_same_rule() -> None:
    rule = make(FULL)

    assert change(rule, {}) == rule


@pytest.mark.parametrize(
    ("name", "cleared"),
    [
        ("percent", Decimal(0)),
        ("priority", 0),
        ("description", ""),
        ("country_side", CountrySide.EITHER),
        ("cabin", None),
        ("country", None),
        ("travel_from", None),
        ("travel_until", None),
        ("valid_from", None),
        ("valid_until", None),
        ("maximum", None),
        ("minimum", None),
        ("fixed_per_passenger", None),
    ],
)
def test_none_clears_a_field(name: str, cleared: object) -> None:
    after = change(make(FULL), {name: None})

    assert getattr(after, name) == cleared


def test_clearing_the_flight_number_makes_an_airline_rule() -> None:
    after = change(make(FULL), {"flight_number": None})

    assert after.flight_number is None
    assert after.level is RuleLevel.AIRLINE


def test_clearing_every_amount_drops_the_currency() -> None:
    after = change(make(FULL), {"fixed_per_passenger": None, "minimum": None, "maximum": None})

    assert after.amounts_currency is None
    assert rule_fields(after)["currency"] is None


def test_changing_the_currency_re_denominates_the_amounts() -> None:
    after = change(make(FULL), {"currency": "eur"})

    assert after.fixed_per_passenger == Money.of("4.00", EUR)
    assert after.maximum == Money.of("250.50", EUR)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"carrier": None}, "carrier"),  # the flight number stays and needs its carrier
        ({"origin": None}, "origin"),
        ({"destination": None}, "destination"),
        ({"currency": None}, "currency"),
        ({"minimum": "300"}, "maximum"),
        ({"valid_until": "2029-12-31T00:00:00+00:00"}, "valid_until"),
        ({"travel_from": "2030-09-01"}, "travel_until"),
        ({"id": "other"}, "id"),
        ({"created_at": NOW.isoformat()}, "created_at"),
        ({"priority": 5000}, "priority"),
    ],
)
def test_a_change_is_validated_as_a_whole(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        change(make(FULL), changes)

    assert caught.value.field == field


@pytest.mark.parametrize("amount", ["1e30", "1000000000000", "0.0000000000001", "-1000000000000"])
def test_amounts_beyond_twelve_digits_either_side_are_refused(amount: str) -> None:
    with pytest.raises(InvalidInput, match="12 digits"):
        make({"carrier": "BA", "fixed_per_passenger": amount, "currency": "EUR"})


def test_the_largest_amount_is_accepted() -> None:
    largest = "999999999999.999999999999"
    rule = make({"carrier": "BA", "fixed_per_passenger": largest, "currency": "EUR"})

    assert rule.fixed_per_passenger is not None
    assert rule.fixed_per_passenger.rounded().amount == Decimal("1000000000000.00")
