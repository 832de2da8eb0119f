"""Travellers: names, documents, and the party an offer was priced for."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funflights_core.errors import InvalidInput
from funflights_core.passengers import Passengers
from funflights_core.traveller import (
    AgeGroup,
    DocumentKind,
    TravelDocument,
    Traveller,
    age_group,
    age_on,
    check_party,
)

TRAVEL = date(2026, 12, 24)
TODAY = date(2026, 11, 30)


def person(born: date, name: str = "Ada") -> Traveller:
    return Traveller(name, "Lovelace", born)


@given(st.dates(min_value=date(1900, 1, 1), max_value=TRAVEL))
def test_groups_follow_age_on_the_day_of_travel(born: date) -> None:
    age = age_on(born, TRAVEL)

    assert age >= 0
    expected = AgeGroup.INFANT if age < 2 else AgeGroup.CHILD if age < 12 else AgeGroup.ADULT
    assert age_group(born, TRAVEL) is expected


def test_a_birthday_on_the_day_of_travel_counts() -> None:
    assert age_group(date(2014, 12, 24), TRAVEL) is AgeGroup.ADULT  # 12 that day
    assert age_group(date(2014, 12, 25), TRAVEL) is AgeGroup.CHILD  # 12 the day after
    assert age_group(date(2024, 2, 29), date(2026, 2, 28)) is AgeGroup.INFANT


def test_the_travellers_must_be_the_priced_party() -> None:
    family = [person(date(1990, 5, 1)), person(date(2018, 3, 3), "Byron"), person(date(2026, 1, 9))]

    groups = check_party(family, Passengers(1, 1, 1), travel_day=TRAVEL, today=TODAY)

    assert groups == (AgeGroup.ADULT, AgeGroup.CHILD, AgeGroup.INFANT)
    with pytest.raises(InvalidInput, match=r"1 adult.*these travellers are 1, 1 and 1") as caught:
        check_party(family, Passengers(1, 0, 0), travel_day=TRAVEL, today=TODAY)
    assert caught.value.field == "travellers"


@pytest.mark.parametrize(
    ("traveller", "field"),
    [
        (person(date(2027, 1, 1)), "travellers[1].born"),
        (
            Traveller(
                "Ada",
                "Lovelace",
                date(1990, 5, 1),
                TravelDocument(DocumentKind.PASSPORT, "123456789", "gb", date(2026, 12, 1)),
            ),
            "travellers[1].document.expires",
        ),
    ],
)
def test_what_cannot_travel_is_named(traveller: Traveller, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_party([traveller], Passengers(), travel_day=TRAVEL, today=TODAY)

    assert caught.value.field == field


@pytest.mark.parametrize(
    ("given", "family"), [("", "Lovelace"), ("Ada", "L0velace"), ("Ada", "<script>"), ("-", "X")]
)
def test_names_are_letters(given: str, family: str) -> None:
    with pytest.raises(InvalidInput):
        Traveller(given, family, date(1990, 1, 1))


def test_names_keep_any_script_and_lose_stray_spaces() -> None:
    traveller = Traveller("  Zoë  Marie ", "O'Brien-Łukasiewicz", date(1990, 1, 1))

    assert (traveller.given_names, traveller.family_name) == ("Zoë Marie", "O'Brien-Łukasiewicz")
    assert Traveller("明", "李", date(1990, 1, 1)).family_name == "李"


def test_documents_are_checked_and_normalised() -> None:
    passport = TravelDocument(DocumentKind.PASSPORT, " ab123456 ", "fr", date(2030, 1, 1))

    assert (passport.number, passport.country) == ("AB123456", "FR")
    with pytest.raises(InvalidInput, match="two-letter"):
        TravelDocument(DocumentKind.PASSPORT, "AB123456", "FRA", date(2030, 1, 1))
    with pytest.raises(InvalidInput, match="5 to 20"):
        TravelDocument(DocumentKind.IDENTITY_CARD, "A-1", "FR", date(2030, 1, 1))
