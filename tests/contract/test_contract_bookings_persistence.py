"""Bookings, seats, outbox and idempotency keys: one contract, run on the fake, SQLite and
PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from test_contract_flight_inventory import CURRENCIES, EUR, a_flight

from adapters.inventory.in_memory_inventory import InMemoryInventory
from adapters.persistence.engine import create_engine
from adapters.persistence.in_memory import InMemoryDatabase, default_tenant
from adapters.persistence.migrate import upgrade
from adapters.persistence.sql_flights import SqlFlights
from adapters.persistence.sql_unit_of_work import SqlUnitOfWorkFactory
from funflights_core.audit import AuditEntry
from funflights_core.booking import (
    BagChoice,
    Booking,
    BookingPrice,
    CancellationQuote,
    Payment,
    Refund,
    SeatChoice,
    Ticket,
)
from funflights_core.booking_status import BookingLifecycle, BookingStatus
from funflights_core.errors import Conflict
from funflights_core.flight import CabinClass
from funflights_core.flight_store import Inventory
from funflights_core.idempotency import IdempotencyRecord
from funflights_core.money import Money
from funflights_core.outbox import EventKind, EventState, OutboxEvent
from funflights_core.payment_method import NextAction, PaymentState
from funflights_core.traveller import DocumentKind, TravelDocument, Traveller
from funflights_core.unit_of_work import UnitOfWorkFactory
from postgres_schema import postgres_schema

POSTGRES_URL = os.environ.get("FUNFLIGHTS_TEST_DATABASE_URL")
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
USD = CURRENCIES.currency("USD")
FLIGHT = a_flight()  # economy: 200 seats, 150 left; business: 40, 12 left


def a_booking(booking_id: str = "b-1", *, departs_in: float = 10, customer: str = "u-1") -> Booking:
    lifecycle = BookingLifecycle.begun(NOW, "customer:u-1", "held from an offer")
    return Booking(
        id=booking_id,
        tenant_id="default",
        customer_id=customer,
        offer_id="offer-1",
        flight_ids=(FLIGHT.id,),
        cabin=CabinClass.ECONOMY,
        travellers=(
            Traveller(
                "Zoë Ann",
                "O'Brien-Åberg",
                date(1990, 2, 3),
                TravelDocument(DocumentKind.PASSPORT, "X1234567", "IE", date(2030, 1, 1)),
            ),
            Traveller("李", "小龙", date(2025, 1, 1)),
        ),
        price=BookingPrice(
            fares=Money.of("812.333", EUR),
            extras=Money.of("40", EUR),
            discount=Money.of("10", EUR),
            bag_fee=Money.of("40", EUR),
            coupons=("SUMMER",),
            points=500,
            points_value=Money.of("4.61", EUR),
        ),
        departs_at=NOW + timedelta(days=departs_in),
        hold_expires_at=NOW + timedelta(minutes=15),
        lifecycle=lifecycle,
        seats=(SeatChoice(0, FLIGHT.id, "12A"),),
        bags=(BagChoice(0, FLIGHT.id, 1),),
    )


def a_paid_booking() -> Booking:
    booking = a_booking()
    return booking.moved(
        BookingStatus.AWAITING_PAYMENT,
        at=NOW + timedelta(minutes=1),
        actor="customer:u-1",
        reason="payment by card",
        payment=Payment(
            "card",
            "ref-1",
            PaymentState.ACTION_REQUIRED,
            Money.of("900.15", USD),
            Decimal("1.0842"),
            "VISA •••• 3220",
            NextAction("three_d_secure", None, {"challenge": "c-1"}),
        ),
        record_locator="ABC234",
        tickets=(Ticket(0, FLIGHT.id, "9991234567890"),),
        refunds=(
            Refund(
                "r-1", Money.of("100", USD), "rf-1", (1,), NOW + timedelta(hours=1), "cancelled"
            ),
            Refund("r-2", Money.of("5.5", USD), "rf-2", (), NOW, "date change", "ref-2"),
        ),
        top_ups=(
            Payment("paypal", "ref-2", PaymentState.CAPTURED, Money.of("20", USD), Decimal(1)),
        ),
        cancelled=frozenset({1}),
        quote=CancellationQuote(
            "q-1", (0,), Money.of("50.5", USD), "card", NOW, NOW + timedelta(minutes=15)
        ),
    )


class BookingsPersistenceContract:
    """What every store of bookings, seats, events and keys does."""

    @pytest.fixture
    async def database(self) -> AsyncIterator[UnitOfWorkFactory]:
        raise NotImplementedError
        yield  # noqa: PT022 - subclasses' fixtures clean up

    async def test_a_booking_round_trips_exactly(self, database: UnitOfWorkFactory) -> None:
        for booking in (a_booking(), attrs.evolve(a_paid_booking(), id="b-2")):
            async with database.for_tenant("default") as uow:
                await uow.bookings.add(booking)
                await uow.commit()
            async with database.for_tenant("default") as uow:
                assert await uow.bookings.get(booking.id) == booking
                assert await uow.bookings.get(booking.id, for_update=True) == booking
        async with database.for_tenant("default") as uow:
            assert await uow.bookings.by_locator(" abc234 ") == attrs.evolve(
                a_paid_booking(), id="b-2"
            )

    async def test_a_stale_copy_cannot_overwrite_a_newer_one(
        self, database: UnitOfWorkFactory
    ) -> None:
        async with database.for_tenant("default") as uow:
            await uow.bookings.add(a_booking())
            await uow.commit()
        paid = a_paid_booking()
        async with database.for_tenant("default") as uow:
            assert await uow.bookings.replace(paid)
            assert not await uow.bookings.replace(paid)  # read at version 0, now 1
            await uow.commit()
        async with database.for_tenant("default") as uow:
            stored = await uow.bookings.get("b-1")
        assert stored == attrs.evolve(paid, version=1)

    async def test_a_booking_and_its_audit_record_are_written_together(
        self, database: UnitOfWorkFactory
    ) -> None:
        def record(n: int, action: str) -> AuditEntry:
            return AuditEntry(
                f"a-{n}", "default", "booking", "b-1", action, "customer:u-1", NOW, None, "{}"
            )

        paid = a_paid_booking()
        async with database.for_tenant("default") as uow:
            await uow.bookings.add(a_booking(), record(1, "create"))
            assert await uow.bookings.replace(paid, record(2, "update"))
            assert not await uow.bookings.replace(paid, record(3, "update"))  # stale: no record
            await uow.commit()
        async with database.for_tenant("default") as uow:
            kept = [e.id for e in await uow.audit.for_subject("booking", "b-1")]
            with pytest.raises(ValueError, match="tenant"):
                await uow.bookings.add(
                    attrs.evolve(a_booking(), id="b-9"),
                    attrs.evolve(record(4, "create"), tenant_id="acme"),
                )
        assert kept == ["a-1", "a-2"]

    async def test_record_locators_are_unique_in_a_tenant(
        self, database: UnitOfWorkFactory
    ) -> None:
        async with database.for_tenant("default") as uow:
            await uow.bookings.add(attrs.evolve(a_booking(), record_locator="ABC234"))
            await uow.commit()
        async with database.for_tenant("default") as uow:
            with pytest.raises(Conflict):
                await uow.bookings.add(attrs.evolve(a_booking("b-2"), record_locator="ABC234"))

    async def test_another_tenant_sees_no_booking(self, database: UnitOfWorkFactory) -> None:
        async with database.for_tenant("default") as uow:
            await uow.bookings.add(a_booking())
            await uow.commit()
        async with database.for_tenant("other") as uow:
            assert await uow.bookings.get("b-1") is None

    async def test_trips_are_upcoming_soonest_first_or_past_latest_first(
        self, database: UnitOfWorkFactory
    ) -> None:
        async with database.for_tenant("default") as uow:
            for n, days in enumerate((5, -3, 2, -1, 9)):
                await uow.bookings.add(a_booking(f"b-{n}", departs_in=days))
            await uow.bookings.add(a_booking("someone-else", customer="u-2"))
            await uow.commit()
        async with database.for_tenant("default") as uow:
            coming = await uow.bookings.for_customer("u-1", upcoming=True, now=NOW, limit=2)
            past = await uow.bookings.for_customer("u-1", upcoming=False, now=NOW, limit=10)
        assert [b.id for b in coming] == ["b-2", "b-0"]
        assert [b.id for b in past] == ["b-3", "b-1"]

    async def test_seats_are_taken_only_while_enough_are_left(
        self, database: UnitOfWorkFactory
    ) -> None:
        async with database.for_tenant("default") as uow:
            assert await uow.seats.take(FLIGHT.id, CabinClass.ECONOMY, 130) == 20
            assert await uow.seats.take(FLIGHT.id, CabinClass.ECONOMY, 21) is None
            assert await uow.seats.take(FLIGHT.id, CabinClass.ECONOMY, 20) == 0
            assert await uow.seats.take("no-such-flight", CabinClass.ECONOMY, 1) is None
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.seats.give_back(FLIGHT.id, CabinClass.ECONOMY, 5) == 5
            # Never above the capacity, whatever is given back.
            assert await uow.seats.give_back(FLIGHT.id, CabinClass.ECONOMY, 500) == 200
            await uow.rollback()
            assert await uow.seats.take(FLIGHT.id, CabinClass.ECONOMY, 1) is None

    async def test_a_rolled_back_hold_takes_nothing(self, database: UnitOfWorkFactory) -> None:
        async with database.for_tenant("default") as uow:
            assert await uow.seats.take(FLIGHT.id, CabinClass.BUSINESS, 12) == 0
        async with database.for_tenant("default") as uow:
            assert await uow.seats.take(FLIGHT.id, CabinClass.BUSINESS, 12) == 0

    async def test_a_seat_number_goes_to_one_booking(self, database: UnitOfWorkFactory) -> None:
        async with database.for_tenant("default") as uow:
            assert await uow.seats.assign(FLIGHT.id, "12A", "b-1")
            assert not await uow.seats.assign(FLIGHT.id, "12A", "b-2")
            assert await uow.seats.assign(FLIGHT.id, "12B", "b-2")
            await uow.commit()
        async with database.for_tenant("other") as uow:
            assert not await uow.seats.assign(FLIGHT.id, "12A", "b-3")  # seats are shared
            assert await uow.seats.taken(FLIGHT.id) == {"12A", "12B"}
            await uow.seats.unassign(FLIGHT.id, "12A", "b-3")  # not its seat: nothing
            await uow.seats.unassign(FLIGHT.id, "12A", "b-1")
            assert await uow.seats.taken(FLIGHT.id) == {"12B"}
            await uow.seats.seats_changed()
            await uow.commit()

    async def test_outbox_events_are_leased_delivered_retried_and_dead_lettered(
        self, database: UnitOfWorkFactory
    ) -> None:
        async with database.for_tenant("default") as uow:
            for n in range(3):
                await uow.outbox.add(
                    OutboxEvent(
                        f"e-{n}",
                        "default",
                        EventKind.BOOKING_CONFIRMED,
                        "b-1",
                        {"email": "a@example.com", "n": str(n)},
                        NOW + timedelta(seconds=n),
                    )
                )
            await uow.commit()
        async with database.for_tenant("default") as uow:
            await uow.outbox.add(
                OutboxEvent("e-x", "default", EventKind.HOLD_EXPIRED, "b-1", {}, NOW)
            )  # never committed
        lease = timedelta(minutes=1)
        async with database.platform() as platform:
            first = await platform.outbox_queue.lease(
                NOW + timedelta(seconds=5), limit=2, lease_for=lease
            )
            await platform.commit()
        assert [(e.id, e.attempts, e.payload["n"]) for e in first] == [
            ("e-0", 1, "0"),
            ("e-1", 1, "1"),
        ]
        later = NOW + timedelta(seconds=10)
        async with database.platform() as platform:
            second = await platform.outbox_queue.lease(later, limit=10, lease_for=lease)
            await platform.outbox_queue.delivered("e-2", later)
            await platform.outbox_queue.failed("e-0", "mail server down", retry_at=later)
            await platform.outbox_queue.failed("e-1", "550 no such user", retry_at=None)
            await platform.commit()
        assert [e.id for e in second] == ["e-2"]  # the others are leased
        async with database.platform() as platform:
            third = await platform.outbox_queue.lease(later, limit=10, lease_for=lease)
            counts = await platform.outbox_queue.counts()
            await platform.commit()
        assert [(e.id, e.attempts) for e in third] == [("e-0", 2)]
        assert counts == {"pending": 1, "delivered": 1, "dead": 1}
        async with database.for_tenant("default") as uow:
            events = await uow.outbox.for_subject("b-1")
        assert [(e.id, e.state, e.last_error) for e in events] == [
            ("e-0", EventState.PENDING, "mail server down"),
            ("e-1", EventState.DEAD, "550 no such user"),
            ("e-2", EventState.DELIVERED, None),
        ]

    async def test_lapsed_holds_are_found_across_tenants(self, database: UnitOfWorkFactory) -> None:
        async with database.for_tenant("default") as uow:
            await uow.bookings.add(a_booking("b-1"))
            await uow.bookings.add(
                attrs.evolve(a_booking("b-2"), hold_expires_at=NOW + timedelta(minutes=5))
            )
            await uow.bookings.add(attrs.evolve(a_booking("b-3"), hold_expires_at=NOW))
            paid = a_booking("b-4").moved(
                BookingStatus.CONFIRMED, at=NOW, actor="customer:u-1", reason="paid"
            )
            await uow.bookings.add(attrs.evolve(paid, hold_expires_at=NOW))  # not holding
            await uow.commit()
        async with database.platform() as platform:
            assert await platform.lapsed_holds.due(NOW + timedelta(minutes=10), 10) == [
                ("default", "b-3"),
                ("default", "b-2"),
            ]
            assert await platform.lapsed_holds.due(NOW + timedelta(minutes=10), 1) == [
                ("default", "b-3")
            ]
            assert await platform.lapsed_holds.tenant_of("b-1") == "default"
            assert await platform.lapsed_holds.tenant_of("nope") is None

    async def test_an_idempotency_key_is_claimed_once(self, database: UnitOfWorkFactory) -> None:
        record = IdempotencyRecord("key-1", "customer:u-1", "f" * 64, NOW)
        async with database.for_tenant("default") as uow:
            assert await uow.idempotency.claim(record) is None
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.idempotency.claim(record) == record
            assert await uow.idempotency.claim(attrs.evolve(record, owner="customer:u-2")) is None
            await uow.idempotency.answer("key-1", "customer:u-1", 201, b'{"id":"b-1"}')
            await uow.commit()
        async with database.for_tenant("default") as uow:
            stored = await uow.idempotency.claim(record)
            assert stored == attrs.evolve(record, status=201, body=b'{"id":"b-1"}')
            await uow.idempotency.release("key-1", "customer:u-1")  # answered: kept
            await uow.idempotency.release("key-1", "customer:u-2")  # unanswered: dropped
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.idempotency.claim(attrs.evolve(record, owner="customer:u-2")) is None
            assert await uow.idempotency.forget_before(NOW + timedelta(seconds=1)) == 2
            await uow.commit()

    async def test_an_abandoned_claim_is_taken_over_by_one_caller(
        self, database: UnitOfWorkFactory
    ) -> None:
        first = IdempotencyRecord("key-3", "customer:u-1", "f" * 64, NOW)
        later = attrs.evolve(first, created_at=NOW + timedelta(minutes=6))
        answered = IdempotencyRecord("key-4", "customer:u-1", "f" * 64, NOW)
        async with database.for_tenant("default") as uow:
            await uow.idempotency.claim(first)
            await uow.idempotency.claim(answered)
            await uow.idempotency.answer("key-4", "customer:u-1", 201, b"{}")
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.idempotency.take_over(later, NOW)
            assert not await uow.idempotency.take_over(later, NOW)  # no longer as it was read
            assert not await uow.idempotency.take_over(attrs.evolve(answered, key="key-9"), NOW)
            # an answered key stays answered
            assert not await uow.idempotency.take_over(attrs.evolve(later, key="key-4"), NOW)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.idempotency.claim(first) == later
            stored = await uow.idempotency.claim(answered)
            # The request that claimed at NOW no longer answers nor releases the key.
            assert not await uow.idempotency.answer(
                "key-3", "customer:u-1", 201, b"{}", claimed_at=NOW
            )
            await uow.idempotency.release("key-3", "customer:u-1", claimed_at=NOW)
            assert await uow.idempotency.claim(first) == later
            kept = await uow.idempotency.answer(
                "key-3", "customer:u-1", 200, b"[]", claimed_at=later.created_at
            )
            assert kept
            await uow.commit()
        assert stored is not None
        assert stored.status == 201
        async with database.for_tenant("default") as uow:
            taken = await uow.idempotency.claim(first)
        assert taken == attrs.evolve(later, status=200, body=b"[]")

    async def test_work_of_one_statement_is_kept_and_seen_at_once(
        self, database: UnitOfWorkFactory
    ) -> None:
        record = IdempotencyRecord("key-2", "customer:u-1", "f" * 64, NOW)
        async with database.for_tenant("default", one_statement=True) as uow:
            assert await uow.idempotency.claim(record) is None
            await uow.commit()
        async with database.for_tenant("default", one_statement=True) as uow:
            await uow.idempotency.answer("key-2", "customer:u-1", 200, b"{}")
            await uow.commit()
        async with database.for_tenant("default") as uow:
            found = await uow.idempotency.claim(record)
        assert found == attrs.evolve(record, status=200, body=b"{}")
        async with database.for_tenant("default", one_statement=True) as uow:
            booking = await uow.bookings.get("no-such-booking")
        assert booking is None


async def _flights_in(inventory: Inventory) -> None:
    await inventory.upsert([FLIGHT])


class TestInMemoryBookings(BookingsPersistenceContract):
    @pytest.fixture
    async def database(self) -> UnitOfWorkFactory:  # type: ignore[override]
        inventory = InMemoryInventory([FLIGHT])
        database = InMemoryDatabase(inventory)
        await _other_tenant(database)
        return database


async def _other_tenant(database: UnitOfWorkFactory) -> None:
    async with database.platform() as platform:
        await platform.tenants.add(
            attrs.evolve(default_tenant(), id="other", domains=("other.example",))
        )
        await platform.commit()


class TestSqliteBookings(BookingsPersistenceContract):
    @pytest.fixture
    async def database(self, tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        await upgrade(engine)
        await _flights_in(SqlFlights(engine, CURRENCIES))
        database = SqlUnitOfWorkFactory(engine)
        await _other_tenant(database)
        yield database
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(POSTGRES_URL is None, reason="FUNFLIGHTS_TEST_DATABASE_URL is not set")
class TestPostgresBookings(BookingsPersistenceContract):
    @pytest.fixture
    async def database(self) -> AsyncIterator[UnitOfWorkFactory]:
        assert POSTGRES_URL is not None
        async with postgres_schema(POSTGRES_URL) as database:
            await _flights_in(SqlFlights(database.engine, CURRENCIES))
            await _other_tenant(database)
            yield database
