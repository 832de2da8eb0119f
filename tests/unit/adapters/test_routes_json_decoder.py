"""RoutesJsonDecoder: field mapping, and the fast and slow decoding paths agreeing."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.route_feeds.routes_json import ROUTE_FIELDS, RoutesJsonDecoder
from funflights_core.errors import ProviderUnavailable
from funflights_core.route_record import DropReason, RouteRecord


def record(
    airline: object = "BA",
    source: object = "LHR",
    destination: object = "JFK",
    code_share: object = "",
    stops: object = 0,
    equipment: object = "744",
) -> dict[str, object]:
    return dict(
        zip(
            ROUTE_FIELDS,
            (airline, source, destination, code_share, stops, equipment),
            strict=True,
        )
    )


def body(content: object) -> bytes:
    return json.dumps(content).encode()


def test_default_wire_names_are_the_route_fields() -> None:
    assert RoutesJsonDecoder().wire_names == (
        "airline",
        "sourceAirport",
        "destinationAirport",
        "codeShare",
        "stops",
        "equipment",
    )


def test_mapping_renames_only_the_fields_it_names() -> None:
    decoder = RoutesJsonDecoder({"sourceAirport": "origin", "destinationAirport": "dest"})

    assert decoder.wire_names == ("airline", "origin", "dest", "codeShare", "stops", "equipment")


@pytest.mark.parametrize("field", ["origin", "from", "source_airport", "Airline"])
def test_unknown_mapping_field_is_rejected(field: str) -> None:
    with pytest.raises(ValueError, match=f"unknown route fields in mapping: \\['{field}'\\]"):
        RoutesJsonDecoder({field: "x"})


def test_renamed_fields_are_read_on_both_paths() -> None:
    decoder = RoutesJsonDecoder({"airline": "carrier", "stops": "legs"})
    good = {"carrier": "ba", "sourceAirport": "LHR", "destinationAirport": "JFK", "legs": 1}

    fast = decoder.decode(body([good]))
    slow = decoder.decode(body([good, 42]))

    assert fast.records == (RouteRecord("BA", "LHR", "JFK", 1, False, ""),)
    assert slow.records == fast.records
    assert slow.dropped == {DropReason.NOT_AN_OBJECT: 1}


def test_slow_path_gives_the_fast_paths_records_for_the_objects() -> None:
    objects = [
        record(),
        record("aa", " jfk ", "lax", "Y", "1", "  321 321  320"),
        record(airline=""),
        record("DL", "ATL", "LAX", None, 0, None),
        record("AAL", "KJFK", "EGLL", "N", 2, ["738", "320"]),
        record(stops=-1),
    ]
    mixed = [42, *objects[:3], None, "text", *objects[3:], [1, 2], 3.5]

    fast = RoutesJsonDecoder().decode(body(objects))
    slow = RoutesJsonDecoder().decode(body(mixed))

    assert fast.records == (
        RouteRecord("BA", "LHR", "JFK", 0, False, "744"),
        RouteRecord("AA", "JFK", "LAX", 1, True, "321 320"),
        RouteRecord("DL", "ATL", "LAX", 0, False, ""),
        RouteRecord("AAL", "KJFK", "EGLL", 2, False, "738 320"),
    )
    assert fast.dropped == {DropReason.MISSING_AIRLINE: 1, DropReason.INVALID_STOPS: 1}
    assert slow.records == fast.records
    assert slow.dropped == {**fast.dropped, DropReason.NOT_AN_OBJECT: 5}


def test_decode_agrees_with_from_objects() -> None:
    content = [record(), record(code_share="maybe"), 7, record("UA", "SFO", "ORD", stops="2")]

    assert RoutesJsonDecoder().decode(body(content)) == RoutesJsonDecoder().from_objects(content)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b'{"routes": []}', "an object"),
        (b'"routes"', "a string"),
        (b"null", "null"),
        (b"[]", None),
    ],
)
def test_body_must_be_an_array(raw: bytes, kind: str | None) -> None:
    if kind is None:
        assert RoutesJsonDecoder().decode(raw).records == ()
        return
    with pytest.raises(ProviderUnavailable) as raised:
        RoutesJsonDecoder().decode(raw)

    assert raised.value.reason == f"body is not a JSON array (got {kind})"


@pytest.mark.parametrize("raw", [b"", b"[", b"[1,]", b"\xff\xfe", b"routes"])
def test_invalid_json_is_unavailable(raw: bytes) -> None:
    with pytest.raises(ProviderUnavailable) as raised:
        RoutesJsonDecoder().decode(raw)

    assert raised.value.reason.startswith("body is not valid JSON (")


def test_from_objects_rejects_a_non_list() -> None:
    with pytest.raises(ProviderUnavailable) as raised:
        RoutesJsonDecoder().from_objects({"airline": "BA"})

    assert raised.value.reason == "body is not a JSON array (got an object)"


field_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", " ", "Y", "y", "N", "\\N", "BA", " lhr ", "1", "-1", "738  320 738"]),
    st.text(alphabet="AB12 \\N", max_size=6),
    st.lists(st.sampled_from(["738", "320", ""]), max_size=3),
)
route_objects = st.dictionaries(st.sampled_from(ROUTE_FIELDS), field_values, max_size=6)


@settings(max_examples=150, deadline=None)
@given(
    objects=st.lists(route_objects, max_size=8),
    intruders=st.lists(
        st.tuples(st.integers(min_value=0, max_value=8), st.sampled_from([42, None, "x", [1]])),
        min_size=1,
        max_size=3,
    ),
)
def test_fast_and_slow_paths_agree(
    objects: list[dict[str, object]], intruders: list[tuple[int, object]]
) -> None:
    mixed: list[object] = list(objects)
    for position, intruder in intruders:
        mixed.insert(min(position, len(mixed)), intruder)

    fast = RoutesJsonDecoder().decode(body(objects))
    slow = RoutesJsonDecoder().decode(body(mixed))

    assert slow.records == fast.records
    assert slow.dropped == {**fast.dropped, DropReason.NOT_AN_OBJECT: len(intruders)}
    assert fast == RoutesJsonDecoder().from_objects(objects)
