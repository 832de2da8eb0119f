"""A poll that keeps failing is logged once with its traceback, then once a minute."""

from __future__ import annotations

import logging

import pytest

from entrypoints.http.repeated_failures import RepeatedFailures


def test_failures_are_logged_first_then_summed_up_then_the_recovery(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    failures = RepeatedFailures("polling", logging.getLogger("polls"), clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="polls"):
        for _ in range(240):  # a minute of failures every 0.25 s, and a bit more
            try:
                raise OSError("unable to open database file")
            except OSError:
                failures.failed()
            now[0] += 0.26
        failures.succeeded()
        failures.succeeded()  # nothing more to say
        try:
            raise OSError("down again")
        except OSError:
            failures.failed()

    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "polling failed",
        "polling still failing: 231 more failures in 60 s",
        "polling works again after 62 s",
        "polling failed",
    ]
    assert caplog.records[0].exc_info is not None  # the first one carries its traceback
    assert caplog.records[-1].exc_info is not None
    assert caplog.records[1].exc_info is None
