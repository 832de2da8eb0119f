"""Wire formats of /api/v1/bookings: what customers send to book, and what they get back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from entrypoints.http.pricing_wire import MoneyOut
from funflights_core.booking import BagChoice, Booking, CancellationQuote, Payment, SeatChoice
from funflights_core.booking_status import HOLDING
from funflights_core.bookings import ChangeRequest, HoldRequest, PayRequest
from funflights_core.traveller import DocumentKind, TravelDocument, Traveller

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
Flight = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Passenger = Annotated[int, msgspec.Meta(ge=0, le=17)]


class DocumentIn(msgspec.Struct, forbid_unknown_fields=True):
    """A passport or identity card."""

    kind: Literal["passport", "identity_card"]
    number: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    country: Annotated[str, msgspec.Meta(min_length=2, max_length=2)]
    expires: date


class TravellerIn(msgspec.Struct, forbid_unknown_fields=True):
    """One traveller, named as on their travel document."""

    given_names: Name
    family_name: Name
    born: date
    document: DocumentIn | None = None

    def traveller(self) -> Traveller:
        """The domain's traveller."""
        document = self.document
        return Traveller(
            self.given_names,
            self.family_name,
            self.born,
            None
            if document is None
            else TravelDocument(
                DocumentKind(document.kind), document.number, document.country, document.expires
            ),
        )


class SeatIn(msgspec.Struct, forbid_unknown_fields=True):
    """A seat from the flight's seat map for one passenger (numbered from 0)."""

    passenger: Passenger
    flight_id: Flight
    seat: Annotated[str, msgspec.Meta(min_length=2, max_length=4, pattern=r"^[0-9]{1,2}[A-K]$")]


class BagsIn(msgspec.Struct, forbid_unknown_fields=True):
    """Extra checked bags for one passenger on one flight."""

    passenger: Passenger
    flight_id: Flight
    bags: Annotated[int, msgspec.Meta(ge=0, le=3)]


class HoldIn(msgspec.Struct, forbid_unknown_fields=True):
    """Hold an offer for named travellers, with seats, bags, coupons and points."""

    offer_id: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    travellers: Annotated[list[TravellerIn], msgspec.Meta(min_length=1, max_length=18)]
    seats: Annotated[list[SeatIn], msgspec.Meta(max_length=36)] = []
    bags: Annotated[list[BagsIn], msgspec.Meta(max_length=36)] = []
    coupons: Annotated[list[str], msgspec.Meta(max_length=5)] = []
    """Codes; an unknown one (however long) is a 422 naming it."""
    redeem_points: Annotated[int, msgspec.Meta(ge=0, le=10_000_000)] = 0

    def request(self) -> HoldRequest:
        """The domain's request."""
        return HoldRequest(
            offer_id=self.offer_id,
            travellers=tuple(t.traveller() for t in self.travellers),
            seats=tuple(SeatChoice(s.passenger, s.flight_id, s.seat) for s in self.seats),
            bags=tuple(BagChoice(b.passenger, b.flight_id, b.bags) for b in self.bags),
            coupons=tuple(self.coupons),
            redeem_points=self.redeem_points,
        )


class PaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    """Pay a held booking with one method; ``details`` are the method's own fields."""

    method: Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
    details: dict[str, str] = {}
    currency: Annotated[str, msgspec.Meta(min_length=3, max_length=3)] | None = None
    return_url: Annotated[str, msgspec.Meta(max_length=2000)] | None = None

    def request(self) -> PayRequest:
        """The domain's request."""
        return PayRequest(self.method, dict(self.details), self.currency, self.return_url)


class ChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    """Move the booking to the flights of another offer (a new date); ``payment`` pays the
    difference when they cost more (a method that needs no extra step from the payer);
    ``seats``: seat numbers on the new flights (the old ones stay behind)."""

    offer_id: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    payment: PaymentIn | None = None
    seats: Annotated[list[SeatIn], msgspec.Meta(max_length=36)] = []

    def request(self) -> ChangeRequest:
        """The domain's request."""
        return ChangeRequest(
            self.offer_id,
            None if self.payment is None else self.payment.request(),
            seats=tuple(SeatChoice(s.passenger, s.flight_id, s.seat) for s in self.seats),
        )


class ContinueIn(msgspec.Struct, forbid_unknown_fields=True):
    """The payer's answer to a payment's next action (3-D Secure result, PayPal approval)."""

    response: dict[str, str]


class CancellationQuoteIn(msgspec.Struct, forbid_unknown_fields=True):
    """Whom to cancel: passengers by position; everyone when left out."""

    # Checked by the booking (a 422 naming a passenger there is not): Litestar's schema
    # would drop the bounds of items inside an optional list.
    passengers: list[int] | None = None


class CancelIn(msgspec.Struct, forbid_unknown_fields=True):
    """Confirm a cancellation quote."""

    quote_id: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class QuoteOut(msgspec.Struct):
    """What cancelling would give back (null: nothing was paid), valid until ``expires_at``."""

    id: str
    passengers: list[int]
    refund: MoneyOut | None
    method: str | None
    expires_at: datetime

    @classmethod
    def of(cls, quote: CancellationQuote) -> QuoteOut:
        """The wire form of a quote."""
        return cls(
            quote.id,
            list(quote.passengers),
            None if quote.refund is None else MoneyOut.of(quote.refund),
            quote.method,
            quote.expires_at,
        )


class TravellerOut(msgspec.Struct):
    """A traveller (the document number is shown masked)."""

    given_names: str
    family_name: str
    born: date
    document: str | None
    cancelled: bool


class PriceOut(msgspec.Struct):
    """The booking's price, line by line, in the booking's currency."""

    fares: MoneyOut
    extras: MoneyOut
    bag_fee: MoneyOut
    discount: MoneyOut
    coupons: list[str]
    points: int
    points_value: MoneyOut | None
    total: MoneyOut


class PaymentOut(msgspec.Struct):
    """The payment: its method, state, amount (in the payer's currency) and rate used."""

    method: str
    state: str
    amount: MoneyOut
    rate: str
    summary: str
    next_action: dict[str, object] | None

    @classmethod
    def of(cls, payment: Payment) -> PaymentOut:
        """The wire form of a payment."""
        return cls(
            method=payment.method,
            state=payment.state.value,
            amount=MoneyOut.of(payment.amount),
            rate=str(payment.rate),
            summary=payment.summary,
            next_action=None
            if payment.action is None
            else {
                "kind": payment.action.kind,
                "url": payment.action.url,
                "data": dict(payment.action.data),
            },
        )


class RefundOut(msgspec.Struct):
    """Money given back: ``done``, or ``pending`` while the provider has not answered (the
    worker asks again until it does)."""

    amount: MoneyOut
    passengers: list[int]
    at: datetime
    reason: str
    state: str


class ChangeOut(msgspec.Struct):
    """One status move: from, to, when, by whom, why."""

    before: str | None
    after: str
    at: datetime
    actor: str
    reason: str


class BookingOut(msgspec.Struct):
    """A booking as its customer sees it."""

    id: str
    status: str
    record_locator: str | None
    offer_id: str
    flight_ids: list[str]
    cabin: str
    departs_at: datetime
    hold_expires_at: datetime | None
    travellers: list[TravellerOut]
    seats: list[SeatIn]
    bags: list[BagsIn]
    price: PriceOut
    payment: PaymentOut | None
    top_ups: list[PaymentOut]
    """Payments of the difference when a date change cost more."""
    tickets: list[dict[str, object]]
    refunds: list[RefundOut]
    history: list[ChangeOut]

    @classmethod
    def of(cls, booking: Booking) -> BookingOut:
        """The wire form of a booking."""
        price = booking.price
        payment = booking.payment
        holding = booking.status in HOLDING
        return cls(
            id=booking.id,
            status=booking.status.value,
            record_locator=booking.record_locator,
            offer_id=booking.offer_id,
            flight_ids=list(booking.flight_ids),
            cabin=booking.cabin.value,
            departs_at=booking.departs_at,
            hold_expires_at=booking.hold_expires_at if holding else None,
            travellers=[
                TravellerOut(
                    t.given_names,
                    t.family_name,
                    t.born,
                    None if t.document is None else "•••" + t.document.number[-3:],
                    n in booking.cancelled,
                )
                for n, t in enumerate(booking.travellers)
            ],
            seats=[SeatIn(s.passenger, s.flight_id, s.seat) for s in booking.seats],
            bags=[BagsIn(b.passenger, b.flight_id, b.bags) for b in booking.bags],
            price=PriceOut(
                fares=MoneyOut.of(price.fares),
                extras=MoneyOut.of(price.extras),
                bag_fee=MoneyOut.of(price.bag_fee),
                discount=MoneyOut.of(price.discount),
                coupons=list(price.coupons),
                points=price.points,
                points_value=None
                if price.points_value is None
                else MoneyOut.of(price.points_value),
                total=MoneyOut.of(price.total),
            ),
            payment=None if payment is None else PaymentOut.of(payment),
            top_ups=[PaymentOut.of(top_up) for top_up in booking.top_ups],
            tickets=[
                {"passenger": t.passenger, "flight_id": t.flight_id, "number": t.number}
                for t in booking.tickets
            ],
            refunds=[
                RefundOut(MoneyOut.of(r.amount), list(r.passengers), r.at, r.reason, r.state.value)
                for r in booking.refunds
            ],
            history=[
                ChangeOut(
                    None if c.before is None else c.before.value,
                    c.after.value,
                    c.at,
                    c.actor,
                    c.reason,
                )
                for c in booking.lifecycle.changes
            ],
        )
