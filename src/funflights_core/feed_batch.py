"""What one provider delivered in one fetch: its usable records and a count of the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import attrs

from funflights_core.route_record import DropReason, RouteRecord, parse_route_record

RawFields = tuple[object, object, object, object, object, object]
"""airline, sourceAirport, destinationAirport, codeShare, stops, equipment, as decoded."""


@attrs.frozen
class FeedBatch:
    """Usable records of one fetch, with the unusable ones counted by reason."""

    records: tuple[RouteRecord, ...]
    dropped: Mapping[DropReason, int] = attrs.field(factory=dict)

    @property
    def dropped_total(self) -> int:
        """How many records of the fetch were unusable."""
        return sum(self.dropped.values())

    @classmethod
    def from_raw(cls, rows: Iterable[RawFields | None]) -> FeedBatch:
        """Validate decoded rows; ``None`` stands for an element that was not an object."""
        records: list[RouteRecord] = []
        dropped: Counter[DropReason] = Counter()
        keep = records.append
        for row in rows:
            if row is None:
                dropped[DropReason.NOT_AN_OBJECT] += 1
                continue
            parsed = parse_route_record(*row)
            if isinstance(parsed, RouteRecord):
                keep(parsed)
            else:
                dropped[parsed] += 1
        return cls(tuple(records), dict(dropped))
