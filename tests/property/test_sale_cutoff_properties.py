"""The sale cut-off: 30 to 40 minutes ahead, moving in 10-minute steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from funflights_core.flight_search import SALE_LEAD, SALE_STEP, sale_cutoff

moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)


@given(moments)
def test_nothing_shown_leaves_within_the_sale_lead_before_the_step_ends(now: datetime) -> None:
    cutoff = sale_cutoff(now)

    assert SALE_LEAD < cutoff - now <= SALE_LEAD + SALE_STEP


@given(moments, st.integers(min_value=0, max_value=int(SALE_STEP.total_seconds())))
def test_the_cut_off_moves_only_at_step_boundaries(now: datetime, later_s: int) -> None:
    later = now + timedelta(seconds=later_s)
    step_start = sale_cutoff(now) - SALE_LEAD - SALE_STEP

    assert (sale_cutoff(later) == sale_cutoff(now)) == (later < step_start + SALE_STEP)
