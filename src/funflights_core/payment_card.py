"""Payment cards as typed by a payer: number (Luhn, brand), expiry, CVC, and the masked label.

Only what can be checked without asking the issuer lives here; whether the money is there is
the payment method's business. Every refusal is an ``InvalidInput`` naming the field
(``card.number``, ``card.expiry``, ``card.cvc``) so the form can point at it.
"""

from __future__ import annotations

import enum
import re
from datetime import date

import attrs

from funflights_core.errors import InvalidInput

MASK = "••••"
MIN_DIGITS = 12
MAX_DIGITS = 19
MAX_YEARS_AHEAD = 20
"""Issuers print expiries a few years ahead; a date decades away is a typing mistake."""

_SEPARATORS = re.compile(r"[ -]")
_EXPIRY = re.compile(r"(\d{1,2})\s*/\s*(\d{2})")


class CardBrand(enum.StrEnum):
    """The card schemes accepted; the value is how the brand is shown to the payer."""

    VISA = "VISA"
    MASTERCARD = "MASTERCARD"
    AMEX = "AMEX"


_LENGTHS = {
    CardBrand.VISA: frozenset({13, 16, 19}),
    CardBrand.MASTERCARD: frozenset({16}),
    CardBrand.AMEX: frozenset({15}),
}


@attrs.frozen
class Card:
    """A card whose number, expiry and CVC passed every check that needs no issuer."""

    brand: CardBrand
    # Kept out of repr so a logged Card never leaks the primary account number.
    number: str = attrs.field(repr=False)
    expiry_month: int
    expiry_year: int

    @property
    def last4(self) -> str:
        """The last four digits, the only ones ever shown."""
        return self.number[-4:]

    @property
    def masked(self) -> str:
        """The label the payer recognises: ``VISA •••• 4242``."""
        return card_label(self.brand, self.last4)


def luhn_check_digit(payload: str) -> str:
    """The digit that, appended to ``payload`` (digits only), makes it pass the Luhn check."""
    if not payload.isdigit() or not payload.isascii():
        raise ValueError("a Luhn payload is digits only")
    total = 0
    # Counting from the right of the finished number, the check digit is position 1, so the
    # payload's last digit is position 2: the ones that get doubled.
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """Whether a digit string passes the Luhn (mod 10) check."""
    if len(number) < 2 or not number.isdigit() or not number.isascii():
        return False
    return luhn_check_digit(number[:-1]) == number[-1]


def card_brand(number: str) -> CardBrand:
    """The brand of a digits-only number; ``InvalidInput`` for a scheme or length not accepted."""
    brand: CardBrand | None = None
    if number[:2] in ("34", "37"):
        brand = CardBrand.AMEX
    elif number[:1] == "4":
        brand = CardBrand.VISA
    elif "51" <= number[:2] <= "55" or (len(number) >= 4 and "2221" <= number[:4] <= "2720"):
        brand = CardBrand.MASTERCARD
    if brand is None:
        raise InvalidInput("card.number", "only VISA, Mastercard and AMEX cards are accepted")
    if len(number) not in _LENGTHS[brand]:
        lengths = " or ".join(str(n) for n in sorted(_LENGTHS[brand]))
        raise InvalidInput("card.number", f"a {brand} card number has {lengths} digits")
    return brand


def card_number(text: str) -> tuple[str, CardBrand]:
    """A typed number as digits (spaces and dashes dropped) and its brand, or ``InvalidInput``."""
    digits = _SEPARATORS.sub("", text)
    if not digits:
        raise InvalidInput("card.number", "the card number is required")
    if not digits.isdigit() or not digits.isascii():
        raise InvalidInput("card.number", "a card number has only digits, spaces and dashes")
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise InvalidInput("card.number", f"a card number has {MIN_DIGITS} to {MAX_DIGITS} digits")
    if not luhn_valid(digits):
        raise InvalidInput("card.number", "not a valid card number (check for a typo)")
    return digits, card_brand(digits)


def parse_expiry(text: str) -> tuple[int, int]:
    """``MM/YY`` as (month, four-digit year), or ``InvalidInput`` on ``card.expiry``."""
    match = _EXPIRY.fullmatch(text.strip())
    if match is None:
        raise InvalidInput("card.expiry", "write the expiry as MM/YY, as printed on the card")
    month, year = int(match[1]), 2000 + int(match[2])
    if not 1 <= month <= 12:
        raise InvalidInput("card.expiry", f"{match[1]} is not a month (01 to 12)")
    return month, year


def card_expired(month: int, year: int, today: date) -> bool:
    """Whether a card expiring in ``month``/``year`` has expired by ``today``."""
    # A card is good through the last day of the month printed on it.
    return (year, month) < (today.year, today.month)


def check_expiry(month: int, year: int, today: date) -> None:
    """``InvalidInput`` unless the card is valid on ``today`` and its year is plausible."""
    if card_expired(month, year, today):
        raise InvalidInput("card.expiry", f"the card expired at the end of {month:02d}/{year}")
    if year > today.year + MAX_YEARS_AHEAD:
        raise InvalidInput("card.expiry", f"{month:02d}/{year} is too far ahead; check the year")


def check_cvc(cvc: str, brand: CardBrand) -> str:
    """The CVC if it has the brand's length (4 digits for AMEX, 3 otherwise)."""
    length = 4 if brand is CardBrand.AMEX else 3
    code = cvc.strip()
    if len(code) != length or not code.isdigit() or not code.isascii():
        raise InvalidInput("card.cvc", f"a {brand} security code has {length} digits")
    return code


def card_label(brand: CardBrand, last4: str) -> str:
    """The masked label from a brand and last four digits: ``VISA •••• 4242``."""
    if len(last4) != 4 or not last4.isdigit() or not last4.isascii():
        raise ValueError("a card label shows exactly the last four digits")
    return f"{brand} {MASK} {last4}"


def mask(number: str) -> str:
    """A typed card number as its masked label; ``InvalidInput`` if it is not a card number."""
    digits, brand = card_number(number)
    return card_label(brand, digits[-4:])


def read_card(number: str, expiry: str, cvc: str, today: date) -> Card:
    """Check a typed card field by field, in form order; the first bad field raises."""
    digits, brand = card_number(number)
    month, year = parse_expiry(expiry)
    check_expiry(month, year, today)
    check_cvc(cvc, brand)
    return Card(brand, digits, month, year)
