"""Racing for seats, seat numbers, payments and events: the database decides, nothing is
sold twice (PostgreSQL, and SQLite where the embedded default must hold too)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from test_contract_flight_inventory import CURRENCIES, EUR

from adapters.clocks import ManualClock
from adapters.identity.mailers import InMemoryMailer
from adapters.persistence.engine import create_engine
from adapters.persistence.migrate import upgrade
from adapters.persistence.sql_flights import SqlFlights
from adapters.persistence.sql_unit_of_work import SqlUnitOfWorkFactory
from entrypoints.bootstrap import BookingParts, build_bookings, build_inventory, build_pricing
from entrypoints.settings import Settings
from funflights_core.booking import SeatChoice
from funflights_core.bookings import HoldRequest, PayRequest
from funflights_core.errors import Conflict, InvalidInput
from funflights_core.flight import Cabin, CabinClass, Fare, Flight, Leg, flight_id
from funflights_core.idempotency import KeyInUse, fingerprint
from funflights_core.mailer import Email
from funflights_core.money import Money
from funflights_core.outbox import EventKind, OutboxEvent
from funflights_core.outbox_delivery import OutboxDelivery
from funflights_core.passengers import Passengers
from funflights_core.payment_method import PaymentMethod, PaymentRequest, PaymentResult
from funflights_core.price_quotes import Buyer
from funflights_core.seat_map import seat_maps
from funflights_core.traveller import Traveller
from funflights_core.unit_of_work import UnitOfWorkFactory
from postgres_schema import postgres_schema

POSTGRES_URL = os.environ.get("FUNFLIGHTS_TEST_DATABASE_URL")
NOW = datetime(2026, 5, 1, 9, tzinfo=UTC)
DAY = date(2026, 6, 1)
CARD = {"number": "4242424242424242", "expiry": "12/30", "cvc": "123", "holder": "A L"}
ADA = Traveller("Ada", "Lovelace", date(1985, 12, 10))


def a_flight(seats: int) -> Flight:
    departs = datetime(DAY.year, DAY.month, DAY.day, 10, tzinfo=UTC)
    return Flight(
        id=flight_id("BA", "117", "LHR", DAY),
        marketing_carrier="BA",
        flight_number="117",
        operating_carrier="BA",
        aircraft="320",
        legs=(Leg("LHR", "JFK", departs, departs + timedelta(hours=8)),),
        cabins=(Cabin(CabinClass.ECONOMY, 150, seats),),
        fares=(Fare("p1", CabinClass.ECONOMY, Money.of("400", EUR), Money.of(80, EUR)),),
    )


class CountingMethods:
    """The sandbox methods, counting authorisations (what would charge a card)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.authorized = 0
        self.refunded = 0

    def get(self, name: str) -> PaymentMethod:
        method = self._inner.get(name)
        counter = self

        class Counted:
            name = method.name

            async def authorize(self, request: PaymentRequest) -> PaymentResult:
                counter.authorized += 1
                return await method.authorize(request)

            async def refund(self, provider_ref: str, amount: Money, *, reference: str) -> Any:
                counter.refunded += 1
                return await method.refund(provider_ref, amount, reference=reference)

            def __getattr__(self, attribute: str) -> Any:
                return getattr(method, attribute)

        return Counted()  # type: ignore[return-value]

    def names(self) -> tuple[str, ...]:
        return tuple(self._inner.names())


@attrs.define
class Shop:
    database: SqlUnitOfWorkFactory
    parts: BookingParts
    buyer: Buyer
    flight: Flight
    methods: CountingMethods
    clock: ManualClock

    def customer(self, n: int) -> Buyer:
        return attrs.evolve(self.buyer, customer_id=f"customer-{n}")

    async def offer(self, buyer: Buyer) -> str:
        made = await self.parts.bookings._offers.create(
            buyer, [self.flight.id], cabin=CabinClass.ECONOMY, passengers=Passengers(1)
        )
        return made.id


async def open_shop(database: SqlUnitOfWorkFactory, seats: int) -> Shop:
    clock = ManualClock(NOW)
    settings = Settings(fx_sources="fixed", fx_fixed_rates="EUR USD=1.08")
    pricing = build_pricing(settings, database=database, clock=clock, http_client=None)
    flights = SqlFlights(database.engine, CURRENCIES)
    flight = a_flight(seats)
    await flights.upsert([flight])
    inventory = build_inventory(flights, pricing, database=database, clock=clock)
    parts = build_bookings(
        Settings(payments_secret="race-secret-" * 4),
        database=database,
        inventory=inventory,
        pricing=pricing,
        clock=clock,
        mailer=InMemoryMailer(),
    )
    methods = CountingMethods(parts.payments)
    parts.bookings._payments = methods  # type: ignore[assignment]
    async with database.platform() as platform:
        tenant = await platform.tenants.get("default")
    assert tenant is not None
    return Shop(database, parts, Buyer(tenant, "customer-0"), flight, methods, clock)


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    if request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'races.db'}")
        await upgrade(engine)
        yield SqlUnitOfWorkFactory(engine)
        await engine.dispose()
        return
    if POSTGRES_URL is None:
        pytest.skip("FUNFLIGHTS_TEST_DATABASE_URL is not set")
    async with postgres_schema(POSTGRES_URL) as factory:
        yield factory


async def _outcomes(tasks: list[Any]) -> list[Any]:
    return await asyncio.gather(*tasks, return_exceptions=True)


async def test_200_clients_racing_for_50_seats_hold_exactly_50(
    database: SqlUnitOfWorkFactory,
) -> None:
    shop = await open_shop(database, seats=50)
    buyers = [shop.customer(n) for n in range(200)]
    offers = [await shop.offer(buyer) for buyer in buyers]

    results = await _outcomes(
        [
            shop.parts.bookings.hold(buyer, HoldRequest(offer, (ADA,)))
            for buyer, offer in zip(buyers, offers, strict=True)
        ]
    )

    held = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(held) == 50
    assert all(isinstance(r, Conflict) for r in refused), {type(r) for r in refused}
    stored = await SqlFlights(database.engine, CURRENCIES).flight(shop.flight.id)
    assert stored is not None
    assert stored.seats_left(CabinClass.ECONOMY) == 0


async def test_racing_for_one_seat_number_exactly_one_wins(
    database: SqlUnitOfWorkFactory,
) -> None:
    shop = await open_shop(database, seats=100)
    buyers = [shop.customer(n) for n in range(50)]
    offers = [await shop.offer(buyer) for buyer in buyers]
    seat = seat_maps(shop.flight)[0].rows[5].seats[0].designator
    choice = (SeatChoice(0, shop.flight.id, seat),)

    results = await _outcomes(
        [
            shop.parts.bookings.hold(buyer, HoldRequest(offer, (ADA,), seats=choice))
            for buyer, offer in zip(buyers, offers, strict=True)
        ]
    )

    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException))
    # The losers' seats went back with their rollback.
    stored = await SqlFlights(database.engine, CURRENCIES).flight(shop.flight.id)
    assert stored is not None
    assert stored.seats_left(CabinClass.ECONOMY) == 99


async def test_50_concurrent_replays_of_one_key_charge_once(
    database: SqlUnitOfWorkFactory,
) -> None:
    shop = await open_shop(database, seats=10)
    booking = await shop.parts.bookings.hold(
        shop.buyer, HoldRequest(await shop.offer(shop.buyer), (ADA,))
    )
    keys = shop.parts.idempotency
    body = b'{"method":"card"}'
    print_ = fingerprint("POST", f"/api/v1/bookings/{booking.id}/payment", body)

    async def request() -> str:
        # What entrypoints.http.idempotency does for each request.
        try:
            first = await keys.claim("default", "pay-1", "user:customer-0", print_)
        except KeyInUse:
            return "retry"
        if first is not None:
            return "replayed"
        paid = await shop.parts.bookings.pay(shop.buyer, booking.id, PayRequest("card", CARD))
        await keys.answer("default", "pay-1", "user:customer-0", 200, paid.id.encode())
        return "paid"

    results = await _outcomes([request() for _ in range(50)])

    assert results.count("paid") == 1
    assert set(results) <= {"paid", "replayed", "retry"}
    assert shop.methods.authorized == 1


async def test_concurrent_payments_of_one_booking_charge_once_even_without_a_key(
    database: SqlUnitOfWorkFactory,
) -> None:
    shop = await open_shop(database, seats=10)
    booking = await shop.parts.bookings.hold(
        shop.buyer, HoldRequest(await shop.offer(shop.buyer), (ADA,))
    )

    results = await _outcomes(
        [
            shop.parts.bookings.pay(shop.buyer, booking.id, PayRequest("card", CARD))
            for _ in range(20)
        ]
    )

    confirmed = [r for r in results if not isinstance(r, BaseException)]
    assert len(confirmed) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException))
    assert shop.methods.authorized == 1


async def test_concurrent_continuations_of_a_3ds_payment_confirm_once_refund_nothing(
    database: SqlUnitOfWorkFactory,
) -> None:
    shop = await open_shop(database, seats=10)
    booking = await shop.parts.bookings.hold(
        shop.buyer, HoldRequest(await shop.offer(shop.buyer), (ADA,))
    )
    challenge = {**CARD, "number": "4000000000003220"}
    await shop.parts.bookings.pay(shop.buyer, booking.id, PayRequest("card", challenge))

    results = await _outcomes(
        [shop.parts.bookings.resume(shop.buyer, booking.id, {"result": "pass"}) for _ in range(10)]
    )

    confirmed = [r for r in results if not isinstance(r, BaseException)]
    assert confirmed, results
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException))
    assert shop.methods.refunded == 0  # the payment that confirmed it is never given back
    stored = await shop.parts.bookings.get(shop.buyer, booking.id)
    assert stored.status.value == "confirmed"
    assert stored.refunds == ()


class RecordingMailer:
    """Keeps every message id it sent; can be told to die after some sends."""

    def __init__(self, die_after: int | None = None) -> None:
        self.sent: list[str] = []
        self._die_after = die_after

    async def send(self, email: Email) -> None:
        if self._die_after is not None and len(self.sent) >= self._die_after:
            raise asyncio.CancelledError  # the process is killed mid-delivery
        await asyncio.sleep(0)
        self.sent.append(str(email.message_id))


async def _events(database: UnitOfWorkFactory, count: int) -> set[str]:
    ids = set()
    async with database.for_tenant("default") as uow:
        for n in range(count):
            event_id = f"event-{n:03d}"
            payload: Mapping[str, str] = {"email": f"c{n}@example.com", "record_locator": "X"}
            await uow.outbox.add(
                OutboxEvent(event_id, "default", EventKind.BOOKING_CONFIRMED, "b", payload, NOW)
            )
            ids.add(event_id)
        await uow.commit()
    return ids


async def test_workers_side_by_side_deliver_each_event_once(
    database: SqlUnitOfWorkFactory,
) -> None:
    ids = await _events(database, 120)
    clock = ManualClock(NOW)
    mailers = [RecordingMailer() for _ in range(4)]
    workers = [
        OutboxDelivery(database=database, mailer=mailer, clock=clock, batch=7) for mailer in mailers
    ]

    async def drain(worker: OutboxDelivery) -> None:
        while (await worker.deliver_due()).handled:
            pass

    await asyncio.gather(*(drain(worker) for worker in workers))

    sent = [message for mailer in mailers for message in mailer.sent]
    assert sorted(sent) == sorted(ids)  # every event, none twice
    assert sum(1 for mailer in mailers if mailer.sent) > 1  # the work was shared


async def test_a_worker_killed_mid_delivery_loses_no_event(
    database: SqlUnitOfWorkFactory,
) -> None:
    ids = await _events(database, 10)
    clock = ManualClock(NOW)
    dying = RecordingMailer(die_after=3)
    with pytest.raises(asyncio.CancelledError):
        await OutboxDelivery(database=database, mailer=dying, clock=clock).deliver_due()
    survivor = RecordingMailer()
    after = OutboxDelivery(database=database, mailer=survivor, clock=clock)
    assert (await after.deliver_due()).handled == 0  # the dead worker's lease holds the rest

    clock.advance(3 * 60)  # its lease runs out
    while (await after.deliver_due()).handled:
        pass

    assert set(dying.sent) | set(survivor.sent) == ids
    async with database.platform() as platform:
        assert await platform.outbox_queue.counts() == {"delivered": 10}


async def test_20_concurrent_redemptions_never_overdraw_the_points(
    database: SqlUnitOfWorkFactory,
) -> None:
    shop = await open_shop(database, seats=10)
    loyalty = shop.parts.bookings._loyalty
    spend = Money.of("500", CURRENCIES.currency("USD"))
    async with database.for_tenant("default") as uow:  # 500 points
        await loyalty.earn_in(uow, shop.buyer.tenant, "customer-0", spend, "earlier-trip")
        await uow.commit()

    async def redeem(n: int) -> Any:
        async with database.for_tenant("default") as uow:
            entry = await loyalty.redeem_in(uow, "customer-0", 100, f"booking-{n}")
            await uow.commit()
            return entry

    results = await _outcomes([redeem(n) for n in range(20)])

    assert sum(1 for r in results if not isinstance(r, BaseException)) == 5
    assert all(isinstance(r, InvalidInput) for r in results if isinstance(r, BaseException))
    async with database.for_tenant("default") as uow:
        assert sum(e.points for e in await uow.loyalty.entries("customer-0")) == 0
