"""Luhn and masking: a correct check digit always passes, any one typo fails, masks hide all
but the last four digits."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from funflights_core.payment_card import CardBrand, card_number, luhn_check_digit, luhn_valid, mask

payloads = st.text(alphabet="0123456789", min_size=1, max_size=30)

# A supported brand's prefix and the length of its whole number.
brand_shapes = st.sampled_from(
    [("4", 13), ("4", 16), ("4", 19), ("34", 15), ("37", 15)]
    + [(str(prefix), 16) for prefix in range(51, 56)]
    + [(str(prefix), 16) for prefix in (2221, 2500, 2720)]
)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    prefix, length = draw(brand_shapes)
    middle = draw(
        st.text(
            alphabet="0123456789",
            min_size=length - len(prefix) - 1,
            max_size=length - len(prefix) - 1,
        )
    )
    payload = prefix + middle
    return payload + luhn_check_digit(payload)


@given(payloads)
def test_a_payload_with_its_check_digit_appended_passes(payload: str) -> None:
    assert luhn_valid(payload + luhn_check_digit(payload))


@given(payloads, st.data())
def test_changing_any_one_digit_fails(payload: str, data: st.DataObject) -> None:
    number = payload + luhn_check_digit(payload)
    position = data.draw(st.integers(min_value=0, max_value=len(number) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))

    typo = number[:position] + digit + number[position + 1 :]

    assert not luhn_valid(typo)


@given(card_numbers())
def test_every_supported_number_is_read_with_its_brand(number: str) -> None:
    digits, brand = card_number(number)

    assert digits == number
    assert brand in CardBrand


@given(card_numbers(), st.sampled_from(["", " ", "-"]))
def test_a_mask_never_shows_more_than_the_last_four_digits(number: str, separator: str) -> None:
    typed = separator.join(number[i : i + 4] for i in range(0, len(number), 4))

    masked = mask(typed)

    assert re.sub(r"\D", "", masked) == number[-4:]
    assert masked.endswith(" •••• " + number[-4:])
