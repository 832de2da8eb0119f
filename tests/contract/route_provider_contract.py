"""The contract every RouteProvider adapter keeps: ``fetch() -> FeedBatch`` or ProviderUnavailable.

Subclass ``RouteProviderContract`` (as ``Test...``) and implement ``provider_serving`` and
``unreachable_provider``; every case below then runs against the adapter.
"""

from __future__ import annotations

import abc
from typing import Any

import pytest

from adapters.route_feeds.routes_json import RoutesJsonDecoder
from funflights_core.errors import ProviderUnavailable
from funflights_core.feed_batch import FeedBatch
from funflights_core.route_provider import RouteProvider
from funflights_core.route_record import DropReason, RouteRecord


def wire(
    airline: object = "BA",
    source: object = "LHR",
    destination: object = "JFK",
    *,
    code_share: object = "",
    stops: object = 0,
    equipment: object = "744",
) -> dict[str, object]:
    """One record in the providers' wire format."""
    return {
        "airline": airline,
        "sourceAirport": source,
        "destinationAirport": destination,
        "codeShare": code_share,
        "stops": stops,
        "equipment": equipment,
    }


def without(record: dict[str, object], *fields: str) -> dict[str, object]:
    """The record with some fields left out entirely."""
    return {key: value for key, value in record.items() if key not in fields}


VALID_RECORD = wire("BA", "LHR", "JFK", equipment="744")
VALID_ROUTE = RouteRecord("BA", "LHR", "JFK", 0, False, "744")


class RouteProviderContract(abc.ABC):
    """Cases every route provider adapter must pass."""

    @abc.abstractmethod
    def provider_serving(
        self, content: object, decoder: RoutesJsonDecoder | None = None
    ) -> RouteProvider:
        """A provider whose feed is ``content`` (a JSON-able value) read with ``decoder``."""

    @abc.abstractmethod
    def unreachable_provider(self) -> RouteProvider:
        """A provider whose feed cannot be reached at all."""

    async def fetch(self, content: object, decoder: RoutesJsonDecoder | None = None) -> FeedBatch:
        return await self.provider_serving(content, decoder).fetch()

    # --- well-formed feeds ---------------------------------------------------------------

    async def test_well_formed_feed_yields_exactly_its_records_normalised(self) -> None:
        content = [
            wire(" ba ", "lhr ", " jfk", code_share="Y", stops=0, equipment="  738  320 738"),
            wire("AAL", "KJFK", "EGLL", code_share="", stops=1, equipment=None),
            without(wire("DL", "ATL", "LAX", code_share=None, stops="1"), "equipment"),
            without(wire("UA", "SFO", "ORD", stops=2, equipment="777"), "codeShare"),
        ]

        batch = await self.fetch(content)

        assert batch.records == (
            RouteRecord("BA", "LHR", "JFK", 0, True, "738 320"),
            RouteRecord("AAL", "KJFK", "EGLL", 1, False, ""),
            RouteRecord("DL", "ATL", "LAX", 1, False, ""),
            RouteRecord("UA", "SFO", "ORD", 2, False, "777"),
        )
        assert batch.dropped == {}
        assert batch.dropped_total == 0

    @pytest.mark.parametrize(
        ("code_share", "expected"),
        [("Y", True), ("y", True), (" Y ", True), ("", False), ("N", False), (None, False)],
    )
    async def test_code_share_flag(self, code_share: object, expected: bool) -> None:
        batch = await self.fetch([wire(code_share=code_share)])

        assert batch.records == (VALID_ROUTE._replace(code_share=expected),)

    async def test_missing_code_share_means_no_code_share(self) -> None:
        batch = await self.fetch([without(wire(), "codeShare")])

        assert batch.records == (VALID_ROUTE._replace(code_share=False),)

    @pytest.mark.parametrize(
        ("equipment", "expected"),
        [
            (None, ""),
            ("", ""),
            ("738", "738"),
            (" 738 ", "738"),
            ("  738  320 738", "738 320"),
            (["738", "320", "738"], "738 320"),
        ],
    )
    async def test_equipment_normalised(self, equipment: object, expected: str) -> None:
        batch = await self.fetch([wire(equipment=equipment)])

        assert batch.records == (VALID_ROUTE._replace(equipment=expected),)

    async def test_missing_equipment_is_empty(self) -> None:
        batch = await self.fetch([without(wire(), "equipment")])

        assert batch.records == (VALID_ROUTE._replace(equipment=""),)

    async def test_unusual_code_lengths_are_kept(self) -> None:
        batch = await self.fetch([wire("AAL", "KJFK", "egll")])

        assert batch.records == (RouteRecord("AAL", "KJFK", "EGLL", 0, False, "744"),)

    @pytest.mark.parametrize(("stops", "expected"), [("1", 1), (" 2 ", 2), ("0", 0), (3, 3)])
    async def test_numeric_stops_accepted(self, stops: object, expected: int) -> None:
        batch = await self.fetch([wire(stops=stops)])

        assert batch.records == (VALID_ROUTE._replace(stops=expected),)

    async def test_empty_array_is_an_empty_batch(self) -> None:
        batch = await self.fetch([])

        assert batch.records == ()
        assert batch.dropped == {}

    async def test_fetching_twice_gives_the_same_batch(self) -> None:
        provider = self.provider_serving([VALID_RECORD, 42])

        first = await provider.fetch()
        second = await provider.fetch()

        assert first == second
        assert first.records == (VALID_ROUTE,)
        assert first.dropped == {DropReason.NOT_AN_OBJECT: 1}

    # --- unusable records ------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("record", "reason"),
        [
            (wire(airline=""), DropReason.MISSING_AIRLINE),
            (wire(airline="   "), DropReason.MISSING_AIRLINE),
            (wire(airline=None), DropReason.MISSING_AIRLINE),
            (without(wire(), "airline"), DropReason.MISSING_AIRLINE),
            (wire(airline=7), DropReason.MISSING_AIRLINE),
            (wire(source=""), DropReason.MISSING_SOURCE),
            (without(wire(), "sourceAirport"), DropReason.MISSING_SOURCE),
            (wire(destination="\\N"), DropReason.MISSING_DESTINATION),
            (wire(destination=None), DropReason.MISSING_DESTINATION),
            (wire(stops=-1), DropReason.INVALID_STOPS),
            (wire(stops="-1"), DropReason.INVALID_STOPS),
            (wire(stops="one"), DropReason.INVALID_STOPS),
            (wire(stops=1.5), DropReason.INVALID_STOPS),
            (wire(stops=True), DropReason.INVALID_STOPS),
            (wire(stops=None), DropReason.INVALID_STOPS),
            (without(wire(), "stops"), DropReason.INVALID_STOPS),
            (wire(code_share="maybe"), DropReason.INVALID_CODE_SHARE),
            (wire(code_share=1), DropReason.INVALID_CODE_SHARE),
            (wire(equipment=738), DropReason.INVALID_EQUIPMENT),
            (wire(equipment=["738", 320]), DropReason.INVALID_EQUIPMENT),
            (42, DropReason.NOT_AN_OBJECT),
            (None, DropReason.NOT_AN_OBJECT),
            ("BA LHR JFK", DropReason.NOT_AN_OBJECT),
            ([VALID_RECORD], DropReason.NOT_AN_OBJECT),
        ],
    )
    async def test_unusable_record_is_dropped_and_counted(
        self, record: object, reason: DropReason
    ) -> None:
        batch = await self.fetch([VALID_RECORD, record])

        assert batch.records == (VALID_ROUTE,)
        assert batch.dropped == {reason: 1}

    async def test_drops_are_counted_per_reason(self) -> None:
        content: list[Any] = [
            wire(airline=""),
            wire("BA", "LHR", "JFK"),
            wire(source=None),
            wire(destination="\\N"),
            wire(destination="\\N"),
            wire(stops=-2),
            wire(stops="x"),
            wire(code_share="maybe"),
            42,
            wire("AA", "JFK", "LAX", stops="1"),
            "not an object",
        ]

        batch = await self.fetch(content)

        assert batch.records == (
            RouteRecord("BA", "LHR", "JFK", 0, False, "744"),
            RouteRecord("AA", "JFK", "LAX", 1, False, "744"),
        )
        assert batch.dropped == {
            DropReason.MISSING_AIRLINE: 1,
            DropReason.MISSING_SOURCE: 1,
            DropReason.MISSING_DESTINATION: 2,
            DropReason.INVALID_STOPS: 2,
            DropReason.INVALID_CODE_SHARE: 1,
            DropReason.NOT_AN_OBJECT: 2,
        }
        assert batch.dropped_total == 9

    async def test_non_ascii_digit_stops_is_dropped_not_raised(self) -> None:
        batch = await self.fetch([VALID_RECORD, wire(stops="²")])

        assert batch.records == (VALID_ROUTE,)
        assert batch.dropped == {DropReason.INVALID_STOPS: 1}

    # --- unusable feeds ------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("content", "kind"),
        [
            ({"routes": [VALID_RECORD]}, "an object"),
            ("routes", "a string"),
            (None, "null"),
        ],
    )
    async def test_body_that_is_not_an_array_is_unavailable(
        self, content: object, kind: str
    ) -> None:
        with pytest.raises(ProviderUnavailable) as raised:
            await self.fetch(content)

        assert raised.value.reason == f"body is not a JSON array (got {kind})"

    async def test_unreachable_provider_is_unavailable(self) -> None:
        provider = self.unreachable_provider()

        with pytest.raises(ProviderUnavailable) as raised:
            await provider.fetch()

        assert raised.value.reason
        assert str(raised.value) == raised.value.reason

    # --- field mapping -------------------------------------------------------------------

    async def test_decoder_reads_renamed_fields(self) -> None:
        decoder = RoutesJsonDecoder(
            {
                "airline": "carrier",
                "sourceAirport": "origin",
                "destinationAirport": "dest",
                "codeShare": "shared",
                "stops": "legs",
                "equipment": "aircraft",
            }
        )
        content = [
            {
                "carrier": "ba",
                "origin": "LHR",
                "dest": "JFK",
                "shared": "Y",
                "legs": 0,
                "aircraft": "744 744",
            },
            # The usual names mean nothing to this decoder.
            wire("AA", "JFK", "LAX"),
        ]

        batch = await self.fetch(content, decoder)

        assert batch.records == (RouteRecord("BA", "LHR", "JFK", 0, True, "744"),)
        assert batch.dropped == {DropReason.MISSING_AIRLINE: 1}

    async def test_partial_mapping_keeps_the_usual_names_for_other_fields(self) -> None:
        decoder = RoutesJsonDecoder({"sourceAirport": "origin", "destinationAirport": "dest"})
        content = [
            {"airline": "BA", "origin": "LHR", "dest": "JFK", "stops": 1, "equipment": "777"},
            wire("AA", "JFK", "LAX"),
        ]

        batch = await self.fetch(content, decoder)

        assert batch.records == (RouteRecord("BA", "LHR", "JFK", 1, False, "777"),)
        assert batch.dropped == {DropReason.MISSING_SOURCE: 1}
