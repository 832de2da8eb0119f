"""One provider's statement that an airline flies a route, and the rules that make it usable."""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable
from typing import NamedTuple

RouteKey = tuple[str, str, str, int]
"""What identifies a route: (airline, source airport, destination airport, stops)."""

_OPENFLIGHTS_NULL = "\\N"


class DropReason(enum.StrEnum):
    """Why a provider record could not be used; counted per provider."""

    NOT_AN_OBJECT = "not-an-object"
    MISSING_AIRLINE = "missing-airline"
    MISSING_SOURCE = "missing-source-airport"
    MISSING_DESTINATION = "missing-destination-airport"
    INVALID_STOPS = "invalid-stops"
    INVALID_CODE_SHARE = "invalid-code-share"
    INVALID_EQUIPMENT = "invalid-equipment"


class RouteRecord(NamedTuple):
    """A usable route record as one provider reported it.

    A NamedTuple rather than an attrs class: a refresh makes ~10^5 of them, and a frozen
    attrs instance costs 2.5 times as much to build (see docs/adr/0004).
    """

    # Key fields first, in key order: records and routes then sort by key as plain tuples.
    airline: str
    source_airport: str
    destination_airport: str
    stops: int
    code_share: bool
    equipment: str
    """Aircraft codes, space-separated, each once, in the provider's order ("" when none)."""

    @property
    def key(self) -> RouteKey:
        """The identity of the route this record describes."""
        return (self[0], self[1], self[2], self[3])


def _code(value: object) -> str | None:
    # Codes keep their unusual lengths (real feeds carry 3-letter airline and
    # 4-letter airport codes); only absent values are unusable.
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    if not code or code == _OPENFLIGHTS_NULL:
        return None
    # A few thousand codes recur across ~10^5 records of every feed: one shared object
    # each keeps memory down and makes hashing and comparing route keys cheap.
    return sys.intern(code)


def _stops(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    # isascii: "²".isdigit() is True, yet int("²") raises.
    if isinstance(value, str) and (digits := value.strip()).isascii() and digits.isdigit():
        return int(digits)
    return None


def _code_share(value: object) -> bool | None:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        flag = value.strip().upper()
        if flag == "Y":
            return True
        if flag in ("", "N", _OPENFLIGHTS_NULL):
            return False
    return None


def normalise_equipment(codes: str) -> str:
    """Space-separated aircraft codes with extra spaces and repeated codes removed."""
    if " " not in codes:
        return codes.strip()
    return " ".join(dict.fromkeys(codes.split()))


def _equipment(value: object) -> str | None:
    if value is None:
        return ""
    if isinstance(value, str):
        return normalise_equipment(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return normalise_equipment(" ".join(value))
    return None


FIELD_RULES: tuple[Callable[[object], object | None], ...] = (
    _code,
    _code,
    _code,
    _code_share,
    _stops,
    _equipment,
)
"""Per field, in ``RawFields`` (feed) order: its usable value, or None if unusable."""


def parse_route_record(
    airline: object,
    source_airport: object,
    destination_airport: object,
    code_share: object,
    stops: object,
    equipment: object,
) -> RouteRecord | DropReason:
    """Turn loosely-typed feed fields into a record, or say why the record is unusable."""
    # Fast path for the well-formed records that make up nearly every real feed; anything
    # unusual falls through to the field-by-field rules below.
    if type(airline) is str and type(source_airport) is str and type(destination_airport) is str:
        a = airline.strip().upper()
        s = source_airport.strip().upper()
        d = destination_airport.strip().upper()
        if (
            type(stops) is int
            and stops >= 0
            and a
            and s
            and d
            and _OPENFLIGHTS_NULL not in (a, s, d)
            and (code_share == "" or code_share == "Y" or code_share is None)
            and (equipment is None or type(equipment) is str)
        ):
            return RouteRecord(
                a,
                s,
                d,
                stops,
                code_share == "Y",
                "" if equipment is None else normalise_equipment(equipment),
            )
    airline_code = _code(airline)
    if airline_code is None:
        return DropReason.MISSING_AIRLINE
    source = _code(source_airport)
    if source is None:
        return DropReason.MISSING_SOURCE
    destination = _code(destination_airport)
    if destination is None:
        return DropReason.MISSING_DESTINATION
    stop_count = _stops(stops)
    if stop_count is None:
        return DropReason.INVALID_STOPS
    shared = _code_share(code_share)
    if shared is None:
        return DropReason.INVALID_CODE_SHARE
    aircraft = _equipment(equipment)
    if aircraft is None:
        return DropReason.INVALID_EQUIPMENT
    return RouteRecord(airline_code, source, destination, stop_count, shared, aircraft)
