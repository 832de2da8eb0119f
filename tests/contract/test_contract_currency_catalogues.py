"""The CurrencyCatalogue contract: the fixed table agrees with CLDR where both know a code."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.money.babel_currencies import BabelCurrencies
from adapters.money.fixed_currencies import FixedCurrencies
from funflights_core.errors import InvalidInput
from funflights_core.money import CurrencyCatalogue


@pytest.fixture(params=["fixed", "cldr"])
def catalogue(request: pytest.FixtureRequest) -> CurrencyCatalogue:
    return FixedCurrencies() if request.param == "fixed" else BabelCurrencies()


@pytest.mark.parametrize(
    ("code", "minor_units", "cash"),
    [
        ("JPY", 0, None),
        ("USD", 2, None),
        ("EUR", 2, None),
        ("KWD", 3, None),
        ("CHF", 2, Decimal("0.05")),
        ("SEK", 2, Decimal("1")),
    ],
)
def test_minor_units_and_cash_rounding(
    catalogue: CurrencyCatalogue, code: str, minor_units: int, cash: Decimal | None
) -> None:
    currency = catalogue.currency(code)

    assert (currency.code, currency.minor_units, currency.cash_increment) == (
        code,
        minor_units,
        cash,
    )


def test_codes_are_read_in_any_case(catalogue: CurrencyCatalogue) -> None:
    assert catalogue.currency(" eur ").code == "EUR"


@pytest.mark.parametrize("code", ["XYZ", "EURO", "", "€"])
def test_an_unknown_code_names_the_field(catalogue: CurrencyCatalogue, code: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        catalogue.currency(code)

    assert raised.value.field == "currency"


def test_cldr_knows_every_currency_of_the_fixed_table() -> None:
    cldr = BabelCurrencies()

    for currency in FixedCurrencies()._by_code.values():
        assert cldr.currency(currency.code) == currency
