"""Coupons as flat fields: codes normalised, validation names the bad field, round trips."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.money.fixed_currencies import FixedCurrencies
from funflights_core.coupon import Coupon
from funflights_core.coupon_fields import (
    COUPON_FIELDS,
    changed_coupon,
    coupon_code,
    coupon_fields,
    coupon_from_fields,
)
from funflights_core.errors import InvalidInput
from funflights_core.margin_rule_fields import CABINS
from funflights_core.money import Money

CURRENCIES = FixedCurrencies()
EUR, USD = CURRENCIES.currency("EUR"), CURRENCIES.currency("USD")


def make(fields: dict[str, Any], code: str = "SPRING10") -> Coupon:
    return coupon_from_fields(code, fields, tenant_id="acme", currencies=CURRENCIES)


def change(coupon: Coupon, changes: dict[str, Any]) -> Coupon:
    return changed_coupon(coupon, changes, currencies=CURRENCIES)


def refused(fields: dict[str, Any], code: str = "SPRING10") -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        make(fields, code)
    return caught.value


FULL = {
    "percent_off": None,
    "amount_off": "25.00",
    "currency": "USD",
    "minimum_spend": "200",
    "valid_from": "2030-01-01T00:00:00+00:00",
    "valid_until": "2030-07-01T00:00:00+00:00",
    "airlines": ["AA", "BA"],
    "routes": ["JFK-LHR", "LHR-JFK"],
    "cabins": ["business", "first"],
    "total_uses": 100,
    "uses_per_customer": 2,
    "combinable": True,
    "below_cost_allowed": True,
    "description": "Spring sale",
}
PERCENT = {"percent_off": "10"}


def without_code(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k != "code"}


# --- codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("spring10", "SPRING10"),
        ("  Spring10 ", "SPRING10"),
        ("abc", "ABC"),
        ("summer_sale-2030", "SUMMER_SALE-2030"),
        ("9LIVES", "9LIVES"),
        ("A" * 40, "A" * 40),
    ],
)
def test_codes_are_upper_case(written: str, code: str) -> None:
    assert coupon_code(written) == code
    assert make(PERCENT, written).code == code


@pytest.mark.parametrize(
    "written",
    ["", "ab", "  ab  ", "A" * 41, "-ABC", "_ABC", "SPRING 10", "SPRÎNG", "A.B.C", "10%OFF"],
)
def test_bad_codes_are_refused(written: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        coupon_code(written)

    assert caught.value.field == "code"
    assert refused(PERCENT, written).field == "code"


# --- building a coupon -------------------------------------------------------------------


def test_fields_become_a_typed_coupon() -> None:
    coupon = make(FULL)

    assert coupon.code == "SPRING10"
    assert coupon.tenant_id == "acme"
    assert coupon.percent_off is None
    assert coupon.amount_off == Money.of("25.00", USD)
    assert coupon.minimum_spend == Money.of("200", USD)
    assert coupon.amounts_currency == "USD"
    assert coupon.valid_from == datetime(2030, 1, 1, tzinfo=UTC)
    assert coupon.valid_until == datetime(2030, 7, 1, tzinfo=UTC)
    assert coupon.airlines == frozenset({"AA", "BA"})
    assert coupon.routes == frozenset({("LHR", "JFK"), ("JFK", "LHR")})
    assert coupon.cabins == frozenset({"business", "first"})
    assert (coupon.total_uses, coupon.uses_per_customer) == (100, 2)
    assert coupon.combinable is True


@pytest.mark.parametrize(
    ("written", "share"),
    [("10", Decimal("0.1")), (15, Decimal("0.15")), ("0.5", Decimal("0.005")), ("100", 1)],
)
def test_percent_off_is_written_in_percent(written: object, share: Decimal) -> None:
    coupon = make({"percent_off": written})

    assert coupon.percent_off == share
    assert coupon.amount_off is None
    assert coupon.amounts_currency is None


def test_a_plain_percentage_coupon_has_open_defaults() -> None:
    coupon = make(PERCENT)

    assert coupon.minimum_spend is None
    assert (coupon.valid_from, coupon.valid_until) == (None, None)
    assert (coupon.airlines, coupon.routes, coupon.cabins) == (frozenset(),) * 3
    assert (coupon.total_uses, coupon.uses_per_customer) == (None, None)
    assert coupon.combinable is False
    assert coupon.description == ""


def test_routes_airlines_and_cabins_are_parsed_case_insensitively() -> None:
    coupon = make(
        {
            **PERCENT,
            "routes": [" lhr-jfk", "CDG-lhr ", "LHR-JFK"],
            "airlines": ["ba", " u2 "],
            "cabins": ["Premium_Economy", "ECONOMY"],
        }
    )

    assert coupon.routes == frozenset({("LHR", "JFK"), ("CDG", "LHR")})
    assert coupon.airlines == frozenset({"BA", "U2"})
    assert coupon.cabins == frozenset({"premium_economy", "economy"})


def test_every_cabin_is_accepted() -> None:
    assert make({**PERCENT, "cabins": list(CABINS)}).cabins == frozenset(CABINS)


def test_a_minimum_spend_with_a_percentage_needs_its_currency() -> None:
    coupon = make({**PERCENT, "minimum_spend": "50", "currency": "eur"})

    assert coupon.minimum_spend == Money.of(50, EUR)
    assert coupon.amounts_currency == "EUR"
    assert make({**PERCENT, "currency": "EUR"}).amounts_currency is None


def test_empty_lists_mean_every_airline_route_and_cabin() -> None:
    coupon = make({**PERCENT, "airlines": [], "routes": (), "cabins": None})

    assert (coupon.airlines, coupon.routes, coupon.cabins) == (frozenset(),) * 3


# --- round trips -------------------------------------------------------------------------


def test_fields_to_coupon_to_fields_is_the_identity() -> None:
    written = coupon_fields(make(FULL))

    assert written["code"] == "SPRING10"
    assert without_code(written) == FULL
    assert set(without_code(written)) == set(COUPON_FIELDS)


def test_coupon_to_fields_to_coupon_is_the_identity() -> None:
    for fields in (FULL, PERCENT, {**PERCENT, "minimum_spend": "1", "currency": "JPY"}):
        coupon = make(fields)

        assert make(without_code(coupon_fields(coupon)), coupon.code) == coupon


def test_a_percentage_coupon_writes_plain_defaults() -> None:
    assert coupon_fields(make({"percent_off": "15"}, "abc")) == {
        "code": "ABC",
        "percent_off": "15",
        "amount_off": None,
        "currency": None,
        "minimum_spend": None,
        "valid_from": None,
        "valid_until": None,
        "airlines": [],
        "routes": [],
        "cabins": [],
        "total_uses": None,
        "uses_per_customer": None,
        "combinable": False,
        "description": "",
        "below_cost_allowed": False,
    }


def test_round_percentages_are_written_plainly() -> None:
    # JSON-ready text for staff and the audit log: "100", not scientific notation.
    assert coupon_fields(make({"percent_off": "10"}))["percent_off"] == "10"
    assert coupon_fields(make({"percent_off": "100"}))["percent_off"] == "100"


airports = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
airlines = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=2, max_size=2)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2).map(str)


@st.composite
def coupon_field_sets(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if draw(st.booleans()):
        percent = draw(st.decimals(min_value=Decimal("0.1"), max_value=Decimal(99), places=1))
        fields["percent_off"] = str(percent.normalize())
    else:
        fields["amount_off"] = draw(amounts)
    if draw(st.booleans()):
        fields["minimum_spend"] = draw(amounts)
    if "amount_off" in fields or "minimum_spend" in fields:
        fields["currency"] = draw(st.sampled_from(["EUR", "USD", "JPY", "KWD"]))
    routes = draw(st.lists(st.tuples(airports, airports), max_size=3))
    fields["routes"] = sorted({f"{o}-{d}" for o, d in routes})
    fields["airlines"] = sorted(set(draw(st.lists(airlines, max_size=3))))
    fields["cabins"] = sorted(set(draw(st.lists(st.sampled_from(CABINS), max_size=4))))
    fields["total_uses"] = draw(st.none() | st.integers(1, 10**6))
    fields["uses_per_customer"] = draw(st.none() | st.integers(1, 99))
    fields["combinable"] = draw(st.booleans())
    fields["description"] = draw(st.text(max_size=40)).strip()
    return fields


@given(coupon_field_sets())
def test_any_valid_coupon_round_trips(fields: dict[str, Any]) -> None:
    coupon = make(fields)
    written = without_code(coupon_fields(coupon))

    assert make(written) == coupon
    for name, value in fields.items():
        if name == "percent_off":
            assert Decimal(written[name]) == Decimal(value)
        else:
            assert written[name] == value, name


# --- every mistake names its field -------------------------------------------------------

LATER = "2030-06-01T00:00:00+00:00"
EARLIER = "2030-05-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({**PERCENT, "code": "OTHER"}, "code"),
        ({**PERCENT, "discount": "5"}, "discount"),
        ({**PERCENT, "zeta": 1, "alpha": 2}, "alpha"),
        ({}, "percent_off"),
        ({"percent_off": "10", "amount_off": "5", "currency": "EUR"}, "percent_off"),
        ({"percent_off": None, "amount_off": None}, "percent_off"),
        ({"percent_off": "0"}, "percent_off"),
        ({"percent_off": "-5"}, "percent_off"),
        ({"percent_off": "100.01"}, "percent_off"),
        ({"percent_off": 10.0}, "percent_off"),
        ({"percent_off": "ten"}, "percent_off"),
        ({"amount_off": "0", "currency": "EUR"}, "amount_off"),
        ({"amount_off": "-1", "currency": "EUR"}, "amount_off"),
        ({"amount_off": 5.5, "currency": "EUR"}, "amount_off"),
        ({**PERCENT, "minimum_spend": "0", "currency": "EUR"}, "minimum_spend"),
        ({**PERCENT, "minimum_spend": "-10", "currency": "EUR"}, "minimum_spend"),
        ({"amount_off": "5"}, "currency"),
        ({"amount_off": "5", "currency": " "}, "currency"),
        ({**PERCENT, "minimum_spend": "50"}, "currency"),
        ({"amount_off": "5", "currency": "XXX"}, "currency"),
        ({**PERCENT, "valid_from": LATER, "valid_until": EARLIER}, "valid_until"),
        ({**PERCENT, "valid_from": LATER, "valid_until": LATER}, "valid_until"),
        ({**PERCENT, "valid_from": "2030-06-01T00:00:00"}, "valid_from"),
        ({**PERCENT, "valid_until": "next week"}, "valid_until"),
        ({**PERCENT, "cabins": "business"}, "cabins"),
        ({**PERCENT, "cabins": ["coach"]}, "cabins"),
        ({**PERCENT, "cabins": ["business", 1]}, "cabins"),
        ({**PERCENT, "routes": "LHR-JFK"}, "routes"),
        ({**PERCENT, "routes": ["LHRJFK"]}, "routes"),
        ({**PERCENT, "routes": ["LHR-JFK-CDG"]}, "routes"),
        ({**PERCENT, "routes": ["LH-JFK"]}, "routes"),
        ({**PERCENT, "routes": ["LHR JFK"]}, "routes"),
        ({**PERCENT, "routes": ["123-456"]}, "routes"),
        ({**PERCENT, "airlines": "BA"}, "airlines"),
        ({**PERCENT, "airlines": ["BAW"]}, "airlines"),
        ({**PERCENT, "airlines": [None]}, "airlines"),
        ({**PERCENT, "total_uses": 0}, "total_uses"),
        ({**PERCENT, "total_uses": -1}, "total_uses"),
        ({**PERCENT, "total_uses": True}, "total_uses"),
        ({**PERCENT, "total_uses": "5"}, "total_uses"),
        ({**PERCENT, "total_uses": 5.0}, "total_uses"),
        ({**PERCENT, "uses_per_customer": 0}, "uses_per_customer"),
        ({**PERCENT, "uses_per_customer": False}, "uses_per_customer"),
        ({**PERCENT, "combinable": "yes"}, "combinable"),
        ({**PERCENT, "combinable": 1}, "combinable"),
        ({**PERCENT, "description": "x" * 501}, "description"),
    ],
)
def test_every_mistake_names_its_field(fields: dict[str, Any], field: str) -> None:
    assert refused(fields).field == field


@pytest.mark.parametrize("name", ["airlines", "routes", "cabins"])
def test_a_list_field_that_is_not_a_list_is_refused_by_name(name: str) -> None:
    # JSON bodies can carry any type: a number where a list belongs must not be a crash.
    assert refused({**PERCENT, name: 5}).field == name


# --- changing a coupon -------------------------------------------------------------------


def test_a_change_keeps_the_code_and_the_fields_not_named() -> None:
    coupon = make(FULL)

    after = change(coupon, {"amount_off": "30", "routes": ["LHR-CDG"]})

    assert after.code == "SPRING10"
    assert after.amount_off == Money.of(30, USD)
    assert after.routes == frozenset({("LHR", "CDG")})
    assert without_code(coupon_fields(after)) == {
        **FULL,
        "amount_off": "30",
        "routes": ["LHR-CDG"],
    }
    assert change(coupon, {}) == coupon


@pytest.mark.parametrize(
    ("name", "cleared"),
    [
        ("minimum_spend", None),
        ("valid_from", None),
        ("valid_until", None),
        ("airlines", frozenset()),
        ("routes", frozenset()),
        ("cabins", frozenset()),
        ("total_uses", None),
        ("uses_per_customer", None),
        ("description", ""),
    ],
)
def test_none_clears_a_field(name: str, cleared: object) -> None:
    assert getattr(change(make(FULL), {name: None}), name) == cleared


def test_none_clears_combinable_back_to_its_default() -> None:
    assert change(make(FULL), {"combinable": None}).combinable is False


def test_a_coupon_switches_from_an_amount_to_a_percentage_and_back() -> None:
    coupon = make({"amount_off": "20", "currency": "EUR"})

    percent = change(coupon, {"amount_off": None, "percent_off": "15"})
    amount = change(percent, {"percent_off": None, "amount_off": "5", "currency": "EUR"})

    assert (percent.percent_off, percent.amount_off) == (Decimal("0.15"), None)
    assert percent.amounts_currency is None
    assert (amount.percent_off, amount.amount_off) == (None, Money.of(5, EUR))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"percent_off": "10"}, "percent_off"),  # an amount is set already: not both
        ({"amount_off": None}, "percent_off"),  # and not neither
        ({"currency": None}, "currency"),
        ({"valid_from": "2030-08-01T00:00:00+00:00"}, "valid_until"),
        ({"code": "OTHER"}, "code"),
        ({"total_uses": 0}, "total_uses"),
    ],
)
def test_a_change_is_validated_as_a_whole(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        change(make(FULL), changes)

    assert caught.value.field == field
