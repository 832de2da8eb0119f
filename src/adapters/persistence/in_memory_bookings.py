"""The in-memory fakes of bookings, seats, the outbox and idempotency keys.

They work on the unit of work's private copy of the tables (``in_memory._Tables``), so a
change is seen by others only once committed, as in SQL. Seat counts start from the
inventory's flight the first time a booking touches a cabin; the fake inventory itself is
not changed (searches over the fake do not see holds).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from funflights_core.audit import AuditEntry
from funflights_core.booking import Booking
from funflights_core.booking_status import HOLDING
from funflights_core.errors import Conflict
from funflights_core.flight import CabinClass
from funflights_core.flight_inventory import FlightInventory
from funflights_core.idempotency import IdempotencyRecord
from funflights_core.outbox import EventState, OutboxEvent

if TYPE_CHECKING:
    from adapters.persistence.in_memory import _Tables


class InMemoryBookingRepository:
    """BookingRepository over a working copy, scoped to one tenant."""

    def __init__(self, tables: _Tables, tenant_id: str) -> None:
        self._tables = tables
        self._tenant_id = tenant_id

    async def add(self, booking: Booking, audit: AuditEntry | None = None) -> None:
        """Store a new booking (and its audit record); ``Conflict`` if it or its record
        locator exists."""
        if booking.tenant_id != self._tenant_id:
            raise ValueError("a booking can only be stored in its own tenant")
        if booking.id in self._tables.bookings or self._locator_taken(booking):
            raise Conflict(f"booking {booking.id} or its record locator exists")
        self._tables.bookings[booking.id] = attrs.evolve(booking, version=0)
        await self._audited(audit)

    async def _audited(self, audit: AuditEntry | None) -> None:
        if audit is not None:
            # Imported here: in_memory imports this module.
            from adapters.persistence.in_memory import InMemoryAuditLog

            await InMemoryAuditLog(self._tables, self._tenant_id).add(audit)

    def _locator_taken(self, booking: Booking) -> bool:
        return booking.record_locator is not None and any(
            other.record_locator == booking.record_locator
            and other.tenant_id == booking.tenant_id
            and other.id != booking.id
            for other in self._tables.bookings.values()
        )

    async def get(self, booking_id: str, *, for_update: bool = False) -> Booking | None:
        """The booking with this id, in this tenant."""
        booking = self._tables.bookings.get(booking_id)
        return booking if booking is not None and booking.tenant_id == self._tenant_id else None

    async def by_locator(self, locator: str) -> Booking | None:
        """The booking with this record locator, in this tenant."""
        wanted = locator.strip().upper()
        for booking in self._tables.bookings.values():
            if booking.tenant_id == self._tenant_id and booking.record_locator == wanted:
                return booking
        return None

    async def replace(self, booking: Booking, audit: AuditEntry | None = None) -> bool:
        """Store a changed booking read at ``booking.version`` (and its audit record);
        False if it moved since."""
        stored = await self.get(booking.id)
        if stored is None or stored.version != booking.version:
            return False
        if self._locator_taken(booking):
            raise Conflict("that record locator is taken; try again")
        self._tables.bookings[booking.id] = attrs.evolve(booking, version=booking.version + 1)
        await self._audited(audit)
        return True

    async def for_customer(
        self, customer_id: str, *, upcoming: bool, now: datetime, limit: int
    ) -> Sequence[Booking]:
        """A customer's trips from ``now`` on (soonest first), or before (latest first)."""
        mine = [
            b
            for b in self._tables.bookings.values()
            if b.tenant_id == self._tenant_id
            and b.customer_id == customer_id
            and (b.departs_at >= now) == upcoming
        ]
        mine.sort(key=lambda b: b.departs_at, reverse=not upcoming)
        return mine[:limit]


class InMemorySeatLedger:
    """SeatLedger over a working copy; a cabin's count starts from the inventory's flight."""

    def __init__(self, tables: _Tables, inventory: FlightInventory | None) -> None:
        self._tables = tables
        self._inventory = inventory

    async def _left(self, flight_id: str, cabin: CabinClass) -> tuple[int, int] | None:
        """(seats left, capacity), or None without such a cabin."""
        if self._inventory is None:
            raise RuntimeError("give InMemoryDatabase the inventory whose seats it sells")
        flight = await self._inventory.flight(flight_id)
        found = None if flight is None else flight.cabin(cabin)
        if found is None:
            return None
        left = self._tables.seats_left.get((flight_id, cabin.value), found.seats_available)
        return left, found.capacity

    async def take(self, flight_id: str, cabin: CabinClass, count: int) -> int | None:
        """Take ``count`` seats if that many are left: the seats left after, else None."""
        known = await self._left(flight_id, cabin)
        if known is None or known[0] < count:
            return None
        self._tables.seats_left[(flight_id, cabin.value)] = known[0] - count
        return known[0] - count

    async def give_back(self, flight_id: str, cabin: CabinClass, count: int) -> int:
        """Return seats taken before (never above the capacity): the seats left."""
        known = await self._left(flight_id, cabin)
        if known is None:
            return 0
        left = min(known[0] + count, known[1])
        self._tables.seats_left[(flight_id, cabin.value)] = left
        return left

    async def assign(self, flight_id: str, seat: str, booking_id: str) -> bool:
        """Give a seat number to a booking; False if another booking has it."""
        holder = self._tables.assignments.get((flight_id, seat))
        if holder is not None:
            return False
        self._tables.assignments[(flight_id, seat)] = booking_id
        return True

    async def unassign(self, flight_id: str, seat: str, booking_id: str) -> None:
        """Free a seat number the booking had."""
        if self._tables.assignments.get((flight_id, seat)) == booking_id:
            del self._tables.assignments[(flight_id, seat)]

    async def taken(self, flight_id: str) -> frozenset[str]:
        """The seat numbers assigned on a flight."""
        return frozenset(seat for (flight, seat) in self._tables.assignments if flight == flight_id)

    async def seats_changed(self) -> None:
        """Count a move of the inventory version."""
        self._tables.inventory_bumps["seats"] = self._tables.inventory_bumps.get("seats", 0) + 1


class InMemoryOutbox:
    """Outbox of one tenant over a working copy."""

    def __init__(self, tables: _Tables, tenant_id: str) -> None:
        self._tables = tables
        self._tenant_id = tenant_id

    async def add(self, event: OutboxEvent) -> None:
        """Store an event to deliver."""
        if event.tenant_id != self._tenant_id:
            raise ValueError("an event can only be stored in its own tenant")
        due = event.next_attempt_at or event.created_at
        self._tables.outbox[event.id] = attrs.evolve(event, next_attempt_at=due)

    async def for_subject(self, subject_id: str) -> Sequence[OutboxEvent]:
        """The events about one booking, oldest first."""
        return [
            e
            for e in self._tables.outbox.values()
            if e.tenant_id == self._tenant_id and e.subject_id == subject_id
        ]


class InMemoryOutboxQueue:
    """OutboxQueue over a working copy (one process: leasing needs no lock)."""

    def __init__(self, tables: _Tables) -> None:
        self._tables = tables

    async def lease(
        self, now: datetime, *, limit: int, lease_for: timedelta
    ) -> Sequence[OutboxEvent]:
        """Up to ``limit`` due events, leased until ``now + lease_for`` (an attempt each)."""
        due = [
            e
            for e in self._tables.outbox.values()
            if e.state is EventState.PENDING
            and e.next_attempt_at is not None
            and e.next_attempt_at <= now
        ]
        due.sort(key=lambda e: e.next_attempt_at or now)
        leased = []
        for event in due[:limit]:
            taken = attrs.evolve(
                event, attempts=event.attempts + 1, next_attempt_at=now + lease_for
            )
            self._tables.outbox[event.id] = taken
            leased.append(taken)
        return leased

    async def delivered(self, event_id: str, at: datetime) -> None:
        """Mark an event delivered."""
        event = self._tables.outbox[event_id]
        self._tables.outbox[event_id] = attrs.evolve(
            event, state=EventState.DELIVERED, last_error=None
        )

    async def failed(self, event_id: str, error: str, *, retry_at: datetime | None) -> None:
        """Record a failed delivery: try again at ``retry_at``, or never (dead) when None."""
        event = self._tables.outbox[event_id]
        if retry_at is None:
            changed = attrs.evolve(event, state=EventState.DEAD, last_error=error[:2000])
        else:
            changed = attrs.evolve(event, next_attempt_at=retry_at, last_error=error[:2000])
        self._tables.outbox[event_id] = changed

    async def counts(self) -> Mapping[str, int]:
        """How many events are in each state."""
        counted: dict[str, int] = {}
        for event in self._tables.outbox.values():
            counted[event.state.value] = counted.get(event.state.value, 0) + 1
        return counted


class InMemoryLapsedHolds:
    """LapsedHolds over a working copy."""

    def __init__(self, tables: _Tables) -> None:
        self._tables = tables

    async def due(self, now: datetime, limit: int) -> Sequence[tuple[str, str]]:
        """Up to ``limit`` (tenant, booking) holding seats past their expiry, oldest first."""
        due = [
            b
            for b in self._tables.bookings.values()
            if b.status in HOLDING and b.hold_expires_at <= now
        ]
        due.sort(key=lambda b: b.hold_expires_at)
        return [(b.tenant_id, b.id) for b in due[:limit]]

    async def refunds_due(self, limit: int) -> Sequence[tuple[str, str]]:
        """Up to ``limit`` (tenant, booking) owing refunds the provider has not given."""
        due = sorted(b.id for b in self._tables.bookings.values() if b.refunds_pending)
        return [(self._tables.bookings[b].tenant_id, b) for b in due[:limit]]

    async def tenant_of(self, booking_id: str) -> str | None:
        """The tenant a booking belongs to."""
        booking = self._tables.bookings.get(booking_id)
        return None if booking is None else booking.tenant_id


class InMemoryIdempotencyKeys:
    """IdempotencyKeys of one tenant over a working copy."""

    def __init__(self, tables: _Tables, tenant_id: str) -> None:
        self._tables = tables
        self._tenant_id = tenant_id

    async def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        """Store a new claim (None), or return the record the caller stored before."""
        key = (self._tenant_id, record.owner, record.key)
        existing = self._tables.idempotency.get(key)
        if existing is not None:
            return existing
        self._tables.idempotency[key] = record
        return None

    async def answer(
        self,
        key: str,
        owner: str,
        status: int,
        body: bytes,
        *,
        claimed_at: datetime | None = None,
    ) -> bool:
        """Keep the response of the claimed key's first request: whether it was kept."""
        found = (self._tenant_id, owner, key)
        record = self._tables.idempotency.get(found)
        if record is None or claimed_at not in (None, record.created_at):
            return False
        self._tables.idempotency[found] = attrs.evolve(record, status=status, body=body)
        return True

    async def take_over(self, record: IdempotencyRecord, claimed_at: datetime) -> bool:
        """Claim anew a key unanswered since ``claimed_at``: whether this caller got it."""
        found = (self._tenant_id, record.owner, record.key)
        stale = self._tables.idempotency.get(found)
        if stale is None or stale.answered or stale.created_at != claimed_at:
            return False
        self._tables.idempotency[found] = record
        return True

    async def release(self, key: str, owner: str, *, claimed_at: datetime | None = None) -> None:
        """Drop an unanswered claim (``claimed_at``: only the claim made then)."""
        found = (self._tenant_id, owner, key)
        record = self._tables.idempotency.get(found)
        if record is None or claimed_at not in (None, record.created_at):
            return
        if not record.answered:
            del self._tables.idempotency[found]

    async def forget_before(self, moment: datetime) -> int:
        """Drop keys claimed before ``moment``; how many."""
        old = [
            key
            for key, record in self._tables.idempotency.items()
            if key[0] == self._tenant_id and record.created_at < moment
        ]
        for key in old:
            del self._tables.idempotency[key]
        return len(old)
