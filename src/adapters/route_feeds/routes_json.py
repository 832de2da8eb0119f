"""Decoding the ``routes-json`` feed format (a JSON array of route objects) with msgspec."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from funflights_core.bulk_allocation import garbage_collection_paused
from funflights_core.errors import ProviderUnavailable
from funflights_core.feed_batch import FeedBatch, RawFields

ROUTE_FIELDS = (
    "airline",
    "sourceAirport",
    "destinationAirport",
    "codeShare",
    "stops",
    "equipment",
)
"""The feed's field names, in the order ``parse_route_record`` takes them."""

_one_decode_at_a_time = threading.Lock()

_ATTRIBUTES = ("airline", "source", "destination", "code_share", "stops", "equipment")


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


class RoutesJsonDecoder:
    """Decodes a feed body into a ``FeedBatch``; ``field_names`` renames feed fields.

    ``field_names`` maps a route field (``sourceAirport``) to the provider's own name for
    it (``origin``); fields it does not mention keep their usual names.
    """

    def __init__(self, field_names: Mapping[str, str] | None = None) -> None:
        names = dict(field_names or {})
        unknown = set(names) - set(ROUTE_FIELDS)
        if unknown:
            raise ValueError(f"unknown route fields in mapping: {sorted(unknown)}")
        self.wire_names = tuple(names.get(field, field) for field in ROUTE_FIELDS)
        record = msgspec.defstruct(
            "RouteJsonRecord",
            [(attribute, Any, None) for attribute in _ATTRIBUTES],
            rename=dict(zip(_ATTRIBUTES, self.wire_names, strict=True)),
        )
        self._fast = msgspec.json.Decoder(list[record])  # type: ignore[valid-type]

    def decode(self, body: bytes) -> FeedBatch:
        """Decode and validate a whole feed, or raise ``ProviderUnavailable``."""
        # Decoding holds the GIL throughout: feeds that arrive together are decoded one
        # after the other, so the first is ready sooner and neither pays for switching.
        with _one_decode_at_a_time, garbage_collection_paused():
            return self._decode(body)

    def _decode(self, body: bytes) -> FeedBatch:
        try:
            records = self._fast.decode(body)
        except msgspec.ValidationError:
            # Not a plain array of objects: take the slow path, which tells what is wrong
            # with the body or drops only the elements that are not objects.
            return self.from_objects(_decode_any(body))
        except msgspec.DecodeError as exc:
            raise ProviderUnavailable(f"body is not valid JSON ({exc})") from None
        # astuple gives the fields in declaration order, the order RawFields has.
        return FeedBatch.from_rows(list(map(msgspec.structs.astuple, records)))

    def from_objects(self, content: object) -> FeedBatch:
        """Validate an already-decoded feed (a list of dicts)."""
        if not isinstance(content, list):
            raise ProviderUnavailable(f"body is not a JSON array (got {_kind(content)})")
        return FeedBatch.from_raw(self._rows(content))

    def _rows(self, items: Iterable[object]) -> Iterable[RawFields | None]:
        airline, source, destination, code_share, stops, equipment = self.wire_names
        for item in items:
            if isinstance(item, dict):
                yield (
                    item.get(airline),
                    item.get(source),
                    item.get(destination),
                    item.get(code_share),
                    item.get(stops),
                    item.get(equipment),
                )
            else:
                yield None


def _decode_any(body: bytes) -> object:
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise ProviderUnavailable(f"body is not valid JSON ({exc})") from None
