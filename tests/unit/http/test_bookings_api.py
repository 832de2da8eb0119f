"""Booking over HTTP, as a customer does it: hold an offer, pay, read trips, cancel, refund."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from adapters.clocks import ManualClock
from adapters.identity.mailers import InMemoryMailer
from adapters.money.babel_currencies import BabelCurrencies
from adapters.payments.bitcoin_sandbox import BitcoinSandbox
from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from conftest import FLIGHTS1, fake_container
from entrypoints.bootstrap import BookingParts, InventoryParts, PricingParts
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from funflights_core.access_token import AccessClaims
from funflights_core.api_keys import ApiKeyService
from funflights_core.flight import Cabin, CabinClass, Fare, Flight, Leg, flight_id
from funflights_core.idempotency import KeyInUse, fingerprint
from funflights_core.idempotent_requests import IdempotentRequests
from funflights_core.identity import IdentityService
from funflights_core.money import Currency, Money
from funflights_core.price_quotes import Buyer
from funflights_core.refund_policy import RefundTier
from funflights_core.role import Role
from funflights_core.staff import operator
from funflights_core.tenant_admin import TenantAdmin, TenantFields

EUR = BabelCurrencies().currency("EUR")
NOW = datetime(2026, 5, 1, 9, tzinfo=UTC)
DAY = date(2026, 6, 1)
PASSWORD = "correct horse battery"
Client = TestClient[Litestar]
GOOD_CARD = {"number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123", "holder": "A L"}
ADA = {"given_names": "Ada", "family_name": "Lovelace", "born": "1985-12-10"}
CHARLES = {"given_names": "Charles", "family_name": "Babbage", "born": "1980-12-26"}


def a_flight(number: str, *, seats: int = 100, fare: str = "400", day: date = DAY) -> Flight:
    departs = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    return Flight(
        id=flight_id("BA", number, "LHR", day),
        marketing_carrier="BA",
        flight_number=number,
        operating_carrier="BA",
        aircraft="320",
        legs=(Leg("LHR", "JFK", departs, departs + timedelta(hours=8)),),
        cabins=(Cabin(CabinClass.ECONOMY, 150, seats),),
        fares=(Fare("p1", CabinClass.ECONOMY, Money.of(fare, EUR), Money.of(80, EUR)),),
    )


ROOMY = a_flight("117")
TIGHT = a_flight("119", seats=3)
SOON = a_flight("121", day=date(2026, 5, 4))  # three days out: a half refund


@attrs.define
class World:
    client: Client
    clock: ManualClock
    parts: BookingParts
    inventory: InventoryParts
    mailer: InMemoryMailer
    tokens: dict[str, str]
    buyers: dict[str, Buyer]
    tenant_admin: TenantAdmin
    pricing: PricingParts
    currency_usd: Currency
    api_keys: ApiKeyService

    def headers(self, who: str = "ada", **more: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **more}

    def offer(self, flight: Flight = ROOMY, who: str = "ada", adults: int = 1) -> str:
        made = self.client.post(
            "/api/v1/offers",
            headers=self.headers(who),
            json={"flight_ids": [flight.id], "adults": adults},
        )
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    def hold(self, who: str = "ada", **body: Any) -> Any:
        return self.client.post("/api/v1/bookings", headers=self.headers(who), json=body)

    def held(self, flight: Flight = ROOMY, who: str = "ada", **body: Any) -> Any:
        body.setdefault("travellers", [ADA])
        offer = self.offer(flight, who, adults=len(body["travellers"]))
        response = self.hold(who, offer_id=offer, **body)
        assert response.status_code == 201, response.text
        return response.json()

    def pay(self, booking: Any, who: str = "ada", **body: Any) -> Any:
        body.setdefault("method", "card")
        if body["method"] == "card":
            body.setdefault("details", GOOD_CARD)
        return self.client.post(
            f"/api/v1/bookings/{booking['id']}/payment", headers=self.headers(who), json=body
        )

    def later(self, minutes: int) -> None:
        """Move the clock on, signing in again (access tokens last 15 minutes)."""
        self.clock.advance(minutes * 60)
        for name in self.tokens:
            login = self.client.post(
                "/api/v1/auth/login", json={"email": f"{name}@example.com", "password": PASSWORD}
            )
            self.tokens[name] = login.json()["access_token"]

    def call(self, function: Any, *args: Any) -> Any:
        return self.client.blocking_portal.call(function, *args)


@pytest.fixture
def world() -> Iterator[World]:
    clock = ManualClock(NOW)
    # Demo mode: its simulated Bitcoin network is part of what is tested here.
    container = fake_container(
        {"flights1": InMemoryRouteFeed(FLIGHTS1)}, clock=clock, settings=Settings(demo=True)
    )
    inventory: InventoryParts = container.resolve(InventoryParts)
    identity: IdentityService = container.resolve(IdentityService)
    tenants: TenantAdmin = container.resolve(TenantAdmin)
    with TestClient(create_app(container, refresh_in_background=False)) as client:
        portal = client.blocking_portal
        portal.call(inventory.flights.upsert, [ROOMY, TIGHT, SOON])
        default = portal.call(tenants.get, None, "default")
        tokens = {}
        buyers = {}
        for name in ("ada", "bob"):
            email = f"{name}@example.com"
            user = portal.call(
                lambda e=email: identity.add_user(
                    default, email=e, password=PASSWORD, roles=frozenset({Role.CUSTOMER})
                )
            )
            buyers[name] = Buyer(default, user.id)
            login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            tokens[name] = login.json()["access_token"]
        yield World(
            client,
            clock,
            container.resolve(BookingParts),
            inventory,
            container.resolve(InMemoryMailer),
            tokens,
            buyers,
            tenants,
            container.resolve(PricingParts),
            BabelCurrencies().currency("USD"),
            container.resolve(ApiKeyService),
        )


def test_hold_pay_and_confirm_with_a_seat_and_a_bag(world: World) -> None:
    booking = world.held(
        travellers=[ADA],
        seats=[{"passenger": 0, "flight_id": ROOMY.id, "seat": "12A"}],
        bags=[{"passenger": 0, "flight_id": ROOMY.id, "bags": 1}],
    )
    assert booking["status"] == "held"
    assert booking["hold_expires_at"] == (NOW + timedelta(minutes=15)).isoformat().replace(
        "+00:00", "Z"
    )
    price = booking["price"]
    assert price["bag_fee"] == {"amount": "40.00", "currency": "EUR"}
    fares = Decimal(price["fares"]["amount"])
    assert price["total"] == {"amount": str(fares + 40), "currency": "EUR"}

    paid = world.pay(booking)

    assert paid.status_code == 200, paid.text
    confirmed = paid.json()
    assert confirmed["status"] == "confirmed"
    assert len(confirmed["record_locator"]) == 6
    assert confirmed["tickets"][0]["number"].startswith("999")
    assert confirmed["payment"]["summary"] == "VISA •••• 4242"
    assert confirmed["payment"]["amount"] == price["total"]
    assert [c["after"] for c in confirmed["history"]] == ["held", "awaiting_payment", "confirmed"]
    assert (
        world.client.get(f"/api/v1/bookings/{booking['id']}", headers=world.headers()).json()
        == confirmed
    )
    trips = world.client.get("/api/v1/bookings?when=upcoming", headers=world.headers()).json()
    assert [t["id"] for t in trips] == [booking["id"]]
    assert world.client.get("/api/v1/bookings?when=past", headers=world.headers()).json() == []
    # Someone else's booking does not exist for them.
    assert (
        world.client.get(
            f"/api/v1/bookings/{booking['id']}", headers=world.headers("bob")
        ).status_code
        == 404
    )
    # Points are earned on confirmation.
    loyalty = world.client.get("/api/v1/loyalty/me", headers=world.headers()).json()
    assert loyalty["balance"] > 0

    delivered = world.call(world.parts.delivery.deliver_due)

    assert delivered.delivered == 1
    email = world.mailer.sent[-1]
    assert email.to == "ada@example.com"
    assert confirmed["record_locator"] in email.subject
    again = world.call(world.parts.delivery.deliver_due)
    assert again.handled == 0  # delivered once


def test_a_declined_card_charges_nothing_and_keeps_the_hold(world: World) -> None:
    booking = world.held()
    declined = world.pay(booking, details={**GOOD_CARD, "number": "4000000000000002"})

    assert declined.status_code == 402
    assert declined.headers["content-type"] == "application/problem+json"
    after = world.client.get(f"/api/v1/bookings/{booking['id']}", headers=world.headers()).json()
    assert after["status"] == "held"
    assert after["payment"] is None
    assert world.pay(booking).json()["status"] == "confirmed"


def test_three_d_secure_needs_the_payer_and_can_fail(world: World) -> None:
    booking = world.held()
    started = world.pay(booking, details={**GOOD_CARD, "number": "4000000000003220"})

    assert started.status_code == 202
    assert started.json()["payment"]["next_action"]["kind"] == "three_d_secure"
    url = f"/api/v1/bookings/{booking['id']}/payment/continue"
    failed = world.client.post(url, headers=world.headers(), json={"response": {"result": "fail"}})
    assert failed.status_code == 402
    assert (
        world.pay(booking, details={**GOOD_CARD, "number": "4000000000003220"}).status_code == 202
    )
    passed = world.client.post(url, headers=world.headers(), json={"response": {"result": "pass"}})
    assert passed.status_code == 200, passed.text
    assert passed.json()["status"] == "confirmed"


def test_paying_in_another_currency_records_the_rate(world: World) -> None:
    booking = world.held()
    paid = world.pay(booking, currency="USD").json()

    assert paid["payment"]["amount"]["currency"] == "USD"
    rate = Decimal(paid["payment"]["rate"])
    assert rate == Decimal("1.08")
    total = Decimal(booking["price"]["total"]["amount"])
    assert Decimal(paid["payment"]["amount"]["amount"]) == (total * rate).quantize(Decimal("0.01"))


def test_bad_input_is_a_problem_and_holds_or_charges_nothing(world: World) -> None:
    offer = world.offer()
    cases = [
        ({"offer_id": "nope", "travellers": [ADA]}, 404),
        ({"offer_id": offer, "travellers": [ADA, CHARLES]}, 422),
        ({"offer_id": offer, "travellers": [{**ADA, "born": "2030-01-01"}]}, 422),
        ({"offer_id": offer}, 400),
        ({"offer_id": offer, "travellers": [ADA], "coupons": ["NOSUCH"]}, 422),
        ({"offer_id": offer, "travellers": [ADA], "redeem_points": 100}, 422),
        (
            {
                "offer_id": offer,
                "travellers": [ADA],
                "seats": [{"passenger": 0, "flight_id": ROOMY.id, "seat": "99K"}],
            },
            422,
        ),
        (
            {
                "offer_id": offer,
                "travellers": [ADA],
                "bags": [{"passenger": 3, "flight_id": ROOMY.id, "bags": 1}],
            },
            422,
        ),
    ]
    for body, status in cases:
        response = world.client.post("/api/v1/bookings", headers=world.headers(), json=body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert world.client.get("/api/v1/bookings", headers=world.headers()).json() == []
    anonymous = world.client.post("/api/v1/bookings", json={"offer_id": offer, "travellers": [ADA]})
    assert anonymous.status_code == 401

    booking = world.held()
    for body, status in [
        ({"method": "card", "details": {**GOOD_CARD, "number": "4242424242424241"}}, 422),
        ({"method": "cheque"}, 422),
        ({"method": "card", "details": GOOD_CARD, "currency": "XXX"}, 422),
        ({"method": "card", "details": {"number": "4242424242424242"}}, 422),
    ]:
        response = world.pay(booking, **body)
        assert response.status_code == status, (body, response.text)
    after = world.client.get(f"/api/v1/bookings/{booking['id']}", headers=world.headers()).json()
    assert after["status"] == "held"
    assert after["payment"] is None


def test_a_changed_price_is_shown_before_anything_is_held(world: World) -> None:
    offer = world.offer()
    world.call(world.inventory.flights.upsert, [a_flight("117", fare="450")])

    changed = world.hold(offer_id=offer, travellers=[ADA])

    assert changed.status_code == 409
    problem = changed.json()
    assert problem["type"].endswith("price-changed")
    assert Decimal(problem["new_total"]["amount"]) - Decimal(problem["old_total"]["amount"]) > 0
    assert world.client.get("/api/v1/bookings", headers=world.headers()).json() == []
    assert world.hold(offer_id=offer, travellers=[ADA]).status_code == 201  # at the new price


def test_seats_cannot_be_oversold_nor_a_seat_sold_twice(world: World) -> None:
    world.held(TIGHT, travellers=[ADA, CHARLES])
    offer = world.offer(TIGHT, "bob", adults=2)
    sold_out = world.hold("bob", offer_id=offer, travellers=[ADA, CHARLES])
    assert sold_out.status_code == 409

    seat = [{"passenger": 0, "flight_id": ROOMY.id, "seat": "20C"}]
    world.held(ROOMY, seats=seat)
    taken = world.hold("bob", offer_id=world.offer(ROOMY, "bob"), travellers=[ADA], seats=seat)
    assert taken.status_code == 409
    assert "20C" in taken.json()["detail"]


def test_an_unpaid_hold_expires_and_gives_its_seats_back(world: World) -> None:
    booking = world.held(TIGHT, travellers=[ADA, CHARLES])
    world.later(16)

    read = world.client.get(f"/api/v1/bookings/{booking['id']}", headers=world.headers())

    assert read.json()["status"] == "expired"
    assert world.pay(booking).status_code == 410
    # The seats are back: another party of three gets them.
    third = {"given_names": "Grace", "family_name": "Hopper", "born": "1970-12-09"}
    world.held(TIGHT, "bob", travellers=[ADA, CHARLES, third])
    world.call(world.parts.delivery.deliver_due)
    assert world.mailer.sent[-1].subject == "Your held seats were released"


def test_the_worker_releases_lapsed_holds_without_a_read(world: World) -> None:
    world.held(TIGHT, travellers=[ADA, CHARLES, ADA])
    world.clock.advance(15 * 60)
    assert world.call(world.parts.bookings.expire_due) == 1
    assert world.call(world.parts.bookings.expire_due) == 0


def test_cancelling_all_gives_back_by_the_rules_to_the_card(world: World) -> None:
    booking = world.held()
    world.pay(booking)
    url = f"/api/v1/bookings/{booking['id']}"

    quote = world.client.post(f"{url}/cancellation-quote", headers=world.headers(), json={})

    assert quote.status_code == 201, quote.text
    offered = quote.json()
    assert offered["refund"] == booking["price"]["total"]  # more than 7 days out: all of it
    assert offered["method"] == "card"
    cancelled = world.client.post(
        f"{url}/cancellation", headers=world.headers(), json={"quote_id": offered["id"]}
    )
    assert cancelled.status_code == 200, cancelled.text
    after = cancelled.json()
    assert after["status"] == "refunded"
    assert after["refunds"][0]["amount"] == booking["price"]["total"]
    assert world.client.get("/api/v1/loyalty/me", headers=world.headers()).json()["balance"] == 0
    again = world.client.post(
        f"{url}/cancellation", headers=world.headers(), json={"quote_id": offered["id"]}
    )
    assert again.status_code in (404, 409)


def test_cancelling_one_passenger_close_to_departure_gives_back_half_their_share(
    world: World,
) -> None:
    booking = world.held(SOON, travellers=[ADA, CHARLES])
    world.pay(booking)
    url = f"/api/v1/bookings/{booking['id']}"

    quote = world.client.post(
        f"{url}/cancellation-quote", headers=world.headers(), json={"passengers": [1]}
    ).json()

    total = Decimal(booking["price"]["total"]["amount"])
    assert Decimal(quote["refund"]["amount"]) == (total / 2 / 2).quantize(Decimal("0.01"))
    after = world.client.post(
        f"{url}/cancellation", headers=world.headers(), json={"quote_id": quote["id"]}
    ).json()
    assert after["status"] == "partially_refunded"
    assert [t["cancelled"] for t in after["travellers"]] == [False, True]


def test_an_expired_quote_is_refused(world: World) -> None:
    booking = world.held()
    world.pay(booking)
    url = f"/api/v1/bookings/{booking['id']}"
    quote = world.client.post(f"{url}/cancellation-quote", headers=world.headers(), json={})
    world.later(16)
    late = world.client.post(
        f"{url}/cancellation", headers=world.headers(), json={"quote_id": quote.json()["id"]}
    )
    assert late.status_code == 410


def test_an_idempotency_key_replays_the_first_answer(world: World) -> None:
    offer = world.offer()
    key = {"Idempotency-Key": "hold-1"}
    body = {"offer_id": offer, "travellers": [ADA]}
    first = world.client.post("/api/v1/bookings", headers=world.headers(**key), json=body)
    again = world.client.post("/api/v1/bookings", headers=world.headers(**key), json=body)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = world.client.post(
        "/api/v1/bookings", headers=world.headers(**key), json={**body, "redeem_points": 0}
    )
    assert other.status_code == 422
    assert len(world.client.get("/api/v1/bookings", headers=world.headers()).json()) == 1

    pay_key = {"Idempotency-Key": "pay-1"}
    url = f"/api/v1/bookings/{first.json()['id']}/payment"
    paying = {"method": "card", "details": GOOD_CARD}
    paid = world.client.post(url, headers=world.headers(**pay_key), json=paying)
    replay = world.client.post(url, headers=world.headers(**pay_key), json=paying)
    assert paid.status_code == replay.status_code == 200
    assert replay.json() == paid.json()
    # Keys belong to their caller: Bob's key of the same name is his own.
    assert (
        world.client.post(
            "/api/v1/bookings", headers=world.headers("bob", **key), json=body
        ).status_code
        == 404
    )  # Ada's offer is not Bob's


def test_a_keyed_hold_and_payment_keep_their_answer_with_the_booking(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Were the answer kept after the booking's own transaction, a failure (or a crash) in
    # between would leave the key claimed with no answer: replays would be 409 for a day.
    async def unreachable(*_: Any, **__: Any) -> None:
        raise RuntimeError("the answer must be kept in the booking's transaction")

    monkeypatch.setattr(IdempotentRequests, "answer", unreachable)
    key = {"Idempotency-Key": "hold-atomic"}
    body = {"offer_id": world.offer(), "travellers": [ADA]}
    first = world.client.post("/api/v1/bookings", headers=world.headers(**key), json=body)
    again = world.client.post("/api/v1/bookings", headers=world.headers(**key), json=body)

    assert first.status_code == again.status_code == 201, first.text
    assert again.content == first.content
    url = f"/api/v1/bookings/{first.json()['id']}/payment"
    paying = {"method": "card", "details": {**GOOD_CARD, "number": "4000 0000 0000 3220"}}
    pay_key = {"Idempotency-Key": "pay-atomic"}
    challenged = world.client.post(url, headers=world.headers(**pay_key), json=paying)
    assert challenged.status_code == 202, challenged.text
    replay = world.client.post(url, headers=world.headers(**pay_key), json=paying)
    assert replay.content == challenged.content
    go_on = {"Idempotency-Key": "continue-atomic"}
    done = world.client.post(
        f"{url}/continue", headers=world.headers(**go_on), json={"response": {"result": "pass"}}
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "confirmed"
    replayed = world.client.post(
        f"{url}/continue", headers=world.headers(**go_on), json={"response": {"result": "pass"}}
    )
    assert replayed.content == done.content
    assert replayed.headers["Idempotent-Replayed"] == "true"


def test_a_keyed_cancellation_and_change_keep_their_answer_with_the_booking(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.call(world.inventory.flights.upsert, [CHEAPER])
    booking = world.held(travellers=[ADA, CHARLES])
    world.pay(booking)
    url = f"/api/v1/bookings/{booking['id']}"
    keep = IdempotentRequests.answer
    answers: list[bytes] = []

    async def failing(self: Any, *args: Any, **_: Any) -> None:
        answers.append(args[-1])
        raise RuntimeError("the answer must be kept in the booking's transaction")

    monkeypatch.setattr(IdempotentRequests, "answer", failing)
    cheaper = {"offer_id": world.offer(CHEAPER, adults=2)}
    key = {"Idempotency-Key": "change-atomic"}
    moved = world.client.post(f"{url}/change", headers=world.headers(**key), json=cheaper)
    assert moved.status_code == 200, moved.text
    assert moved.json()["flight_ids"] == [CHEAPER.id]
    again = world.client.post(f"{url}/change", headers=world.headers(**key), json=cheaper)
    assert again.headers["Idempotent-Replayed"] == "true"
    # The difference was refunded after the change's transaction: the answer kept with it
    # shows the refunds asked for; the later one (refunds given) could not be kept.
    assert len(answers) == 1
    assert again.content == moved.content
    assert {r["state"] for r in again.json()["refunds"]} == {"pending"}

    monkeypatch.setattr(IdempotentRequests, "answer", keep)
    quote = world.client.post(f"{url}/cancellation-quote", headers=world.headers(), json={})
    quote_id = {"quote_id": quote.json()["id"]}
    key = {"Idempotency-Key": "cancel-1"}
    done = world.client.post(f"{url}/cancellation", headers=world.headers(**key), json=quote_id)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "refunded"
    replay = world.client.post(f"{url}/cancellation", headers=world.headers(**key), json=quote_id)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.content == done.content  # the later answer (refunds given) replaced it
    assert {r["state"] for r in replay.json()["refunds"]} == {"done"}


def test_a_key_whose_request_died_is_taken_over_by_a_replay_after_five_minutes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = type(world.parts.bookings)
    hold = service.hold

    async def dies(*_: Any, **__: Any) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(service, "hold", dies)
    monkeypatch.setattr(IdempotentRequests, "release", dies)  # nothing left to release it
    key = {"Idempotency-Key": "hold-died"}
    body = {"offer_id": world.offer(), "travellers": [ADA]}
    crashed = world.client.post("/api/v1/bookings", headers=world.headers(**key), json=body)
    assert crashed.status_code == 500
    monkeypatch.setattr(service, "hold", hold)

    in_progress = world.client.post("/api/v1/bookings", headers=world.headers(**key), json=body)
    assert in_progress.status_code == 409  # as far as anyone knows, still at work
    world.later(5)
    retried = world.client.post("/api/v1/bookings", headers=world.headers(**key), json=body)

    assert retried.status_code == 201, retried.text
    replay = world.client.post("/api/v1/bookings", headers=world.headers(**key), json=body)
    assert replay.content == retried.content
    assert len(world.client.get("/api/v1/bookings", headers=world.headers()).json()) == 1


@pytest.mark.parametrize("replay_still_at_work", [True, False])
def test_a_request_whose_key_was_taken_over_keeps_nothing_while_the_other_holds_it(
    world: World, monkeypatch: pytest.MonkeyPatch, replay_still_at_work: bool
) -> None:
    # Request A is slow: after 5 minutes its retry B takes the key over. A must then not
    # answer for B (nor book twice); if B has given the key up, A's answer is kept.
    service = type(world.parts.bookings)
    hold = service.hold
    body = json.dumps({"offer_id": world.offer(), "travellers": [ADA]}).encode()
    print_ = fingerprint("POST", "/api/v1/bookings", body)
    owner = f"user:{world.buyers['ada'].customer_id}"
    keys = world.parts.idempotency

    async def slow(*args: Any, **kwargs: Any) -> Any:
        world.clock.advance(6 * 60)
        assert await keys.claim("default", "slow-1", owner, print_) is None  # B takes over
        if not replay_still_at_work:
            await keys.release("default", "slow-1", owner)  # B failed and let it go
        return await hold(*args, **kwargs)

    monkeypatch.setattr(service, "hold", slow)
    headers = {**world.headers(**{"Idempotency-Key": "slow-1"}), "Content-Type": "application/json"}
    first = world.client.post("/api/v1/bookings", headers=headers, content=body)
    monkeypatch.setattr(service, "hold", hold)
    trips = world.client.get("/api/v1/bookings", headers=world.headers()).json()

    if replay_still_at_work:
        assert first.status_code == 409, first.text
        assert trips == []  # A's hold was rolled back: only B may book with this key
        with pytest.raises(KeyInUse):  # B's claim stands, unanswered
            world.call(keys.claim, "default", "slow-1", owner, print_)
    else:
        assert first.status_code == 201, first.text
        assert [trip["id"] for trip in trips] == [first.json()["id"]]
        replay = world.client.post("/api/v1/bookings", headers=headers, content=body)
        assert replay.headers["Idempotent-Replayed"] == "true"
        assert replay.content == first.content


def test_a_confirmation_the_database_fails_once_is_made_again_not_refunded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    loyalty = world.parts.bookings._loyalty
    earn = loyalty.earn_in
    failures = {"left": 1}

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionResetError("the database went away")  # not a domain error
        return await earn(*args, **kwargs)

    monkeypatch.setattr(loyalty, "earn_in", flaky)
    booking = world.held()
    paid = world.pay(booking)

    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "confirmed"
    assert paid.json()["refunds"] == []
    failures["left"] = 2  # twice: the payment is given back and the seats stay held
    other = world.held()
    failed = world.pay(other)
    assert failed.status_code == 500
    after = world.client.get(f"/api/v1/bookings/{other['id']}", headers=world.headers())
    assert after.json()["status"] == "held"
    assert after.json()["history"][-1]["reason"] == "the payment could not be recorded"


def test_bitcoin_confirms_on_a_signed_callback_once(world: World) -> None:
    booking = world.held()
    started = world.pay(booking, method="bitcoin")

    assert started.status_code == 202, started.text
    invoice = started.json()["payment"]["next_action"]
    assert invoice["kind"] == "pay_invoice"
    btc = Decimal(invoice["data"]["btc_amount"])
    bitcoin = world.parts.payments.get("bitcoin")
    assert isinstance(bitcoin, BitcoinSandbox)
    stored = world.call(world.parts.bookings.get, world.buyers["ada"], booking["id"])
    headers, body = bitcoin.simulated_payment(stored.payment.provider_ref, btc, world.clock.now())
    hook = "/api/v1/payments/webhooks/bitcoin"

    forged = world.client.post(hook, headers=headers, content=body.replace(b"paid", b"PAID"))
    assert forged.status_code == 400
    applied = world.client.post(hook, headers=headers, content=body)
    assert applied.status_code == 200, applied.text
    assert applied.json() == {"result": "confirmed"}
    replayed = world.client.post(hook, headers=headers, content=body)
    assert replayed.json() == {"result": "ignored: already applied"}
    # Another callback about the same payment (a new event id) gives nothing back.
    later = world.clock.now() + timedelta(seconds=1)
    headers, body = bitcoin.simulated_payment(stored.payment.provider_ref, btc, later)
    repeat = world.client.post(hook, headers=headers, content=body)
    assert repeat.json() == {"result": "ignored: already recorded"}
    after = world.client.get(f"/api/v1/bookings/{booking['id']}", headers=world.headers()).json()
    assert after["status"] == "confirmed"


def test_an_underpaid_invoice_is_refunded_and_the_hold_stays(world: World) -> None:
    booking = world.held()
    invoice = world.pay(booking, method="bitcoin").json()["payment"]["next_action"]
    btc = Decimal(invoice["data"]["btc_amount"]) / 2
    bitcoin = world.parts.payments.get("bitcoin")
    assert isinstance(bitcoin, BitcoinSandbox)
    stored = world.call(world.parts.bookings.get, world.buyers["ada"], booking["id"])
    headers, body = bitcoin.simulated_payment(
        stored.payment.provider_ref, btc.quantize(Decimal("0.00000001")), world.clock.now()
    )
    applied = world.client.post("/api/v1/payments/webhooks/bitcoin", headers=headers, content=body)
    assert applied.json() == {"result": "refunded: underpaid"}
    after = world.client.get(f"/api/v1/bookings/{booking['id']}", headers=world.headers()).json()
    assert after["status"] == "held"


def test_a_tenant_sets_its_own_refund_rules(world: World) -> None:
    booking = world.held()
    world.pay(booking)
    admin: TenantAdmin = world.tenant_admin
    rules = [RefundTier(timedelta(days=30), Decimal(80), Decimal(15))]
    tenant = world.call(lambda: admin.update(None, "default", TenantFields(refund_tiers=rules)))
    bookings = world.parts.bookings
    # Serving processes read a changed tenant within 30 s; the service is asked directly.
    customer = attrs.evolve(world.buyers["ada"], tenant=tenant)

    quote = world.call(bookings.quote_cancellation, customer, booking["id"])

    paid = Decimal(booking["price"]["total"]["amount"])
    assert quote.refund.amount == (paid * Decimal("0.8") - 15).quantize(Decimal("0.01"))
    default = world.call(lambda: admin.update(None, "default", TenantFields(refund_tiers=[])))
    assert default.refund_policy is None
    again = world.call(
        bookings.quote_cancellation, attrs.evolve(customer, tenant=default), booking["id"]
    )
    assert str(again.refund.amount) == booking["price"]["total"]["amount"]


def test_refund_rules_follow_the_fare_booked(world: World) -> None:
    booking = world.held()  # an economy fare
    world.pay(booking)
    admin: TenantAdmin = world.tenant_admin
    paid = Decimal(booking["price"]["total"]["amount"])
    bookings = world.parts.bookings

    def quoted(rules: list[RefundTier]) -> Decimal:
        tenant = world.call(lambda: admin.update(None, "default", TenantFields(refund_tiers=rules)))
        customer = attrs.evolve(world.buyers["ada"], tenant=tenant)
        return Decimal(
            world.call(bookings.quote_cancellation, customer, booking["id"]).refund.amount
        )

    everyone = RefundTier(timedelta(days=7), Decimal(100))
    economy = RefundTier(timedelta(days=7), Decimal(25), Decimal(5), CabinClass.ECONOMY)
    business = RefundTier(timedelta(hours=1), Decimal(10), cabin=CabinClass.BUSINESS)

    assert quoted([everyone, economy, business]) == (paid / 4 - 5).quantize(Decimal("0.01"))
    assert quoted([everyone, business]) == paid  # no economy rules: the common ones


def test_a_coupon_and_points_apply_at_the_hold_and_come_back_on_cancel(world: World) -> None:
    pricing: PricingParts = world.pricing
    staff = operator("default", "test")
    fields = {"percent_off": "10", "below_cost_allowed": True, "total_uses": 1}
    world.call(pricing.coupons.create, staff, "spring10", fields)
    world.call(
        pricing.loyalty.earn,
        world.buyers["ada"].tenant,
        world.buyers["ada"].customer_id,
        Money.of("500", world.currency_usd),
        "earlier-trip",
    )
    balance = world.client.get("/api/v1/loyalty/me", headers=world.headers()).json()["balance"]

    booking = world.held(coupons=["Spring10"], redeem_points=100)

    price = booking["price"]
    fares = Decimal(price["fares"]["amount"])
    assert price["coupons"] == ["SPRING10"]
    assert Decimal(price["discount"]["amount"]) == (fares / 10).quantize(Decimal("0.01"))
    assert price["points"] == 100
    used = world.client.get("/api/v1/loyalty/me", headers=world.headers()).json()["balance"]
    assert used == balance - 100
    offer = world.offer(who="bob")
    fully_used = world.hold("bob", offer_id=offer, travellers=[ADA], coupons=["SPRING10"])
    assert fully_used.status_code == 422
    assert "SPRING10" in fully_used.json()["detail"]

    url = f"/api/v1/bookings/{booking['id']}"
    quote = world.client.post(f"{url}/cancellation-quote", headers=world.headers(), json={})
    assert quote.json()["refund"] is None  # nothing was paid
    done = world.client.post(
        f"{url}/cancellation", headers=world.headers(), json={"quote_id": quote.json()["id"]}
    )
    assert done.json()["status"] == "cancelled"
    back = world.client.get("/api/v1/loyalty/me", headers=world.headers()).json()["balance"]
    assert back == balance
    again = world.hold("bob", offer_id=offer, travellers=[ADA], coupons=["SPRING10"])
    assert again.status_code == 201, again.text


def test_points_leave_with_each_passenger_who_cancels(world: World) -> None:
    def balance() -> int:
        mine = world.client.get("/api/v1/loyalty/me", headers=world.headers())
        return int(mine.json()["balance"])

    world.call(
        world.pricing.loyalty.earn,
        world.buyers["ada"].tenant,
        world.buyers["ada"].customer_id,
        Money.of("500", world.currency_usd),
        "earlier-trip",
    )
    before = balance()
    booking = world.held(travellers=[ADA, CHARLES], redeem_points=100)
    paid = world.pay(booking)
    assert paid.json()["status"] == "confirmed", paid.text
    confirmed = balance()
    earned = confirmed - (before - 100)
    assert earned > 0
    url = f"/api/v1/bookings/{booking['id']}"

    def cancel(passengers: list[int]) -> None:
        quote = world.client.post(
            f"{url}/cancellation-quote", headers=world.headers(), json={"passengers": passengers}
        )
        done = world.client.post(
            f"{url}/cancellation", headers=world.headers(), json={"quote_id": quote.json()["id"]}
        )
        assert done.status_code == 200, done.text

    cancel([1])  # Charles: half the fares, so half the points earned go, half those spent return
    assert balance() == confirmed - round((earned - 100) / 2)
    cancel([0])  # and then Ada: the booking's points are undone whole
    assert balance() == before
    entries = world.client.get("/api/v1/loyalty/me", headers=world.headers())
    kinds = [e["kind"] for e in entries.json()["entries"] if e["booking_id"] == booking["id"]]
    assert sorted(kinds) == ["earn", "part_reversal", "redeem", "reversal"]


def test_a_quote_is_for_the_booking_as_it_stood(world: World) -> None:
    booking = world.held(travellers=[ADA, CHARLES])
    url = f"/api/v1/bookings/{booking['id']}"
    part = world.client.post(
        f"{url}/cancellation-quote", headers=world.headers(), json={"passengers": [1]}
    )
    assert part.status_code == 422  # an unpaid booking is cancelled whole
    quote = world.client.post(f"{url}/cancellation-quote", headers=world.headers(), json={})
    assert quote.json()["refund"] is None

    assert world.pay(booking).json()["status"] == "confirmed"
    stale = world.client.post(
        f"{url}/cancellation", headers=world.headers(), json={"quote_id": quote.json()["id"]}
    )

    assert stale.status_code == 404  # paying dropped the quote: nothing cancelled for free
    after = world.client.get(url, headers=world.headers()).json()
    assert after["status"] == "confirmed"


def test_money_arriving_after_the_hold_ended_is_refunded_once(world: World) -> None:
    booking = world.held()
    invoice = world.pay(booking, method="bitcoin").json()["payment"]["next_action"]
    stored = world.call(world.parts.bookings.get, world.buyers["ada"], booking["id"])
    world.later(16)
    assert world.call(world.parts.bookings.expire_due) == 1
    bitcoin = world.parts.payments.get("bitcoin")
    assert isinstance(bitcoin, BitcoinSandbox)
    headers, body = bitcoin.simulated_payment(
        stored.payment.provider_ref, Decimal(invoice["data"]["btc_amount"]), world.clock.now()
    )
    hook = "/api/v1/payments/webhooks/bitcoin"

    first = world.client.post(hook, headers=headers, content=body)
    again = world.client.post(hook, headers=headers, content=body)

    assert first.json() == {"result": "refunded: the payment arrived after the hold ended"}
    assert again.json() == {"result": "ignored: already applied"}
    after = world.client.get(f"/api/v1/bookings/{booking['id']}", headers=world.headers())
    assert after.json()["status"] == "expired"


LATER = a_flight("117", day=date(2026, 6, 8))
DEARER = a_flight("117", fare="460", day=date(2026, 6, 9))
CHEAPER = a_flight("117", fare="350", day=date(2026, 6, 10))


def test_a_date_change_refunds_or_charges_the_difference(world: World) -> None:
    world.call(world.inventory.flights.upsert, [LATER, DEARER, CHEAPER])
    booking = world.held(
        travellers=[ADA, CHARLES],
        seats=[{"passenger": 0, "flight_id": ROOMY.id, "seat": "12A"}],
        bags=[{"passenger": 1, "flight_id": ROOMY.id, "bags": 2}],
    )
    paid = world.pay(booking).json()
    url = f"/api/v1/bookings/{booking['id']}"

    dearer = world.offer(DEARER, adults=2)
    unpaid = world.client.post(f"{url}/change", headers=world.headers(), json={"offer_id": dearer})
    assert unpaid.status_code == 422
    assert "send a payment" in unpaid.json()["detail"]
    declined = world.client.post(
        f"{url}/change",
        headers=world.headers(),
        json={
            "offer_id": dearer,
            "payment": {"method": "card", "details": {**GOOD_CARD, "number": "4000000000000002"}},
        },
    )
    assert declined.status_code == 402
    assert world.client.get(url, headers=world.headers()).json() == paid  # nothing changed

    moved = world.client.post(
        f"{url}/change",
        headers=world.headers(),
        json={"offer_id": dearer, "payment": {"method": "card", "details": GOOD_CARD}},
    )

    assert moved.status_code == 200, moved.text
    after = moved.json()
    assert after["status"] == "confirmed"
    assert after["record_locator"] == paid["record_locator"]
    assert after["flight_ids"] == [DEARER.id]
    assert after["seats"] == []  # seat numbers stay with the old flight
    assert after["bags"] == [{"passenger": 1, "flight_id": DEARER.id, "bags": 2}]
    assert {t["flight_id"] for t in after["tickets"]} == {DEARER.id}
    old_total = Decimal(paid["price"]["total"]["amount"])
    new_total = Decimal(after["price"]["total"]["amount"])
    assert new_total > old_total
    assert after["top_ups"][0]["amount"]["amount"] == str(new_total - old_total)
    assert after["history"][-1]["reason"] == f"moved to {DEARER.id}"

    cheaper = world.offer(CHEAPER, adults=2)
    back = world.client.post(f"{url}/change", headers=world.headers(), json={"offer_id": cheaper})
    assert back.status_code == 200, back.text
    cheap = back.json()
    # The top-up first (latest first), then the first payment.
    change_refunds = [r for r in cheap["refunds"] if r["reason"] == "date change"]
    assert len(change_refunds) == 2
    refund = sum(Decimal(r["amount"]["amount"]) for r in change_refunds)
    assert refund == new_total - Decimal(cheap["price"]["total"]["amount"])

    # Cancelling now gives back what is left of what was paid, from both payments.
    quote = world.client.post(f"{url}/cancellation-quote", headers=world.headers(), json={})
    assert Decimal(quote.json()["refund"]["amount"]) == Decimal(cheap["price"]["total"]["amount"])
    done = world.client.post(
        f"{url}/cancellation", headers=world.headers(), json={"quote_id": quote.json()["id"]}
    ).json()
    assert done["status"] == "refunded"
    given_back = sum(Decimal(r["amount"]["amount"]) for r in done["refunds"])
    taken = Decimal(paid["payment"]["amount"]["amount"]) + sum(
        Decimal(t["amount"]["amount"]) for t in done["top_ups"]
    )
    assert given_back == taken  # all of it, and no more
    seats = world.call(world.inventory.flights.flight, CHEAPER.id)
    assert seats is not None


def test_only_a_confirmed_booking_changes_and_in_its_currency(world: World) -> None:
    world.call(world.inventory.flights.upsert, [LATER])
    booking = world.held()
    url = f"/api/v1/bookings/{booking['id']}"
    offer = world.offer(LATER)
    held = world.client.post(f"{url}/change", headers=world.headers(), json={"offer_id": offer})
    assert held.status_code == 409
    world.pay(booking)
    dollars = world.client.post(
        "/api/v1/offers",
        headers=world.headers(),
        json={"flight_ids": [LATER.id], "currency": "USD"},
    ).json()["id"]
    wrong = world.client.post(f"{url}/change", headers=world.headers(), json={"offer_id": dollars})
    assert wrong.status_code == 422
    party = world.offer(LATER, adults=2)
    too_many = world.client.post(f"{url}/change", headers=world.headers(), json={"offer_id": party})
    assert too_many.status_code == 422
    same_price = world.client.post(
        f"{url}/change", headers=world.headers(), json={"offer_id": offer}
    )
    assert same_price.status_code == 200
    assert same_price.json()["top_ups"] == []


def test_a_date_change_may_choose_seats_on_the_new_flight(world: World) -> None:
    world.call(world.inventory.flights.upsert, [LATER])
    booking = world.held(seats=[{"passenger": 0, "flight_id": ROOMY.id, "seat": "12A"}])
    world.pay(booking)
    url = f"/api/v1/bookings/{booking['id']}"
    other = world.held(
        LATER, who="bob", seats=[{"passenger": 0, "flight_id": LATER.id, "seat": "14C"}]
    )

    def change(seat: str, flight: Flight = LATER) -> Any:
        seats = [{"passenger": 0, "flight_id": flight.id, "seat": seat}]
        body = {"offer_id": world.offer(LATER), "seats": seats}
        return world.client.post(f"{url}/change", headers=world.headers(), json=body)

    taken = change("14C")
    assert taken.status_code == 409, taken.text
    assert "14C" in taken.json()["detail"]
    wrong_flight = change("12B", ROOMY)
    assert wrong_flight.status_code == 422
    moved = change("12A")

    assert moved.status_code == 200, moved.text
    assert moved.json()["seats"] == [{"passenger": 0, "flight_id": LATER.id, "seat": "12A"}]
    seats = world.parts.bookings.seat_numbers_taken
    assert "12A" not in world.call(seats, world.buyers["ada"], ROOMY.id)  # left behind
    assert world.call(seats, world.buyers["ada"], LATER.id) == frozenset({"12A", "14C"})
    assert other["seats"][0]["seat"] == "14C"


def test_a_seat_held_shows_taken_on_the_seat_map(world: World) -> None:
    def economy() -> dict[str, bool]:
        answer = world.client.get(f"/api/v1/flights/{ROOMY.id}/availability").json()
        cabin = next(c for c in answer["cabins"] if c["cabin"] == "economy")
        return {p["seat"]: p["available"] for row in cabin["seat_map"] for p in row["seats"]}

    before = economy()
    seat = next(number for number, free in before.items() if free)
    world.held(seats=[{"passenger": 0, "flight_id": ROOMY.id, "seat": seat}])

    assert not economy()[seat]


def test_demo_mode_pays_a_bitcoin_invoice_through_the_simulated_network(world: World) -> None:
    booking = world.held()
    invoice = world.pay(booking, method="bitcoin").json()["payment"]["next_action"]
    url = f"/demo/payments/bitcoin/{booking['id']}"

    unreadable = world.client.post(url, headers=world.headers(), json={"btc": "lots"})
    assert unreadable.status_code == 422
    short = world.client.post(url, headers=world.headers(), json={"btc": "0.00000100"})
    assert short.json() == {"result": "refunded: underpaid"}
    assert world.client.post(url, headers=world.headers(), json={}).status_code == 409
    again = world.pay(booking, method="bitcoin").json()["payment"]["next_action"]
    assert again["data"]["btc_amount"] == invoice["data"]["btc_amount"]
    paid = world.client.post(url, headers=world.headers(), json={})

    assert paid.json() == {"result": "confirmed"}
    after = world.client.get(f"/api/v1/bookings/{booking['id']}", headers=world.headers())
    assert after.json()["status"] == "confirmed"
    assert world.client.post(url, json={}).status_code == 401  # someone else's: sign in


def test_a_refund_the_provider_fails_stays_owed_until_the_worker_gets_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = world.held()
    world.pay(booking)
    card = world.parts.payments.get("card")
    real_refund = card.refund
    asked: list[str] = []

    async def flaky_refund(provider_ref: str, amount: Money, *, reference: str) -> Any:
        asked.append(reference)
        if len(asked) == 1:
            raise RuntimeError("provider down")
        return await real_refund(provider_ref, amount, reference=reference)

    monkeypatch.setattr(card, "refund", flaky_refund)
    url = f"/api/v1/bookings/{booking['id']}"
    quote = world.client.post(f"{url}/cancellation-quote", headers=world.headers(), json={})

    cancelled = world.client.post(
        f"{url}/cancellation", headers=world.headers(), json={"quote_id": quote.json()["id"]}
    )

    assert cancelled.status_code == 200, cancelled.text
    after = cancelled.json()
    assert after["status"] == "refunded"  # the seats are back, the money is owed
    assert [r["state"] for r in after["refunds"]] == ["pending"]
    assert world.call(world.parts.bookings.settle_due) == 1
    assert world.call(world.parts.bookings.settle_due) == 0
    settled = world.client.get(url, headers=world.headers()).json()
    assert [r["state"] for r in settled["refunds"]] == ["done"]
    assert asked[0] == asked[1]  # asked again the same way: the provider gives it once


def test_a_callback_in_flight_is_retried_and_an_abandoned_one_taken_over(world: World) -> None:
    booking = world.held()
    world.pay(booking, method="bitcoin")
    stored = world.call(world.parts.bookings.get, world.buyers["ada"], booking["id"])
    bitcoin = world.parts.payments.get("bitcoin")
    assert isinstance(bitcoin, BitcoinSandbox)
    ref = stored.payment.provider_ref
    btc = Decimal(stored.payment.action.data["btc_amount"])
    keys = world.parts.idempotency
    hook = "/api/v1/payments/webhooks/bitcoin"

    def claimed_elsewhere(body: bytes) -> None:
        """Another process took this event and is applying it (or died doing so)."""
        event_id = json.loads(body)["id"]
        assert world.call(keys.claim, "default", event_id, "payments:bitcoin", event_id) is None

    headers, body = bitcoin.simulated_payment(ref, btc, world.clock.now())
    claimed_elsewhere(body)
    busy = world.client.post(hook, headers=headers, content=body)
    assert busy.status_code == 409
    assert busy.headers["retry-after"] == "1"

    later = world.clock.now() + timedelta(minutes=6)
    headers, body = bitcoin.simulated_payment(ref, btc, later)  # the provider's next try
    claimed_elsewhere(body)
    world.clock.advance(6 * 60)  # the claim is now 6 minutes old: abandoned
    taken_over = world.client.post(hook, headers=headers, content=body)
    assert taken_over.json() == {"result": "confirmed"}


def test_a_callback_that_failed_to_apply_is_taken_at_the_next_attempt(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = world.held()
    world.pay(booking, method="bitcoin")
    stored = world.call(world.parts.bookings.get, world.buyers["ada"], booking["id"])
    bitcoin = world.parts.payments.get("bitcoin")
    assert isinstance(bitcoin, BitcoinSandbox)
    ref = stored.payment.provider_ref
    btc = Decimal(stored.payment.action.data["btc_amount"])
    headers, body = bitcoin.simulated_payment(ref, btc, world.clock.now())
    service = type(world.parts.bookings)
    apply = service._apply_event

    async def broken(*_: Any, **__: Any) -> str:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(service, "_apply_event", broken)
    hook = "/api/v1/payments/webhooks/bitcoin"
    failed = world.client.post(hook, headers=headers, content=body)
    assert failed.status_code == 500
    monkeypatch.setattr(service, "_apply_event", apply)

    again = world.client.post(hook, headers=headers, content=body)  # the provider retries

    assert again.json() == {"result": "confirmed"}  # the failed claim was let go


def test_a_reseller_books_pays_and_cancels_with_its_api_key(world: World) -> None:
    admin = AccessClaims("boss", "default", frozenset({Role.TENANT_ADMIN}), NOW, NOW, "t", "f")
    issued = world.call(
        lambda: world.api_keys.issue(
            admin, name="Agency X", scopes=["search", "book", "read-bookings"]
        )
    )
    key = {"X-API-Key": issued.secret}
    offer = world.client.post("/api/v1/offers", headers=key, json={"flight_ids": [ROOMY.id]})
    assert offer.status_code == 201, offer.text
    body = {"offer_id": offer.json()["id"], "travellers": [ADA]}

    with_points = world.client.post(
        "/api/v1/bookings", headers=key, json={**body, "redeem_points": 10}
    )
    assert with_points.status_code == 422
    assert "sign in" in with_points.json()["detail"]
    held = world.client.post("/api/v1/bookings", headers=key, json=body)
    assert held.status_code == 201, held.text
    booking = held.json()
    assert booking["history"][0]["actor"] == f"reseller:{issued.key.id}"
    paid = world.client.post(
        f"/api/v1/bookings/{booking['id']}/payment",
        headers=key,
        json={"method": "card", "details": GOOD_CARD},
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "confirmed"
    assert paid.json()["record_locator"]

    mine = world.client.get("/api/v1/bookings", headers=key).json()
    assert [b["id"] for b in mine] == [booking["id"]]
    # The reseller's bookings are its own: a customer sees none of them, nor the other way.
    assert world.client.get("/api/v1/bookings", headers=world.headers()).json() == []
    theirs = world.client.get(f"/api/v1/bookings/{booking['id']}", headers=world.headers())
    assert theirs.status_code == 404
    adas = world.held()
    assert world.client.get(f"/api/v1/bookings/{adas['id']}", headers=key).status_code == 404
    # No points for a key, and nobody is mailed: the event is kept, delivered to no one.
    points = world.call(
        lambda: world.pricing.loyalty.summary(
            world.buyers["ada"].tenant, issued.key.id, offset=0, limit=5
        )
    )
    assert points.balance == 0
    sent = len(world.mailer.sent)
    outcome = world.call(world.parts.delivery.deliver_due)
    assert outcome.dead == 0
    assert len(world.mailer.sent) == sent
    url = f"/api/v1/bookings/{booking['id']}"
    quote = world.client.post(f"{url}/cancellation-quote", headers=key, json={})
    done = world.client.post(
        f"{url}/cancellation", headers=key, json={"quote_id": quote.json()["id"]}
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "refunded"
    # The key leaks: revoked, and its replacement takes over the reseller's bookings.
    world.call(world.api_keys.revoke, admin, issued.key.id)
    assert world.client.get("/api/v1/bookings", headers=key).status_code == 401
    replacement = world.call(
        lambda: world.api_keys.issue(
            admin, name="Agency X", scopes=["book", "read-bookings"], replaces=issued.key.id
        )
    )
    new_key = {"X-API-Key": replacement.secret}
    kept = world.client.get(f"/api/v1/bookings/{booking['id']}", headers=new_key)
    assert kept.status_code == 200, kept.text
    assert kept.json()["status"] == "refunded"
    assert replacement.key.owner == issued.key.id
    search_only = world.call(
        lambda: world.api_keys.issue(admin, name="Agency Y", scopes=["search"])
    )
    refused = world.client.post(
        "/api/v1/bookings", headers={"X-API-Key": search_only.secret}, json=body
    )
    assert refused.status_code == 403
