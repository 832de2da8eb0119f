"""A booking as JSON text and back: how the SQL store keeps the aggregate in one column."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import msgspec

from funflights_core.booking import (
    BagChoice,
    Booking,
    BookingPrice,
    CancellationQuote,
    Payment,
    Refund,
    RefundState,
    SeatChoice,
    Ticket,
)
from funflights_core.booking_status import BookingLifecycle, BookingStatus, StatusChange
from funflights_core.flight import CabinClass
from funflights_core.money import CurrencyCatalogue, Money
from funflights_core.payment_method import NextAction, PaymentState
from funflights_core.traveller import DocumentKind, TravelDocument, Traveller


class _Money(msgspec.Struct, array_like=True):
    amount: str
    currency: str


class _Document(msgspec.Struct):
    kind: str
    number: str
    country: str
    expires: date


class _Traveller(msgspec.Struct):
    given_names: str
    family_name: str
    born: date
    document: _Document | None = None


class _Change(msgspec.Struct, array_like=True):
    before: str | None
    after: str
    at: datetime
    actor: str
    reason: str


class _Action(msgspec.Struct):
    kind: str
    url: str | None
    data: dict[str, str]


class _Payment(msgspec.Struct):
    method: str
    provider_ref: str
    state: str
    amount: _Money
    rate: str
    summary: str
    action: _Action | None = None


class _Refund(msgspec.Struct):
    id: str
    amount: _Money
    refund_ref: str
    passengers: list[int]
    at: datetime
    reason: str
    provider_ref: str = ""
    state: str = "done"
    reference: str = ""


class _Quote(msgspec.Struct):
    id: str
    passengers: list[int]
    refund: _Money | None
    method: str | None
    created_at: datetime
    expires_at: datetime


class _Booking(msgspec.Struct):
    offer_id: str
    flight_ids: list[str]
    cabin: str
    travellers: list[_Traveller]
    fares: _Money
    extras: _Money
    discount: _Money
    bag_fee: _Money
    coupons: list[str]
    points: int
    points_value: _Money | None
    changes: list[_Change]
    seats: list[tuple[int, str, str]]
    bags: list[tuple[int, str, int]]
    tickets: list[tuple[int, str, str]]
    payment: _Payment | None
    refunds: list[_Refund]
    cancelled: list[int]
    quote: _Quote | None
    top_ups: list[_Payment] = []
    reseller: bool = False


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(_Booking).decode


def _money(value: Money) -> _Money:
    return _Money(str(value.amount), value.currency.code)


def booking_text(booking: Booking) -> str:
    """The parts of a booking its row's columns do not hold, as JSON text."""
    price = booking.price
    payment = booking.payment
    quote = booking.quote

    def paid(payment: Payment) -> _Payment:
        return _Payment(
            payment.method,
            payment.provider_ref,
            payment.state.value,
            _money(payment.amount),
            str(payment.rate),
            payment.summary,
            None
            if payment.action is None
            else _Action(payment.action.kind, payment.action.url, dict(payment.action.data)),
        )

    document = _Booking(
        offer_id=booking.offer_id,
        flight_ids=list(booking.flight_ids),
        cabin=booking.cabin.value,
        travellers=[
            _Traveller(
                t.given_names,
                t.family_name,
                t.born,
                None
                if t.document is None
                else _Document(
                    t.document.kind.value,
                    t.document.number,
                    t.document.country,
                    t.document.expires,
                ),
            )
            for t in booking.travellers
        ],
        fares=_money(price.fares),
        extras=_money(price.extras),
        discount=_money(price.discount),
        bag_fee=_money(price.bag_fee),
        coupons=list(price.coupons),
        points=price.points,
        points_value=None if price.points_value is None else _money(price.points_value),
        changes=[
            _Change(
                None if c.before is None else c.before.value, c.after.value, c.at, c.actor, c.reason
            )
            for c in booking.lifecycle.changes
        ],
        seats=[(s.passenger, s.flight_id, s.seat) for s in booking.seats],
        bags=[(b.passenger, b.flight_id, b.bags) for b in booking.bags],
        tickets=[(t.passenger, t.flight_id, t.number) for t in booking.tickets],
        payment=None if payment is None else paid(payment),
        refunds=[
            _Refund(
                r.id,
                _money(r.amount),
                r.refund_ref,
                list(r.passengers),
                r.at,
                r.reason,
                r.provider_ref,
                r.state.value,
                r.reference,
            )
            for r in booking.refunds
        ],
        top_ups=[paid(top_up) for top_up in booking.top_ups],
        reseller=booking.reseller,
        cancelled=sorted(booking.cancelled),
        quote=None
        if quote is None
        else _Quote(
            quote.id,
            list(quote.passengers),
            None if quote.refund is None else _money(quote.refund),
            quote.method,
            quote.created_at,
            quote.expires_at,
        ),
    )
    return _encode(document).decode()


def booking_of(
    text: str,
    currencies: CurrencyCatalogue,
    *,
    id: str,
    tenant_id: str,
    customer_id: str,
    departs_at: datetime,
    hold_expires_at: datetime,
    record_locator: str | None,
    version: int,
) -> Booking:
    """A booking rebuilt from its document and its row's columns."""
    d = _decode(text)

    def money(value: _Money) -> Money:
        return Money(Decimal(value.amount), currencies.currency(value.currency))

    quote = d.quote

    def paid(payment: _Payment) -> Payment:
        return Payment(
            payment.method,
            payment.provider_ref,
            PaymentState(payment.state),
            money(payment.amount),
            Decimal(payment.rate),
            payment.summary,
            None
            if payment.action is None
            else NextAction(payment.action.kind, payment.action.url, payment.action.data),
        )

    return Booking(
        id=id,
        tenant_id=tenant_id,
        customer_id=customer_id,
        offer_id=d.offer_id,
        flight_ids=tuple(d.flight_ids),
        cabin=CabinClass(d.cabin),
        travellers=tuple(
            Traveller(
                t.given_names,
                t.family_name,
                t.born,
                None
                if t.document is None
                else TravelDocument(
                    DocumentKind(t.document.kind),
                    t.document.number,
                    t.document.country,
                    t.document.expires,
                ),
            )
            for t in d.travellers
        ),
        price=BookingPrice(
            fares=money(d.fares),
            extras=money(d.extras),
            discount=money(d.discount),
            bag_fee=money(d.bag_fee),
            coupons=tuple(d.coupons),
            points=d.points,
            points_value=None if d.points_value is None else money(d.points_value),
        ),
        departs_at=departs_at,
        hold_expires_at=hold_expires_at,
        lifecycle=BookingLifecycle(
            tuple(
                StatusChange(
                    None if c.before is None else BookingStatus(c.before),
                    BookingStatus(c.after),
                    c.at,
                    c.actor,
                    c.reason,
                )
                for c in d.changes
            )
        ),
        seats=tuple(SeatChoice(p, f, s) for p, f, s in d.seats),
        bags=tuple(BagChoice(p, f, n) for p, f, n in d.bags),
        record_locator=record_locator,
        tickets=tuple(Ticket(p, f, n) for p, f, n in d.tickets),
        payment=None if d.payment is None else paid(d.payment),
        refunds=tuple(
            Refund(
                r.id,
                money(r.amount),
                r.refund_ref,
                tuple(r.passengers),
                r.at,
                r.reason,
                r.provider_ref,
                RefundState(r.state),
                r.reference,
            )
            for r in d.refunds
        ),
        top_ups=tuple(paid(top_up) for top_up in d.top_ups),
        reseller=d.reseller,
        cancelled=frozenset(d.cancelled),
        quote=None
        if quote is None
        else CancellationQuote(
            quote.id,
            tuple(quote.passengers),
            None if quote.refund is None else money(quote.refund),
            quote.method,
            quote.created_at,
            quote.expires_at,
        ),
        version=version,
    )
