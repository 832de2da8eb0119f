"""CurrencyCatalogue from a fixed table: the fake, and a way to add currencies by hand."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from funflights_core.errors import InvalidInput
from funflights_core.money import Currency

COMMON = (
    Currency("EUR", 2),
    Currency("USD", 2),
    Currency("GBP", 2),
    Currency("JPY", 0),
    Currency("KWD", 3),
    Currency("CHF", 2, Decimal("0.05")),
    Currency("SEK", 2, Decimal("1")),
)


class FixedCurrencies:
    """The currencies it is given (by default a few common ones, as CLDR defines them)."""

    def __init__(self, currencies: Iterable[Currency] = COMMON) -> None:
        self._by_code = {currency.code: currency for currency in currencies}

    def currency(self, code: str) -> Currency:
        """The currency with this ISO 4217 code; ``InvalidInput`` if the table lacks it."""
        found = self._by_code.get(code.strip().upper())
        if found is None:
            raise InvalidInput("currency", f"{code!r} is not an ISO 4217 currency code")
        return found
