"""``/api/v1/bookings``: hold an offer, pay, read trips, cancel with a refund quote."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter

from entrypoints.http.api_context import ApiContext
from entrypoints.http.bookings_wire import (
    BookingOut,
    CancelIn,
    CancellationQuoteIn,
    ChangeIn,
    ContinueIn,
    HoldIn,
    PaymentIn,
    QuoteOut,
)
from entrypoints.http.idempotency import idempotent
from entrypoints.http.problems import api_problem_responses
from funflights_core.api_key import Scope
from funflights_core.booking import Booking
from funflights_core.booking_status import BookingStatus
from funflights_core.bookings import Receipt

BookingId = Annotated[str, Parameter(description="The booking's id.", max_length=40)]
KEY_DOC = (
    " Send an Idempotency-Key header to make a retry safe: a replay gets the first answer "
    "(with Idempotent-Replayed: true), the same key with another body is a 422, and a replay "
    "while the first is still at work a 409 (after 5 minutes without an answer, the first is "
    "taken to have died, and the replay does the work)."
)


def _held(booking: Booking) -> tuple[int, msgspec.Struct]:
    return 201, BookingOut.of(booking)


def _paid(booking: Booking) -> tuple[int, msgspec.Struct]:
    return 200 if booking.status is BookingStatus.CONFIRMED else 202, BookingOut.of(booking)


def _moved(booking: Booking) -> tuple[int, msgspec.Struct]:
    return 200, BookingOut.of(booking)


class BookingsController(Controller):
    """The signed-in customer's bookings, or a reseller's (by its API key's account)."""

    path = "/api/v1/bookings"
    tags = ["bookings"]

    @post(
        "/",
        summary="Hold an offer for named travellers",
        description="Takes the seats (held until hold_expires_at, 15 minutes unless "
        "configured), after checking the offer's price again: a changed price answers 409 with "
        "both prices (hold again to accept it). Seats from the seat map and extra bags are "
        "optional; coupons and loyalty points apply here." + KEY_DOC,
        responses=api_problem_responses(401, 404, 409, 410, 422),
        opt={"api_key_scope": Scope.BOOK},
    )
    async def hold(
        self,
        api: NamedDependency[ApiContext],
        request: Request[Any, Any, Any],
        data: JSONBody[HoldIn],
    ) -> Response[bytes]:
        """A new booking, holding its seats."""

        async def work(receipt: Receipt | None) -> tuple[int, msgspec.Struct]:
            booking = await api.services.bookings.hold(
                api.customer(), data.request(), receipt=receipt
            )
            return _held(booking)

        return await idempotent(api, request, work, _held)

    @get(
        "/",
        summary="Your trips",
        description="Upcoming trips soonest first, or past ones latest first.",
        responses=api_problem_responses(401),
        opt={"api_key_scope": Scope.READ_BOOKINGS},
    )
    async def trips(
        self,
        api: NamedDependency[ApiContext],
        when: Annotated[
            Literal["upcoming", "past"], Parameter(description="Trips to come, or gone by.")
        ] = "upcoming",
        limit: Annotated[int, Parameter(ge=1, le=100)] = 50,
    ) -> list[BookingOut]:
        """The caller's bookings."""
        found = await api.services.bookings.trips(
            api.customer(), upcoming=when == "upcoming", limit=limit
        )
        return [BookingOut.of(booking) for booking in found]

    @get(
        "/{booking_id:str}",
        summary="A booking",
        responses=api_problem_responses(401, 404),
        opt={"api_key_scope": Scope.READ_BOOKINGS},
    )
    async def get_booking(
        self, api: NamedDependency[ApiContext], booking_id: BookingId
    ) -> BookingOut:
        """One of the caller's bookings (an unpaid hold past its time shows as expired)."""
        return BookingOut.of(await api.services.bookings.get(api.customer(), booking_id))

    @post(
        "/{booking_id:str}/payment",
        summary="Pay a held booking",
        description="200 with the confirmed booking (record locator, tickets), or 202 when the "
        "payer must act first (payment.next_action: a 3-D Secure challenge, a PayPal approval "
        "URL, a Bitcoin invoice), then POST .../payment/continue. 402 when declined (the seats "
        "stay held). Pay in another currency than the booking's with 'currency': the rate used "
        "is recorded." + KEY_DOC,
        responses=api_problem_responses(401, 402, 404, 409, 410, 422),
        opt={"api_key_scope": Scope.BOOK},
    )
    async def pay(
        self,
        api: NamedDependency[ApiContext],
        request: Request[Any, Any, Any],
        booking_id: BookingId,
        data: JSONBody[PaymentIn],
    ) -> Response[bytes]:
        """The booking after the payment started."""

        async def work(receipt: Receipt | None) -> tuple[int, msgspec.Struct]:
            booking = await api.services.bookings.pay(
                api.customer(), booking_id, data.request(), receipt=receipt
            )
            return _paid(booking)

        return await idempotent(api, request, work, _paid)

    @post(
        "/{booking_id:str}/payment/continue",
        summary="Go on with a payment after the payer acted",
        description="Send what the next action produced: {'result': 'pass'} after a 3-D "
        "Secure challenge, {'payer_id': ...} after a PayPal approval." + KEY_DOC,
        responses=api_problem_responses(401, 402, 404, 409, 422),
        opt={"api_key_scope": Scope.BOOK},
    )
    async def continue_payment(
        self,
        api: NamedDependency[ApiContext],
        request: Request[Any, Any, Any],
        booking_id: BookingId,
        data: JSONBody[ContinueIn],
    ) -> Response[bytes]:
        """The booking after the payer's answer."""

        async def work(receipt: Receipt | None) -> tuple[int, msgspec.Struct]:
            booking = await api.services.bookings.resume(
                api.customer(), booking_id, data.response, receipt=receipt
            )
            return _paid(booking)

        return await idempotent(api, request, work, _paid)

    @post(
        "/{booking_id:str}/cancellation-quote",
        status_code=201,
        summary="What cancelling would give back",
        description="A quote for cancelling some passengers (or all): the refund by the "
        "tenant's rules (notice before departure, fees), its currency and method, valid for "
        "15 minutes. Nothing changes until it is confirmed.",
        responses=api_problem_responses(401, 404, 409, 422),
        opt={"api_key_scope": Scope.BOOK},
    )
    async def quote(
        self,
        api: NamedDependency[ApiContext],
        booking_id: BookingId,
        data: JSONBody[CancellationQuoteIn],
    ) -> QuoteOut:
        """A cancellation quote."""
        quote = await api.services.bookings.quote_cancellation(
            api.customer(), booking_id, data.passengers
        )
        return QuoteOut.of(quote)

    @post(
        "/{booking_id:str}/cancellation",
        summary="Cancel as quoted",
        description="Confirms a quote: the seats go back and the refund goes to the original "
        "payment method; the leaving passengers' part of the points is reversed." + KEY_DOC,
        responses=api_problem_responses(401, 404, 409, 410, 422),
        opt={"api_key_scope": Scope.BOOK},
    )
    async def cancel(
        self,
        api: NamedDependency[ApiContext],
        request: Request[Any, Any, Any],
        booking_id: BookingId,
        data: JSONBody[CancelIn],
    ) -> Response[bytes]:
        """The booking after cancelling."""

        async def work(receipt: Receipt | None) -> tuple[int, msgspec.Struct]:
            booking = await api.services.bookings.cancel(
                api.customer(), booking_id, data.quote_id, receipt=receipt
            )
            return _moved(booking)

        return await idempotent(api, request, work, _moved)

    @post(
        "/{booking_id:str}/change",
        summary="Move a confirmed booking to other flights (a new date)",
        description="Make an offer of the new flights first (same party, same currency). The "
        "offer's price is checked again (409 price-changed), the seats move (409 when too few "
        "are left), seat numbers may be chosen anew ('seats'), extra bags are carried over; "
        "the difference is refunded to the payments made (latest first) or, when the new "
        "flights cost more, charged to 'payment' (422 without one, 402 declined: then "
        "nothing changes). The booking keeps its record locator and gets new e-tickets." + KEY_DOC,
        responses=api_problem_responses(401, 402, 404, 409, 410, 422),
        opt={"api_key_scope": Scope.BOOK},
    )
    async def change(
        self,
        api: NamedDependency[ApiContext],
        request: Request[Any, Any, Any],
        booking_id: BookingId,
        data: JSONBody[ChangeIn],
    ) -> Response[bytes]:
        """The booking on its new flights."""

        async def work(receipt: Receipt | None) -> tuple[int, msgspec.Struct]:
            booking = await api.services.bookings.change(
                api.customer(), booking_id, data.request(), receipt=receipt
            )
            return _moved(booking)

        return await idempotent(api, request, work, _moved)
