"""Which provider records are usable, and how their fields are normalised."""

import pytest

from funflights_core.route_record import DropReason, RouteRecord, parse_route_record


def test_well_formed_record_is_normalised() -> None:
    record = parse_route_record(" ba ", "lhr", "JFK ", "Y", 0, " 744  777 744 ")
    assert record == RouteRecord("BA", "LHR", "JFK", 0, True, "744 777")
    assert isinstance(record, RouteRecord)
    assert record.key == ("BA", "LHR", "JFK", 0)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (("2B", "AER", "KZN", "", 0, "CR2"), RouteRecord("2B", "AER", "KZN", 0, False, "CR2")),
        (("AAL", "EGLL", "KJFK", None, 1, None), RouteRecord("AAL", "EGLL", "KJFK", 1, False, "")),
        (("BA", "LHR", "JFK", "N", "2", ""), RouteRecord("BA", "LHR", "JFK", 2, False, "")),
        (
            ("BA", "LHR", "JFK", True, 0, ["744", "777"]),
            RouteRecord("BA", "LHR", "JFK", 0, True, "744 777"),
        ),
    ],
)
def test_unusual_but_usable_records_are_kept(
    fields: tuple[object, ...], expected: RouteRecord
) -> None:
    assert parse_route_record(*fields) == expected


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ((None, "LHR", "JFK", "", 0, ""), DropReason.MISSING_AIRLINE),
        (("  ", "LHR", "JFK", "", 0, ""), DropReason.MISSING_AIRLINE),
        (("BA", "", "JFK", "", 0, ""), DropReason.MISSING_SOURCE),
        (("BA", "LHR", "\\N", "", 0, ""), DropReason.MISSING_DESTINATION),
        (("BA", "LHR", 7, "", 0, ""), DropReason.MISSING_DESTINATION),
        (("BA", "LHR", "JFK", "", -1, ""), DropReason.INVALID_STOPS),
        (("BA", "LHR", "JFK", "", "one", ""), DropReason.INVALID_STOPS),
        (("BA", "LHR", "JFK", "", True, ""), DropReason.INVALID_STOPS),
        (("BA", "LHR", "JFK", "", None, ""), DropReason.INVALID_STOPS),
        (("BA", "LHR", "JFK", "maybe", 0, ""), DropReason.INVALID_CODE_SHARE),
        (("BA", "LHR", "JFK", "", 0, 744), DropReason.INVALID_EQUIPMENT),
    ],
)
def test_unusable_records_say_why(fields: tuple[object, ...], reason: DropReason) -> None:
    assert parse_route_record(*fields) is reason
