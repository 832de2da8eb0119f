"""A fetch's usable records and the count of unusable ones."""

from funflights_core.feed_batch import FeedBatch
from funflights_core.route_record import DropReason


def test_counts_dropped_records_by_reason() -> None:
    batch = FeedBatch.from_raw(
        [
            ("BA", "LHR", "JFK", "", 0, "744"),
            None,
            (None, "LHR", "JFK", "", 0, ""),
            ("BA", "LHR", "JFK", "", -2, ""),
            ("AA", "JFK", "LHR", "Y", 0, None),
            None,
        ]
    )
    assert [r.key for r in batch.records] == [("BA", "LHR", "JFK", 0), ("AA", "JFK", "LHR", 0)]
    assert batch.dropped == {
        DropReason.NOT_AN_OBJECT: 2,
        DropReason.MISSING_AIRLINE: 1,
        DropReason.INVALID_STOPS: 1,
    }
    assert batch.dropped_total == 4


def test_empty_feed_is_empty_not_an_error() -> None:
    batch = FeedBatch.from_raw([])
    assert batch.records == ()
    assert batch.dropped_total == 0
