"""Use case: deliver the outbox's due events, retrying with backoff, dead-lettering at last."""

from __future__ import annotations

import logging
from datetime import timedelta

import attrs

from funflights_core.clock import Clock
from funflights_core.mailer import DeliveryFailed, Mailer
from funflights_core.outbox import OutboxEvent, retry_delay
from funflights_core.trip_messages import trip_message
from funflights_core.unit_of_work import UnitOfWorkFactory

LEASE = timedelta(minutes=2)
"""How long a worker may take to deliver a batch before another may take it over."""

_log = logging.getLogger(__name__)


@attrs.frozen
class DeliveryRound:
    """What one pass over the outbox did."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0

    @property
    def handled(self) -> int:
        """Events this pass took."""
        return self.delivered + self.retried + self.dead


class OutboxDelivery:
    """Takes due events (a lease each, so several workers share the work) and sends them."""

    def __init__(
        self,
        *,
        database: UnitOfWorkFactory,
        mailer: Mailer,
        clock: Clock,
        batch: int = 50,
        lease_for: timedelta = LEASE,
    ) -> None:
        self._database = database
        self._mailer = mailer
        self._clock = clock
        self._batch = batch
        self._lease_for = lease_for

    async def deliver_due(self) -> DeliveryRound:
        """Deliver what is due now, once each; failures wait their backoff."""
        async with self._database.platform() as platform:
            events = await platform.outbox_queue.lease(
                self._clock.now(), limit=self._batch, lease_for=self._lease_for
            )
            await platform.commit()
        outcome = DeliveryRound()
        for event in events:
            outcome = await self._deliver(event, outcome)
        return outcome

    async def _deliver(self, event: OutboxEvent, outcome: DeliveryRound) -> DeliveryRound:
        email = trip_message(event)
        error: str | None = None
        permanent = False
        if email is None:
            if event.payload.get("channel") != "reseller":
                error, permanent = "no email address to send to", True
            # else: a reseller's booking; the reseller reads it over the API, nobody is mailed.
        else:
            try:
                await self._mailer.send(email)
            except DeliveryFailed as exc:
                error, permanent = str(exc), exc.permanent
            except Exception as exc:  # an adapter's own failure: retried like any other
                error = f"{type(exc).__name__}: {exc}"
        now = self._clock.now()
        async with self._database.platform() as platform:
            if error is None:
                await platform.outbox_queue.delivered(event.id, now)
                outcome = attrs.evolve(outcome, delivered=outcome.delivered + 1)
            else:
                delay = None if permanent else retry_delay(event.attempts)
                retry_at = None if delay is None else now + delay
                await platform.outbox_queue.failed(event.id, error, retry_at=retry_at)
                _log.warning(
                    "event %s (%s) not delivered, attempt %d: %s; %s",
                    event.id,
                    event.kind,
                    event.attempts,
                    error,
                    "dead-lettered" if retry_at is None else f"retry at {retry_at.isoformat()}",
                )
                if retry_at is None:
                    outcome = attrs.evolve(outcome, dead=outcome.dead + 1)
                else:
                    outcome = attrs.evolve(outcome, retried=outcome.retried + 1)
            await platform.commit()
        return outcome
