"""What one provider delivered in one fetch: its usable records and a count of the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import partial

import attrs

from funflights_core.route_record import (
    FIELD_RULES,
    DropReason,
    RouteRecord,
    parse_route_record,
)

RawFields = tuple[object, object, object, object, object, object]
"""airline, sourceAirport, destinationAirport, codeShare, stops, equipment, as decoded."""

# Verdicts are memoised by value, and True == 1 == 1.0: in the two fields whose rules
# accept some of these and refuse others (codeShare, stops), only these types may be
# memoised. The code and equipment rules refuse every bool and number alike.
_MEMO_SAFE_TYPES = frozenset({str, int, type(None)})
_NUMERIC_FIELDS = (False, False, False, True, True, False)

_new_record = partial(tuple.__new__, RouteRecord)


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

    @classmethod
    def from_rows(cls, rows: Sequence[RawFields]) -> FeedBatch:
        """Validate decoded rows (no non-objects among them): ``from_raw``'s rules, faster.

        A feed repeats a few thousand distinct values (airports, airlines, aircraft lists)
        over ~10^5 records, so each rule runs once per distinct value of a column and the
        records are assembled without a Python-level step per record. A feed with any
        unusable value is validated row by row instead, which counts what it drops.
        """
        if not rows:
            return cls((), {})
        converted: list[Iterable[object]] = []
        columns = zip(*rows, strict=True)
        for column, rule, numeric in zip(columns, FIELD_RULES, _NUMERIC_FIELDS, strict=True):
            if numeric and not set(map(type, column)) <= _MEMO_SAFE_TYPES:
                return cls.from_raw(rows)
            try:
                distinct = set(column)
            except TypeError:  # a list or an object: only the row-wise rules can say
                return cls.from_raw(rows)
            verdicts = {value: rule(value) for value in distinct}
            if None in verdicts.values():
                return cls.from_raw(rows)
            # Mapping every value through its verdict also replaces the decoder's copies of a
            # code with one shared object per distinct value.
            converted.append(map(verdicts.__getitem__, column))
        airline, source, destination, code_share, stops, equipment = converted
        fields = zip(airline, source, destination, stops, code_share, equipment, strict=True)
        return cls(tuple(map(_new_record, fields)), {})
