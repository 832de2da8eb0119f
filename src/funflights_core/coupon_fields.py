"""Coupons as flat fields (what staff write, what the audit log keeps) and back, validated."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from funflights_core.coupon import Coupon
from funflights_core.errors import InvalidInput
from funflights_core.margin_rule_fields import CABINS, amount_field, moment_field
from funflights_core.money import CurrencyCatalogue, Money

COUPON_FIELDS = (
    "percent_off",
    "amount_off",
    "currency",
    "minimum_spend",
    "valid_from",
    "valid_until",
    "airlines",
    "routes",
    "cabins",
    "total_uses",
    "uses_per_customer",
    "combinable",
    "description",
    "below_cost_allowed",
)
"""The fields staff set on a coupon besides its code (``percent_off`` in percent)."""

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")
_AIRLINE = re.compile(r"^[A-Z0-9]{2}$")
_ROUTE = re.compile(r"^[A-Z]{3}-[A-Z]{3}$")
_CABIN = re.compile("^(" + "|".join(c.upper() for c in CABINS) + ")$")
_HUNDRED = Decimal(100)
USE_LIMIT = 100_000_000


def coupon_code(value: str) -> str:
    """A coupon code in upper case (3-40 letters, digits, - or _), or ``InvalidInput``."""
    code = value.strip().upper()
    if not _CODE.match(code):
        raise InvalidInput("code", "use 3-40 letters, digits, hyphens or underscores")
    return code


def coupon_fields(coupon: Coupon) -> dict[str, Any]:
    """The coupon as flat, JSON-ready fields (amounts and times as text)."""

    def amount(money: Money | None) -> str | None:
        return None if money is None else str(money.amount)

    return {
        "code": coupon.code,
        "percent_off": None
        if coupon.percent_off is None
        else format((coupon.percent_off * _HUNDRED).normalize(), "f"),
        "amount_off": amount(coupon.amount_off),
        "currency": coupon.amounts_currency,
        "minimum_spend": amount(coupon.minimum_spend),
        "valid_from": None if coupon.valid_from is None else coupon.valid_from.isoformat(),
        "valid_until": None if coupon.valid_until is None else coupon.valid_until.isoformat(),
        "airlines": sorted(coupon.airlines),
        "routes": sorted(f"{o}-{d}" for o, d in coupon.routes),
        "cabins": sorted(coupon.cabins),
        "total_uses": coupon.total_uses,
        "uses_per_customer": coupon.uses_per_customer,
        "combinable": coupon.combinable,
        "below_cost_allowed": coupon.below_cost_allowed,
        "description": coupon.description,
    }


def _codes(value: Any, field: str, pattern: re.Pattern[str], example: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, (list, tuple, set, frozenset)) or not all(
        isinstance(item, str) for item in value
    ):
        raise InvalidInput(field, f"give a list of codes such as [{example!r}]")
    codes = frozenset(item.strip().upper() for item in value)
    for code in codes:
        if not pattern.match(code):
            raise InvalidInput(field, f"{code!r} is not a code such as {example}")
    return codes


def _limit(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= USE_LIMIT:
        raise InvalidInput(field, f"use a whole number from 1 to {USE_LIMIT:,}, or leave it out")
    return value


def _flag(value: Any, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidInput(field, "use true or false")
    return value


def coupon_from_fields(
    code: str, fields: Mapping[str, Any], *, tenant_id: str, currencies: CurrencyCatalogue
) -> Coupon:
    """A valid coupon from flat fields, or ``InvalidInput`` naming the first bad field."""
    unknown = sorted(set(fields) - set(COUPON_FIELDS))
    if unknown:
        raise InvalidInput(unknown[0], "is not a coupon field")
    percent = amount_field(fields.get("percent_off"), "percent_off")
    if percent is not None and not Decimal(0) < percent <= _HUNDRED:
        raise InvalidInput("percent_off", "use a percentage above 0 and at most 100")
    amount_off = amount_field(fields.get("amount_off"), "amount_off")
    if (percent is None) == (amount_off is None):
        raise InvalidInput("percent_off", "give either percent_off or amount_off")
    minimum = amount_field(fields.get("minimum_spend"), "minimum_spend")
    for name, value in (("amount_off", amount_off), ("minimum_spend", minimum)):
        if value is not None and value <= 0:
            raise InvalidInput(name, "must be positive")
    money: dict[str, Money | None] = {"amount_off": None, "minimum_spend": None}
    if amount_off is not None or minimum is not None:
        currency_text = fields.get("currency")
        if not isinstance(currency_text, str) or not currency_text.strip():
            raise InvalidInput("currency", "give the currency of the amounts")
        currency = currencies.currency(currency_text.strip().upper())
        money = {
            "amount_off": None if amount_off is None else Money(amount_off, currency),
            "minimum_spend": None if minimum is None else Money(minimum, currency),
        }
    valid_from = moment_field(fields.get("valid_from"), "valid_from")
    valid_until = moment_field(fields.get("valid_until"), "valid_until")
    if valid_from and valid_until and valid_from >= valid_until:
        raise InvalidInput("valid_until", "must be after valid_from")
    cabins = frozenset(
        c.lower() for c in _codes(fields.get("cabins"), "cabins", _CABIN, "BUSINESS")
    )
    for cabin in cabins:
        if cabin not in CABINS:
            raise InvalidInput("cabins", "use " + ", ".join(CABINS))
    routes = _codes(fields.get("routes"), "routes", _ROUTE, "LHR-JFK")
    combinable = _flag(fields.get("combinable"), "combinable")
    below_cost = _flag(fields.get("below_cost_allowed"), "below_cost_allowed")
    description = str(fields.get("description") or "").strip()
    if len(description) > 500:
        raise InvalidInput("description", "use at most 500 characters")
    return Coupon(
        code=coupon_code(code),
        tenant_id=tenant_id,
        percent_off=None if percent is None else percent / _HUNDRED,
        amount_off=money["amount_off"],
        minimum_spend=money["minimum_spend"],
        valid_from=valid_from,
        valid_until=valid_until,
        airlines=_codes(fields.get("airlines"), "airlines", _AIRLINE, "BA"),
        routes=frozenset((r[:3], r[4:]) for r in routes),
        cabins=cabins,
        total_uses=_limit(fields.get("total_uses"), "total_uses"),
        uses_per_customer=_limit(fields.get("uses_per_customer"), "uses_per_customer"),
        combinable=combinable,
        below_cost_allowed=below_cost,
        description=description,
    )


def changed_coupon(
    coupon: Coupon, changes: Mapping[str, Any], *, currencies: CurrencyCatalogue
) -> Coupon:
    """The coupon with some fields changed (None clears one), validated as a whole."""
    current = {k: v for k, v in coupon_fields(coupon).items() if k in COUPON_FIELDS}
    return coupon_from_fields(
        coupon.code, {**current, **changes}, tenant_id=coupon.tenant_id, currencies=currencies
    )
