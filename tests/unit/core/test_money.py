"""Money: exact arithmetic, rounding only on demand, allocations that lose no minor unit."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.money.fixed_currencies import COMMON, FixedCurrencies
from funflights_core.errors import CurrencyMismatch
from funflights_core.money import Money

CURRENCIES = FixedCurrencies()
EUR, JPY, KWD, CHF = (CURRENCIES.currency(c) for c in ("EUR", "JPY", "KWD", "CHF"))


def eur(amount: str) -> Money:
    return Money.of(amount, EUR)


def test_arithmetic_is_exact_until_rounded() -> None:
    third = Money(Decimal(10) / Decimal(3), EUR)

    assert third.amount != Decimal("3.33")
    assert third.rounded() == eur("3.33")
    assert (third * 3).rounded() == eur("10.00")
    assert eur("0.1") + eur("0.2") == eur("0.3")


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("2.345", EUR, "2.34"),  # half-even: to the even neighbour
        ("2.355", EUR, "2.36"),
        ("1234.5", JPY, "1234"),
        ("1.2345", KWD, "1.234"),
        ("1.2355", KWD, "1.236"),
    ],
)
def test_rounding_is_half_even_to_the_currencys_minor_units(
    amount: str, currency: object, shown: str
) -> None:
    money = Money.of(amount, currency)  # type: ignore[arg-type]

    assert money.rounded().amount == Decimal(shown)
    assert str(money) == f"{shown} {money.currency.code}"


def test_a_currency_rule_can_round_differently() -> None:
    assert eur("2.345").rounded(ROUND_HALF_UP) == eur("2.35")
    assert Money.of("10.02", CHF).for_cash() == Money.of("10.00", CHF)
    assert Money.of("10.03", CHF).for_cash() == Money.of("10.05", CHF)
    assert eur("10.026").for_cash() == eur("10.03")


def test_currencies_do_not_mix() -> None:
    with pytest.raises(CurrencyMismatch, match="EUR with JPY"):
        eur("1") + Money.of("1", JPY)
    with pytest.raises(CurrencyMismatch):
        _ = eur("1") < Money.of("1", JPY)


@pytest.mark.parametrize("bad", [0.1, float("nan"), "ten", True])
def test_floats_and_non_amounts_are_refused(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        Money.of(bad, EUR)  # type: ignore[arg-type]


def test_minor_units_for_a_payment_gateway() -> None:
    assert eur("12.345").minor_units() == 1234
    assert Money.of("1500", JPY).minor_units() == 1500
    assert Money.of("1.2345", KWD).minor_units() == 1234


def test_a_split_gives_every_cent_to_someone() -> None:
    assert eur("100").split(3) == (eur("33.34"), eur("33.33"), eur("33.33"))
    assert Money.of("1000", JPY).split(3) == tuple(Money.of(a, JPY) for a in ("334", "333", "333"))
    assert eur("10").allocate([1, 1, 2]) == (eur("2.50"), eur("2.50"), eur("5.00"))


def test_bad_allocations_are_refused() -> None:
    for weights in ([], [0, 0], [1, -1]):
        with pytest.raises(ValueError, match="weight"):
            eur("10").allocate(weights)
    with pytest.raises(ValueError, match="at least one"):
        eur("10").split(0)


amounts = st.decimals(
    min_value=Decimal("-1000000"), max_value=Decimal("1000000"), allow_nan=False, places=6
)
currencies = st.sampled_from(COMMON)
weights = st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12).filter(
    lambda ws: sum(ws) > 0
)


@given(amounts, currencies, weights)
def test_allocated_parts_always_sum_to_the_rounded_total(
    amount: Decimal, currency: object, shares: list[int]
) -> None:
    money = Money(amount, currency)  # type: ignore[arg-type]

    parts = money.allocate(shares)

    assert sum((part.amount for part in parts), Decimal(0)) == money.rounded().amount
    quantum = money.currency.quantum
    total = Decimal(money.minor_units()) * quantum
    for part, share in zip(parts, shares, strict=True):
        exact = total * share / sum(shares)
        assert abs(part.amount - exact) < quantum
        assert part.amount == part.amount.quantize(quantum)


@given(amounts, amounts, currencies)
def test_addition_is_exact_and_rounding_is_idempotent(
    first: Decimal, second: Decimal, currency: object
) -> None:
    a, b = Money(first, currency), Money(second, currency)  # type: ignore[arg-type]

    assert (a + b).amount == first + second
    assert (a + b) - b == a
    assert a.rounded().rounded() == a.rounded()
    assert abs(a.rounded().amount - a.amount) <= a.currency.quantum / 2


@pytest.mark.parametrize("factor", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_multiplying_by_a_non_finite_factor_is_refused(factor: Decimal) -> None:
    with pytest.raises(ValueError, match="finite"):
        eur("10") * factor
