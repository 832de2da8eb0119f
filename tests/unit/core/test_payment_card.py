"""Payment cards: Luhn, brands, expiry, CVC and masking, each refusal naming its field."""

from __future__ import annotations

from datetime import date

import pytest

from funflights_core.errors import InvalidInput
from funflights_core.payment_card import (
    Card,
    CardBrand,
    card_brand,
    card_expired,
    card_label,
    card_number,
    check_cvc,
    check_expiry,
    luhn_check_digit,
    luhn_valid,
    mask,
    parse_expiry,
    read_card,
)

TODAY = date(2026, 3, 15)


def refusal(field: str, match: str | None = None) -> pytest.RaisesExc[InvalidInput]:
    return pytest.raises(InvalidInput, match=match, check=lambda error: error.field == field)


# --- Luhn ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["4242424242424242", "5555555555554444", "378282246310005", "79927398713", "00"],
)
def test_known_numbers_pass_the_luhn_check(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize(
    "number",
    ["4242424242424241", "79927398710", "", "7", "4242-4242", "\uff14\uff12\uff14\uff12", "12a4"],
)
def test_wrong_or_non_digit_numbers_fail_the_luhn_check(number: str) -> None:
    assert not luhn_valid(number)


def test_the_check_digit_completes_a_payload() -> None:
    assert luhn_check_digit("7992739871") == "3"
    assert luhn_check_digit("424242424242424") == "2"


def test_a_check_digit_needs_digits() -> None:
    with pytest.raises(ValueError, match="digits"):
        luhn_check_digit("12x")


# --- brands --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", CardBrand.VISA),
        ("4222222222222", CardBrand.VISA),
        ("4000000000000000000", CardBrand.VISA),
        ("5105105105105100", CardBrand.MASTERCARD),
        ("5555555555554444", CardBrand.MASTERCARD),
        ("2221000000000009", CardBrand.MASTERCARD),
        ("2720990000000000", CardBrand.MASTERCARD),
        ("378282246310005", CardBrand.AMEX),
        ("341111111111111", CardBrand.AMEX),
    ],
)
def test_brands_are_told_by_prefix(number: str, brand: CardBrand) -> None:
    assert card_brand(number) is brand


@pytest.mark.parametrize(
    "number",
    [
        "6011111111111117",  # Discover
        "3530111333300000",  # JCB
        "2220990000000000",  # just below the Mastercard 2-series
        "2721000000000000",  # just above it
        "5000000000000000",
        "5600000000000000",
    ],
)
def test_other_schemes_are_refused(number: str) -> None:
    with refusal("card.number", "only VISA"):
        card_brand(number)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("3782822463100050", "AMEX card number has 15 digits"),
        ("555555555555444", "MASTERCARD card number has 16 digits"),
        ("42424242424242", "VISA card number has 13 or 16 or 19 digits"),
    ],
)
def test_each_brand_has_its_lengths(number: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        card_brand(number)


def test_typed_numbers_lose_their_spaces_and_dashes() -> None:
    assert card_number("4242 4242-4242 4242") == ("4242424242424242", CardBrand.VISA)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "required"),
        ("   ", "required"),
        ("4242 4242 4242 424O", "only digits"),
        ("4242.4242.4242.4242", "only digits"),
        ("42424242424", "12 to 19 digits"),
        ("42424242424242424242", "12 to 19 digits"),
        ("4242424242424241", "not a valid card number"),
    ],
)
def test_malformed_numbers_are_refused(typed: str, message: str) -> None:
    with refusal("card.number", message):
        card_number(typed)


# --- expiry --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("03/26", (3, 2026)), ("3/26", (3, 2026)), (" 12 / 30 ", (12, 2030)), ("01/00", (1, 2000))],
)
def test_expiries_are_read_as_month_and_year(typed: str, expected: tuple[int, int]) -> None:
    assert parse_expiry(typed) == expected


@pytest.mark.parametrize("typed", ["", "1226", "12/2026", "12-26", "ab/cd", "00/27", "13/27"])
def test_malformed_expiries_are_refused(typed: str) -> None:
    with refusal("card.expiry"):
        parse_expiry(typed)


def test_a_card_is_good_through_the_end_of_its_month() -> None:
    assert not card_expired(3, 2026, date(2026, 3, 31))
    assert card_expired(3, 2026, date(2026, 4, 1))
    assert card_expired(12, 2025, date(2026, 1, 1))


def test_an_expired_card_is_refused() -> None:
    check_expiry(3, 2026, TODAY)

    with refusal("card.expiry", "expired at the end of 02/2026"):
        check_expiry(2, 2026, TODAY)


def test_an_expiry_decades_away_is_refused() -> None:
    check_expiry(12, 2046, TODAY)

    with refusal("card.expiry", "too far ahead"):
        check_expiry(1, 2047, TODAY)


# --- CVC -----------------------------------------------------------------------------------


def test_amex_has_a_four_digit_code_and_others_three() -> None:
    assert check_cvc("1234", CardBrand.AMEX) == "1234"
    assert check_cvc(" 123 ", CardBrand.VISA) == "123"
    assert check_cvc("000", CardBrand.MASTERCARD) == "000"


@pytest.mark.parametrize(
    ("cvc", "brand"),
    [
        ("123", CardBrand.AMEX),
        ("1234", CardBrand.VISA),
        ("12", CardBrand.MASTERCARD),
        ("12a", CardBrand.VISA),
        ("", CardBrand.VISA),
    ],
)
def test_wrong_codes_are_refused(cvc: str, brand: CardBrand) -> None:
    with refusal("card.cvc"):
        check_cvc(cvc, brand)


# --- masking and the whole card ------------------------------------------------------------


def test_masking_shows_the_brand_and_the_last_four() -> None:
    assert mask("4242424242424242") == "VISA •••• 4242"
    assert mask("5555 5555 5555 4444") == "MASTERCARD •••• 4444"
    assert mask("378282246310005") == "AMEX •••• 0005"
    assert card_label(CardBrand.VISA, "0224") == "VISA •••• 0224"


def test_a_label_shows_exactly_four_digits() -> None:
    with pytest.raises(ValueError, match="four"):
        card_label(CardBrand.VISA, "24242")


def test_a_card_is_read_field_by_field() -> None:
    card = read_card("3782 822463 10005", "09/27", "1234", TODAY)

    assert card == Card(CardBrand.AMEX, "378282246310005", 9, 2027)
    assert card.last4 == "0005"
    assert card.masked == "AMEX •••• 0005"
    assert "378282246310005" not in repr(card)


def test_the_first_bad_field_is_named() -> None:
    with refusal("card.number"):
        read_card("4242424242424241", "bad", "x", TODAY)
    with refusal("card.expiry"):
        read_card("4242424242424242", "01/26", "x", TODAY)
    with refusal("card.cvc"):
        read_card("4242424242424242", "01/27", "1234", TODAY)
