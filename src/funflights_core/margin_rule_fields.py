"""Margin rules as flat fields (what staff write, what the audit log keeps) and back, validated."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from funflights_core.errors import InvalidInput
from funflights_core.margin_rule import CountrySide, MarginRule
from funflights_core.money import CurrencyCatalogue, Money

CABINS = ("economy", "premium_economy", "business", "first")
"""Cabin classes, cheapest first."""

RULE_FIELDS = (
    "percent",
    "fixed_per_passenger",
    "minimum",
    "maximum",
    "currency",
    "carrier",
    "flight_number",
    "origin",
    "destination",
    "country",
    "country_side",
    "cabin",
    "travel_from",
    "travel_until",
    "valid_from",
    "valid_until",
    "priority",
    "description",
)
"""The fields staff set on a rule (``percent`` in percent: 5 is 5%)."""

_CARRIER = re.compile(r"^[A-Z0-9]{2}$")
_FLIGHT_NUMBER = re.compile(r"^[0-9]{1,4}[A-Z]?$")
_AIRPORT = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_HUNDRED = Decimal(100)
AMOUNT_LIMIT = Decimal(10) ** 12
_SMALLEST_STEP = Decimal(1).scaleb(-12)
"""Amounts staff write: below a trillion, to twelve decimals (what storage and rounding hold)."""


def rule_fields(rule: MarginRule) -> dict[str, Any]:
    """The rule as flat, JSON-ready fields (amounts and dates as text)."""

    def amount(money: Money | None) -> str | None:
        return None if money is None else str(money.amount)

    def moment(value: date | datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "id": rule.id,
        "level": rule.level.name.lower(),
        "percent": format((rule.percent * _HUNDRED).normalize(), "f"),
        "fixed_per_passenger": amount(rule.fixed_per_passenger),
        "minimum": amount(rule.minimum),
        "maximum": amount(rule.maximum),
        "currency": rule.amounts_currency,
        "carrier": rule.carrier,
        "flight_number": rule.flight_number,
        "origin": rule.origin,
        "destination": rule.destination,
        "country": rule.country,
        "country_side": rule.country_side.value,
        "cabin": rule.cabin,
        "travel_from": moment(rule.travel_from),
        "travel_until": moment(rule.travel_until),
        "valid_from": moment(rule.valid_from),
        "valid_until": moment(rule.valid_until),
        "priority": rule.priority,
        "description": rule.description,
        "created_at": rule.created_at.isoformat(),
    }


def _code(value: Any, field: str, pattern: re.Pattern[str], example: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not pattern.match(value.strip().upper()):
        raise InvalidInput(field, f"use a code such as {example}")
    return value.strip().upper()


def amount_field(value: Any, field: str) -> Decimal | None:
    """A decimal written as text or an integer (never a float), or None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, (bool, float)):
        raise InvalidInput(field, 'write the amount as a string or an integer, e.g. "12.50"')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(field, f"{value!r} is not a decimal number") from None
    if not number.is_finite():
        raise InvalidInput(field, "must be a finite number")
    if abs(number) >= AMOUNT_LIMIT or number != number.quantize(_SMALLEST_STEP):
        raise InvalidInput(field, "use at most 12 digits before the point and 12 after")
    return number


def _date(value: Any, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(field, "use a date such as 2026-12-24") from None


def moment_field(value: Any, field: str) -> datetime | None:
    """An aware ISO 8601 time, or None when empty."""
    if value is None or value == "":
        return None
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(field, "use a time such as 2026-12-24T00:00:00Z") from None
    if moment.tzinfo is None:
        raise InvalidInput(field, "give a time zone, e.g. a trailing Z for UTC")
    return moment


def _priority(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not -1000 <= value <= 1000:
        raise InvalidInput("priority", "use a whole number from -1000 to 1000")
    return value


def rule_from_fields(
    fields: Mapping[str, Any],
    *,
    rule_id: str,
    tenant_id: str,
    created_at: datetime,
    currencies: CurrencyCatalogue,
) -> MarginRule:
    """A valid rule from flat fields, or ``InvalidInput`` naming the first bad field."""
    unknown = sorted(set(fields) - set(RULE_FIELDS))
    if unknown:
        raise InvalidInput(unknown[0], "is not a margin-rule field")
    percent = amount_field(fields.get("percent"), "percent") or Decimal(0)
    if not Decimal(0) <= percent <= Decimal(1000):
        raise InvalidInput("percent", "use a percentage from 0 to 1000")
    names = ("fixed_per_passenger", "minimum", "maximum")
    amounts = {name: amount_field(fields.get(name), name) for name in names}
    for name, amount in amounts.items():
        if amount is not None and amount < 0:
            raise InvalidInput(name, "must not be negative")
    currency_text = fields.get("currency")
    money: dict[str, Money | None] = dict.fromkeys(amounts)
    if any(amount is not None for amount in amounts.values()):
        if not isinstance(currency_text, str) or not currency_text.strip():
            raise InvalidInput("currency", "give the currency of the fixed amounts")
        currency = currencies.currency(currency_text.strip().upper())
        money = {k: None if v is None else Money(v, currency) for k, v in amounts.items()}
    minimum, maximum = money["minimum"], money["maximum"]
    if minimum is not None and maximum is not None and minimum > maximum:
        raise InvalidInput("maximum", "must not be below the minimum")
    carrier = _code(fields.get("carrier"), "carrier", _CARRIER, "BA")
    flight_number = _code(fields.get("flight_number"), "flight_number", _FLIGHT_NUMBER, "117")
    if flight_number is not None and carrier is None:
        raise InvalidInput("carrier", "a flight rule names the carrier too")
    origin = _code(fields.get("origin"), "origin", _AIRPORT, "LHR")
    destination = _code(fields.get("destination"), "destination", _AIRPORT, "JFK")
    if (origin is None) != (destination is None):
        raise InvalidInput("destination" if origin else "origin", "a route names both airports")
    country = _code(fields.get("country"), "country", _COUNTRY, "GB")
    side_text = fields.get("country_side") or CountrySide.EITHER.value
    try:
        side = CountrySide(str(side_text).strip().lower())
    except ValueError:
        raise InvalidInput("country_side", "use origin, destination or either") from None
    cabin_text = fields.get("cabin")
    cabin = None if cabin_text in (None, "") else str(cabin_text).strip().lower()
    if cabin is not None and cabin not in CABINS:
        raise InvalidInput("cabin", "use " + ", ".join(CABINS))
    travel_from = _date(fields.get("travel_from"), "travel_from")
    travel_until = _date(fields.get("travel_until"), "travel_until")
    if travel_from and travel_until and travel_from > travel_until:
        raise InvalidInput("travel_until", "must not be before travel_from")
    valid_from = moment_field(fields.get("valid_from"), "valid_from")
    valid_until = moment_field(fields.get("valid_until"), "valid_until")
    if valid_from and valid_until and valid_from >= valid_until:
        raise InvalidInput("valid_until", "must be after valid_from")
    description = str(fields.get("description") or "").strip()
    if len(description) > 500:
        raise InvalidInput("description", "use at most 500 characters")
    return MarginRule(
        id=rule_id,
        tenant_id=tenant_id,
        created_at=created_at,
        percent=percent / _HUNDRED,
        fixed_per_passenger=money["fixed_per_passenger"],
        minimum=minimum,
        maximum=maximum,
        carrier=carrier,
        flight_number=flight_number,
        origin=origin,
        destination=destination,
        country=country,
        country_side=side,
        cabin=cabin,
        travel_from=travel_from,
        travel_until=travel_until,
        valid_from=valid_from,
        valid_until=valid_until,
        priority=_priority(fields.get("priority")),
        description=description,
    )


def changed_rule(
    rule: MarginRule, changes: Mapping[str, Any], *, currencies: CurrencyCatalogue
) -> MarginRule:
    """The rule with some fields changed (None clears one), validated as a whole."""
    current = {k: v for k, v in rule_fields(rule).items() if k in RULE_FIELDS}
    return rule_from_fields(
        {**current, **changes},
        rule_id=rule.id,
        tenant_id=rule.tenant_id,
        created_at=rule.created_at,
        currencies=currencies,
    )
