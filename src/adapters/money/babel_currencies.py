"""CurrencyCatalogue from CLDR (through babel): ISO 4217 codes, minor units, cash rounding."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache

from babel.core import get_global
from babel.numbers import list_currencies

from funflights_core.errors import InvalidInput
from funflights_core.money import Currency


class BabelCurrencies:
    """Every currency CLDR knows, with its digits and cash rounding (maintained upstream)."""

    def __init__(self) -> None:
        self._codes = frozenset(list_currencies())
        self._fractions: Mapping[str, tuple[int, int, int, int]] = get_global("currency_fractions")

    @cache  # noqa: B019 - one catalogue per process; a few hundred entries at most
    def currency(self, code: str) -> Currency:
        """The currency with this ISO 4217 code; ``InvalidInput`` if CLDR has none."""
        normal = code.strip().upper()
        if normal not in self._codes:
            raise InvalidInput("currency", f"{code!r} is not an ISO 4217 currency code")
        digits, _, cash_digits, cash_rounding = self._fractions.get(
            normal, self._fractions["DEFAULT"]
        )
        return Currency(normal, digits, _cash_increment(digits, cash_digits, cash_rounding))


def _cash_increment(digits: int, cash_digits: int, cash_rounding: int) -> Decimal | None:
    # CLDR: cash amounts have cash_digits decimals, in steps of cash_rounding (0 means 1).
    step = Decimal(cash_rounding or 1).scaleb(-cash_digits)
    return None if step == Decimal(1).scaleb(-digits) else step
