"""Money: a Decimal amount in an ISO 4217 currency, rounded only when shown or charged."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Protocol

import attrs

from funflights_core.errors import CurrencyMismatch


@attrs.frozen
class Currency:
    """An ISO 4217 currency and its rounding rules."""

    code: str
    minor_units: int
    """Digits after the decimal point in prices: JPY 0, USD 2, KWD 3."""
    cash_increment: Decimal | None = None
    """The smallest amount payable in cash when it is coarser than a minor unit (CHF 0.05)."""

    @property
    def quantum(self) -> Decimal:
        """One minor unit as a Decimal exponent: 0.01 for USD, 1 for JPY."""
        return Decimal(1).scaleb(-self.minor_units)


class CurrencyCatalogue(Protocol):
    """Where currencies and their minor units come from (a maintained source)."""

    def currency(self, code: str) -> Currency:
        """The currency with this ISO 4217 code; ``InvalidInput`` if there is none."""
        ...


def _decimal(value: object) -> Decimal:
    if type(value) is Decimal and value.is_finite():
        return value  # the common case, checked first: prices are built by the hundred
    if isinstance(value, (bool, float)):
        raise TypeError("money amounts are Decimal (or int or str), never float")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise ValueError("a money amount must be finite")
    return amount


def _exact(amount: Decimal, currency: Currency) -> Money:
    """Money from arithmetic on Money: already a finite Decimal, so not checked again.

    Pricing creates several amounts per price; the converter's checks were most of its cost.
    """
    money = object.__new__(Money)
    object.__setattr__(money, "amount", amount)
    object.__setattr__(money, "currency", currency)
    return money


@attrs.frozen
class Money:
    """An exact amount: arithmetic never rounds; ``rounded`` does, for display and charging."""

    amount: Decimal = attrs.field(converter=_decimal)
    currency: Currency

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: Currency) -> Money:
        """Money from an amount written as Decimal, int or text."""
        return cls(_decimal(amount), currency)

    def _same(self, other: Money) -> None:
        if other.currency.code != self.currency.code:
            raise CurrencyMismatch(
                f"cannot combine {self.currency.code} with {other.currency.code}; convert first"
            )

    def __add__(self, other: Money) -> Money:
        """The sum of two amounts of one currency."""
        self._same(other)
        return _exact(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        """The difference of two amounts of one currency."""
        self._same(other)
        return _exact(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        """The opposite amount."""
        return _exact(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        """The amount times a factor (a Decimal or an int, never a float or Money)."""
        exact = (
            factor
            if type(factor) is int or (type(factor) is Decimal and factor.is_finite())
            else _decimal(factor)
        )
        return _exact(self.amount * exact, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        """Whether this amount is less than another of the same currency."""
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        """Whether this amount is at most another of the same currency."""
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        """Whether this amount is more than another of the same currency."""
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        """Whether this amount is at least another of the same currency."""
        self._same(other)
        return self.amount >= other.amount

    def rounded(self, rounding: str = ROUND_HALF_EVEN) -> Money:
        """To whole minor units (half-even by default): the amount to show or charge."""
        return Money(self.amount.quantize(self.currency.quantum, rounding), self.currency)

    def for_cash(self) -> Money:
        """Rounded to what can be paid in cash (CHF to 0.05), half-even."""
        increment = self.currency.cash_increment
        if increment is None:
            return self.rounded()
        steps = (self.amount / increment).quantize(Decimal(1), ROUND_HALF_EVEN)
        return Money((steps * increment).quantize(self.currency.quantum), self.currency)

    def minor_units(self) -> int:
        """The rounded amount in minor units (cents): what a payment gateway takes."""
        return int(self.rounded().amount.scaleb(self.currency.minor_units))

    def allocate(self, weights: Sequence[int | Decimal]) -> tuple[Money, ...]:
        """Split the rounded amount by weights; the parts always sum to it exactly.

        Each part gets its share rounded down to a minor unit; the minor units left over go
        one each to the parts with the largest remainders (the earlier part on a tie).
        """
        shares = [_decimal(weight) for weight in weights]
        if not shares or any(share < 0 for share in shares) or sum(shares) == 0:
            raise ValueError("allocate needs at least one weight, none negative, not all zero")
        total = self.minor_units()
        whole = sum(shares)
        exact = [Decimal(total) * share / whole for share in shares]
        parts = [int(value.to_integral_value(rounding=ROUND_FLOOR)) for value in exact]
        left = total - sum(parts)
        by_remainder = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
        for index in by_remainder[: abs(left)]:
            parts[index] += 1 if left > 0 else -1
        units = self.currency.minor_units
        return tuple(Money(Decimal(part).scaleb(-units), self.currency) for part in parts)

    def split(self, count: int) -> tuple[Money, ...]:
        """Split the rounded amount into ``count`` parts as equal as minor units allow."""
        if count < 1:
            raise ValueError("split into at least one part")
        return self.allocate([1] * count)

    def __str__(self) -> str:
        """The rounded amount and the currency code: ``12.35 EUR``."""
        return f"{self.rounded().amount} {self.currency.code}"
