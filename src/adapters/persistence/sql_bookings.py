"""Bookings, seats, the outbox and idempotency keys in SQL.

Seat counts change with one conditional UPDATE each (``... WHERE seats_available >= n``),
and seat numbers are rows keyed by (flight, seat): the database, not this code, decides
who gets the last seat. A booking is replaced only at the version it was read at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

import attrs
import msgspec
from sqlalchemy import Table, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.booking_document import booking_of, booking_text
from adapters.persistence.rows import (
    AuditRow,
    BookingRow,
    FlightCabinRow,
    IdempotencyKeyRow,
    InventoryVersionRow,
    OutboxRow,
    SeatAssignmentRow,
)
from adapters.persistence.sql_audit import AUDIT_FIELDS, SqlAuditLog
from adapters.persistence.sql_margin_rules import changed
from adapters.persistence.statements import dialect_of, inserted, run
from funflights_core.audit import AuditEntry
from funflights_core.booking import Booking
from funflights_core.booking_status import HOLDING
from funflights_core.errors import Conflict
from funflights_core.flight import CabinClass
from funflights_core.idempotency import IdempotencyRecord
from funflights_core.money import CurrencyCatalogue
from funflights_core.outbox import EventKind, EventState, OutboxEvent

_HOLDING = [status.value for status in HOLDING]
# Core tables, not the ORM entities: an ORM-enabled UPDATE coerced every value through the
# mapped attributes, ~9% of a booking's server time.
_BOOKINGS = cast(Table, BookingRow.__table__)
_CABINS = cast(Table, FlightCabinRow.__table__)
_SEATS = cast(Table, SeatAssignmentRow.__table__)
_OUTBOX = cast(Table, OutboxRow.__table__)
_KEYS = cast(Table, IdempotencyKeyRow.__table__)
_VERSION = cast(Table, InventoryVersionRow.__table__)


# The statements of every hold, payment and replay, built once (see statements.py).
_ADD_BOOKING = insert(_BOOKINGS)
_GET_BOOKING = select(_BOOKINGS).where(
    _BOOKINGS.c.tenant_id == bindparam("w_tenant"), _BOOKINGS.c.id == bindparam("w_id")
)
_GET_BOOKING_LOCKED = _GET_BOOKING.with_for_update()
_REPLACE_BOOKING = (
    update(_BOOKINGS)
    .where(
        _BOOKINGS.c.tenant_id == bindparam("w_tenant"),
        _BOOKINGS.c.id == bindparam("w_id"),
        _BOOKINGS.c.version == bindparam("w_version"),
    )
    .values(version=_BOOKINGS.c.version + 1)
)
# With its audit record: on PostgreSQL one statement (a data-modifying WITH) writes both,
# the record only when the booking was written; elsewhere two statements.
_AUDIT = cast(Table, AuditRow.__table__)
_BOOKING_COLUMNS = tuple(
    c.name for c in _BOOKINGS.c if c.name not in ("id", "tenant_id", "version")
)
"""What ``_values`` writes: every column but the key and the version."""


def _with_audit(written: Any) -> Any:
    """An INSERT of the audit record for each row the ``written`` CTE returns."""
    record = select(*[bindparam(f"a_{c}", type_=_AUDIT.c[c].type) for c in AUDIT_FIELDS])
    return insert(_AUDIT).from_select(list(AUDIT_FIELDS), record.select_from(written))


_SET = {c: bindparam(f"v_{c}", type_=_BOOKINGS.c[c].type) for c in _BOOKING_COLUMNS}
_ADD_BOOKING_AUDITED = _with_audit(
    insert(_BOOKINGS)
    .values(
        id=bindparam("v_id", type_=_BOOKINGS.c.id.type),
        tenant_id=bindparam("v_tenant_id", type_=_BOOKINGS.c.tenant_id.type),
        version=0,
        **_SET,
    )
    .returning(_BOOKINGS.c.id)
    .cte("added")
).returning(_AUDIT.c.id)
_REPLACE_BOOKING_AUDITED = _with_audit(
    update(_BOOKINGS)
    .where(
        _BOOKINGS.c.tenant_id == bindparam("w_tenant"),
        _BOOKINGS.c.id == bindparam("w_id"),
        _BOOKINGS.c.version == bindparam("w_version"),
    )
    .values(version=_BOOKINGS.c.version + 1, **_SET)
    .returning(_BOOKINGS.c.id)
    .cte("replaced")
).returning(_AUDIT.c.id)
_TAKE_SEATS = (
    update(_CABINS)
    .where(
        _CABINS.c.flight_id == bindparam("w_flight"),
        _CABINS.c.cabin_class == bindparam("w_cabin"),
        _CABINS.c.seats_available >= bindparam("w_count"),
    )
    .values(seats_available=_CABINS.c.seats_available - bindparam("w_count"))
    .returning(_CABINS.c.seats_available)
)
_ADD_EVENT = insert(_OUTBOX)
_KEY = and_(
    _KEYS.c.tenant_id == bindparam("w_tenant"),
    _KEYS.c.owner == bindparam("w_owner"),
    _KEYS.c.key == bindparam("w_key"),
)
_GET_KEY = select(_KEYS).where(_KEY)
_RELEASE_KEY = delete(_KEYS).where(_KEY, _KEYS.c.status.is_(None))
_CLAIMED_AT = _KEYS.c.created_at == bindparam("w_claimed_at", type_=_KEYS.c.created_at.type)
"""The claim as it was made: one taken over since (by a later request) does not match."""
_TAKE_OVER_KEY = update(_KEYS).where(_KEY, _KEYS.c.status.is_(None), _CLAIMED_AT)
_RELEASE_CLAIM = delete(_KEYS).where(_KEY, _KEYS.c.status.is_(None), _CLAIMED_AT)
_DELIVERED = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("w_id"))
    .values(state=EventState.DELIVERED.value, last_error=None)
)
"""Every event delivered (one a booking at least) is marked with it."""
_ANSWER_KEY = update(_KEYS).where(_KEY)
_ANSWER_CLAIM = update(_KEYS).where(_KEY, _CLAIMED_AT)


def _audit_params(audit: AuditEntry) -> dict[str, Any]:
    return {f"a_{c}": getattr(audit, c) for c in AUDIT_FIELDS}


def _values(booking: Booking) -> dict[str, Any]:
    return {
        "customer_id": booking.customer_id,
        "status": booking.status.value,
        "record_locator": booking.record_locator,
        "departs_at": booking.departs_at,
        "hold_expires_at": booking.hold_expires_at,
        "refund_pending": booking.refunds_pending,
        "document": booking_text(booking),
    }


class SqlBookingRepository:
    """BookingRepository over an SQLAlchemy session, scoped to one tenant."""

    def __init__(
        self, session: AsyncSession, tenant_id: str, currencies: CurrencyCatalogue
    ) -> None:
        self._session = session
        self._tenant_id = tenant_id
        self._currencies = currencies

    async def add(self, booking: Booking, audit: AuditEntry | None = None) -> None:
        """Store a new booking (and its audit record); ``Conflict`` if its record locator
        is taken."""
        if booking.tenant_id != self._tenant_id:
            raise ValueError("a booking can only be stored in its own tenant")
        if audit is not None and audit.tenant_id != self._tenant_id:
            raise ValueError("an audit entry can only be added to its own tenant")
        # No savepoint: a refused insert ends the unit of work anyway (a savepoint per write
        # was two more round trips on every hold).
        try:
            if audit is not None and self._postgres:
                new: dict[str, Any] = {"v_id": booking.id, "v_tenant_id": booking.tenant_id}
                new |= {f"v_{k}": v for k, v in _values(booking).items()}
                await run(self._session, _ADD_BOOKING_AUDITED, new | _audit_params(audit))
                return
            values: dict[str, Any] = {"id": booking.id, "tenant_id": booking.tenant_id}
            await run(self._session, _ADD_BOOKING, values | {"version": 0} | _values(booking))
        except IntegrityError:
            raise Conflict(f"booking {booking.id} or its record locator exists") from None
        if audit is not None:
            await SqlAuditLog(self._session, self._tenant_id).add(audit)

    @property
    def _postgres(self) -> bool:
        return dialect_of(self._session) == "postgresql"

    async def get(self, booking_id: str, *, for_update: bool = False) -> Booking | None:
        """The booking with this id, in this tenant (``for_update``: locked until the end)."""
        query = _GET_BOOKING_LOCKED if for_update else _GET_BOOKING
        found = await run(self._session, query, {"w_tenant": self._tenant_id, "w_id": booking_id})
        row = found.one_or_none()
        return None if row is None else self._booking(row)

    async def by_locator(self, locator: str) -> Booking | None:
        """The booking with this record locator, in this tenant."""
        row = (
            await self._session.execute(
                select(_BOOKINGS).where(
                    _BOOKINGS.c.tenant_id == self._tenant_id,
                    _BOOKINGS.c.record_locator == locator.strip().upper(),
                )
            )
        ).one_or_none()
        return None if row is None else self._booking(row)

    async def replace(self, booking: Booking, audit: AuditEntry | None = None) -> bool:
        """Store a changed booking read at ``booking.version`` (and its audit record, kept
        only if the booking is); False if it moved since."""
        if audit is not None and audit.tenant_id != self._tenant_id:
            raise ValueError("an audit entry can only be added to its own tenant")
        where: dict[str, Any] = {
            "w_tenant": self._tenant_id,
            "w_id": booking.id,
            "w_version": booking.version,
        }
        try:
            if audit is not None and self._postgres:
                values = where | {f"v_{k}": v for k, v in _values(booking).items()}
                written = await run(
                    self._session, _REPLACE_BOOKING_AUDITED, values | _audit_params(audit)
                )
                return written.first() is not None
            result = await run(self._session, _REPLACE_BOOKING, where | _values(booking))
        except IntegrityError:
            raise Conflict("that record locator is taken; try again") from None
        if changed(result) != 1:
            return False
        if audit is not None:
            await SqlAuditLog(self._session, self._tenant_id).add(audit)
        return True

    async def for_customer(
        self, customer_id: str, *, upcoming: bool, now: datetime, limit: int
    ) -> Sequence[Booking]:
        """A customer's trips from ``now`` on (soonest first), or before (latest first)."""
        bookings = _BOOKINGS.c
        query = select(_BOOKINGS).where(
            bookings.tenant_id == self._tenant_id, bookings.customer_id == customer_id
        )
        if upcoming:
            query = query.where(bookings.departs_at >= now).order_by(bookings.departs_at)
        else:
            query = query.where(bookings.departs_at < now).order_by(bookings.departs_at.desc())
        rows = (await self._session.execute(query.limit(limit))).all()
        return [self._booking(row) for row in rows]

    def _booking(self, row: Any) -> Booking:
        return booking_of(
            row.document,
            self._currencies,
            id=row.id,
            tenant_id=row.tenant_id,
            customer_id=row.customer_id,
            departs_at=row.departs_at,
            hold_expires_at=row.hold_expires_at,
            record_locator=row.record_locator,
            version=row.version,
        )


class SqlSeatLedger:
    """SeatLedger over the flight cabins and seat assignments, in the session's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def take(self, flight_id: str, cabin: CabinClass, count: int) -> int | None:
        """Take ``count`` seats if that many are left: the seats left after, else None."""
        if count < 0:
            raise ValueError("take a positive number of seats")
        result = await run(
            self._session,
            _TAKE_SEATS,
            {"w_flight": flight_id, "w_cabin": cabin.value, "w_count": count},
        )
        left = result.scalar_one_or_none()
        return None if left is None else int(left)

    async def give_back(self, flight_id: str, cabin: CabinClass, count: int) -> int:
        """Return seats taken before (never above the capacity): the seats left."""
        result = await self._session.execute(
            update(_CABINS)
            .where(_CABINS.c.flight_id == flight_id, _CABINS.c.cabin_class == cabin.value)
            .values(
                seats_available=func.min(_CABINS.c.seats_available + count, _CABINS.c.capacity)
                if dialect_of(self._session) == "sqlite"
                else func.least(_CABINS.c.seats_available + count, _CABINS.c.capacity)
            )
            .returning(_CABINS.c.seats_available)
            .execution_options(synchronize_session=False)
        )
        left = result.scalar_one_or_none()
        return 0 if left is None else int(left)

    async def assign(self, flight_id: str, seat: str, booking_id: str) -> bool:
        """Give a seat number to a booking; False if another booking has it."""
        values = {"flight_id": flight_id, "seat": seat, "booking_id": booking_id}
        return await inserted(self._session, _SEATS, values)

    async def unassign(self, flight_id: str, seat: str, booking_id: str) -> None:
        """Free a seat number the booking had."""
        await self._session.execute(
            delete(_SEATS).where(
                _SEATS.c.flight_id == flight_id,
                _SEATS.c.seat == seat,
                _SEATS.c.booking_id == booking_id,
            )
        )

    async def taken(self, flight_id: str) -> frozenset[str]:
        """The seat numbers assigned on a flight."""
        rows = await self._session.scalars(
            select(_SEATS.c.seat).where(_SEATS.c.flight_id == flight_id)
        )
        return frozenset(rows)

    async def seats_changed(self) -> None:
        """Move the inventory version: searches showing seats compute their pages again."""
        await self._session.execute(
            update(_VERSION).where(_VERSION.c.id == 1).values(version=_VERSION.c.version + 1)
        )


def _payload(event: OutboxEvent) -> str:
    return msgspec.json.encode(dict(event.payload)).decode()


def _event(row: OutboxRow) -> OutboxEvent:
    return OutboxEvent(
        id=row.id,
        tenant_id=row.tenant_id,
        kind=EventKind(row.kind),
        subject_id=row.subject_id,
        payload=msgspec.json.decode(row.payload, type=dict[str, str]),
        created_at=row.created_at,
        state=EventState(row.state),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
    )


class SqlOutbox:
    """Outbox of one tenant, written in the session's transaction."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self._session = session
        self._tenant_id = tenant_id

    async def add(self, event: OutboxEvent) -> None:
        """Store an event to deliver."""
        if event.tenant_id != self._tenant_id:
            raise ValueError("an event can only be stored in its own tenant")
        await run(
            self._session,
            _ADD_EVENT,
            {
                "id": event.id,
                "tenant_id": event.tenant_id,
                "kind": event.kind.value,
                "subject_id": event.subject_id,
                "payload": _payload(event),
                "created_at": event.created_at,
                "state": event.state.value,
                "attempts": event.attempts,
                "next_attempt_at": event.next_attempt_at or event.created_at,
            },
        )

    async def for_subject(self, subject_id: str) -> Sequence[OutboxEvent]:
        """The events about one booking, oldest first."""
        rows = await self._session.scalars(
            select(OutboxRow)
            .where(OutboxRow.tenant_id == self._tenant_id, OutboxRow.subject_id == subject_id)
            .order_by(OutboxRow.seq)
        )
        return [_event(row) for row in rows]


class SqlOutboxQueue:
    """OutboxQueue over every tenant's events; leases with ``FOR UPDATE SKIP LOCKED``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lease(
        self, now: datetime, *, limit: int, lease_for: timedelta
    ) -> Sequence[OutboxEvent]:
        """Up to ``limit`` due events, leased until ``now + lease_for`` (an attempt each)."""
        due = (
            select(OutboxRow)
            .where(OutboxRow.state == EventState.PENDING.value, OutboxRow.next_attempt_at <= now)
            .order_by(OutboxRow.next_attempt_at, OutboxRow.seq)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list((await self._session.execute(due)).scalars())
        if not rows:
            return []
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.seq.in_([row.seq for row in rows]))
            .values(next_attempt_at=now + lease_for, attempts=OutboxRow.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        # The rows were read before the update: count the attempt this lease makes.
        return [
            attrs.evolve(_event(row), attempts=row.attempts + 1, next_attempt_at=now + lease_for)
            for row in rows
        ]

    async def delivered(self, event_id: str, at: datetime) -> None:
        """Mark an event delivered."""
        await run(self._session, _DELIVERED, {"w_id": event_id, "delivered_at": at})

    async def failed(self, event_id: str, error: str, *, retry_at: datetime | None) -> None:
        """Record a failed delivery: try again at ``retry_at``, or never (dead) when None."""
        values: dict[str, Any] = {"last_error": error[:2000]}
        if retry_at is None:
            values["state"] = EventState.DEAD.value
        else:
            values["next_attempt_at"] = retry_at
        await self._session.execute(
            update(OutboxRow).where(OutboxRow.id == event_id).values(**values)
        )

    async def counts(self) -> Mapping[str, int]:
        """How many events are in each state."""
        rows = await self._session.execute(
            select(OutboxRow.state, func.count()).group_by(OutboxRow.state)
        )
        return {state: int(count) for state, count in rows.all()}


class SqlLapsedHolds:
    """LapsedHolds over every tenant's bookings."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def due(self, now: datetime, limit: int) -> Sequence[tuple[str, str]]:
        """Up to ``limit`` (tenant, booking) holding seats past their expiry, oldest first."""
        rows = await self._session.execute(
            select(BookingRow.tenant_id, BookingRow.id)
            .where(BookingRow.status.in_(_HOLDING), BookingRow.hold_expires_at <= now)
            .order_by(BookingRow.hold_expires_at)
            .limit(limit)
        )
        return [(tenant, booking) for tenant, booking in rows.all()]

    async def refunds_due(self, limit: int) -> Sequence[tuple[str, str]]:
        """Up to ``limit`` (tenant, booking) owing refunds the provider has not given."""
        rows = await self._session.execute(
            select(_BOOKINGS.c.tenant_id, _BOOKINGS.c.id)
            .where(_BOOKINGS.c.refund_pending.is_(True))
            .order_by(_BOOKINGS.c.id)
            .limit(limit)
        )
        return [(tenant, booking) for tenant, booking in rows.all()]

    async def tenant_of(self, booking_id: str) -> str | None:
        """The tenant a booking belongs to."""
        found = await self._session.scalar(
            select(BookingRow.tenant_id).where(BookingRow.id == booking_id)
        )
        return None if found is None else str(found)


class SqlIdempotencyKeys:
    """IdempotencyKeys of one tenant; the primary key decides which request is first."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self._session = session
        self._tenant_id = tenant_id

    async def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        """Store a new claim (None), or return the record the caller stored before."""
        values = {
            "tenant_id": self._tenant_id,
            "owner": record.owner,
            "key": record.key,
            "fingerprint": record.fingerprint,
            "created_at": record.created_at,
            "status": record.status,
            "body": record.body,
        }
        if await inserted(self._session, _KEYS, values):
            return None
        found = await run(self._session, _GET_KEY, self._is(record.key, record.owner))
        row = found.one_or_none()
        if row is None:  # released meanwhile: the caller may claim it again
            return await self.claim(record)
        return IdempotencyRecord(
            row.key, row.owner, row.fingerprint, row.created_at, row.status, row.body
        )

    def _is(self, key: str, owner: str) -> dict[str, str]:
        return {"w_tenant": self._tenant_id, "w_owner": owner, "w_key": key}

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
        values = self._is(key, owner) | {"status": status, "body": body}
        if claimed_at is None:
            return changed(await run(self._session, _ANSWER_KEY, values)) == 1
        values["w_claimed_at"] = claimed_at
        return changed(await run(self._session, _ANSWER_CLAIM, values)) == 1

    async def take_over(self, record: IdempotencyRecord, claimed_at: datetime) -> bool:
        """Claim anew a key unanswered since ``claimed_at``: whether this caller got it."""
        values = self._is(record.key, record.owner) | {
            "w_claimed_at": claimed_at,
            "fingerprint": record.fingerprint,
            "created_at": record.created_at,
        }
        return changed(await run(self._session, _TAKE_OVER_KEY, values)) == 1

    async def release(self, key: str, owner: str, *, claimed_at: datetime | None = None) -> None:
        """Drop an unanswered claim (``claimed_at``: only the claim made then)."""
        if claimed_at is None:
            await run(self._session, _RELEASE_KEY, self._is(key, owner))
            return
        values = self._is(key, owner) | {"w_claimed_at": claimed_at}
        await run(self._session, _RELEASE_CLAIM, values)

    async def forget_before(self, moment: datetime) -> int:
        """Drop keys claimed before ``moment``; how many."""
        result = await self._session.execute(
            delete(_KEYS).where(_KEYS.c.tenant_id == self._tenant_id, _KEYS.c.created_at < moment)
        )
        return changed(result)
