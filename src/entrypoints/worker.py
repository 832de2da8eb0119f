"""The background worker: releases lapsed holds and delivers the outbox, pass after pass.

Several workers may run at once (on PostgreSQL they lease different events with
``FOR UPDATE SKIP LOCKED``); a worker killed mid-delivery leaves its lease to run out and
another delivers those events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import attrs

from entrypoints.bootstrap import BookingParts

_log = logging.getLogger(__name__)


@attrs.frozen
class WorkerPass:
    """What one pass did."""

    released: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    refunded: int = 0
    """Bookings whose owed refunds the provider gave at last."""

    @property
    def busy(self) -> bool:
        """Whether there was anything to do (then the next pass starts at once)."""
        return bool(self.released or self.delivered or self.retried or self.dead or self.refunded)


HOUSEKEEPING_S = 3600.0
"""How often a worker drops idempotency keys past their 24 hours."""


async def one_pass(parts: BookingParts) -> WorkerPass:
    """Release what lapsed, then deliver what is due."""
    released = await parts.bookings.expire_due()
    settled = await parts.bookings.settle_due()
    delivery = await parts.delivery.deliver_due()
    return WorkerPass(released, delivery.delivered, delivery.retried, delivery.dead, settled)


async def housekeeping(parts: BookingParts) -> int:
    """Drop what is kept for a while only: idempotency keys older than a day, offers expired
    more than a day ago. How many rows went."""
    return await parts.idempotency.forget_expired() + await parts.offers.forget_expired()


async def run_worker(
    parts: BookingParts,
    *,
    interval_s: float,
    stop: asyncio.Event,
    once: bool = False,
    report: Callable[[WorkerPass], None] | None = None,
) -> None:
    """Pass after pass until ``stop`` is set (or once); waits ``interval_s`` when idle."""
    tidied_at: float | None = None
    while not stop.is_set():
        now = time.monotonic()
        if tidied_at is None or now - tidied_at >= HOUSEKEEPING_S:
            tidied_at = now
            try:
                await housekeeping(parts)
            except Exception:
                _log.exception("worker housekeeping failed")
        try:
            done = await one_pass(parts)
        except Exception:
            # A database restart or a bad row must not end the worker: try again later.
            _log.exception("worker pass failed")
            done = WorkerPass()
        if report is not None and done.busy:
            report(done)
        if once:
            return
        if not done.busy:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_s)
