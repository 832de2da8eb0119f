"""Use cases of bookings: hold an offer's seats, pay, confirm, cancel and refund, expire.

Seats are counted by the database (``SeatLedger``), never by reading then writing here; a
booking read, changed and stored again is checked against its version, so two requests
racing on one booking cannot both win. Every move is audited and every event the customer
hears of goes to the outbox in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from funflights_core.audit import AuditEntry, audit_state
from funflights_core.booking import (
    MAX_BAGS,
    BagChoice,
    Booking,
    BookingPrice,
    CancellationQuote,
    Payment,
    Refund,
    RefundState,
    SeatChoice,
    Ticket,
    record_locator,
    ticket_number,
)
from funflights_core.booking_status import HOLDING, BookingLifecycle, BookingStatus
from funflights_core.clock import Clock
from funflights_core.coupon import Coupon, discount, refusal
from funflights_core.coupons import CouponService
from funflights_core.errors import (
    AuthenticationFailed,
    Conflict,
    FunFlightsError,
    Gone,
    InvalidInput,
    NotFound,
)
from funflights_core.exchange import CurrencyExchange
from funflights_core.flight import Flight, FlightStatus
from funflights_core.flight_search import FEW_SEATS, SALE_LEAD
from funflights_core.idempotency import KeyInUse
from funflights_core.idempotent_requests import IdempotentRequests
from funflights_core.ids import IdGenerator
from funflights_core.loyalty import points_to_usd
from funflights_core.loyalty_accounts import LoyaltyService
from funflights_core.margin_rule import FlightFacts
from funflights_core.money import Money
from funflights_core.offer import Offer
from funflights_core.offers import OfferService
from funflights_core.outbox import EventKind, OutboxEvent
from funflights_core.payment_method import (
    PaymentDeclined,
    PaymentEvent,
    PaymentMethod,
    PaymentMethodDirectory,
    PaymentRequest,
    PaymentResult,
    PaymentState,
    WebhookKind,
)
from funflights_core.price_quotes import Buyer
from funflights_core.refund_policy import RefundPolicy, standard_policy
from funflights_core.seat_map import seat_maps
from funflights_core.tenant import Tenant
from funflights_core.traveller import Traveller, check_party
from funflights_core.unit_of_work import TenantUnitOfWork, UnitOfWorkFactory

_log = logging.getLogger(__name__)
DEFAULT_HOLD = timedelta(minutes=15)
QUOTE_VALID_FOR = timedelta(minutes=15)
DEFAULT_BAG_FEE = (Decimal(40), "EUR")
"""One extra checked bag on one flight, before conversion to the booking's currency."""
SUBJECT = "booking"


class PriceChanged(Conflict):
    """The offer's price moved since it was made: the customer sees both (409)."""

    def __init__(self, old: Money, new: Money) -> None:
        super().__init__(f"the price changed from {old} to {new}; hold again to accept it")
        self.old = old
        self.new = new


class SoldOut(Conflict):
    """Not enough seats are left for the party (409)."""


@attrs.frozen
class HoldRequest:
    """What a customer sends to hold an offer."""

    offer_id: str
    travellers: tuple[Traveller, ...]
    seats: tuple[SeatChoice, ...] = ()
    bags: tuple[BagChoice, ...] = ()
    coupons: tuple[str, ...] = ()
    redeem_points: int = 0


@attrs.frozen
class PayRequest:
    """How a customer pays a held booking."""

    method: str
    details: Mapping[str, str] = attrs.field(factory=dict)
    currency: str | None = None
    """The currency to pay in; default: the booking's."""
    return_url: str | None = None


@attrs.frozen
class ChangeRequest:
    """Move a booking to the flights of another offer; ``payment`` pays a higher price;
    ``seats`` chooses seat numbers on the new flights."""

    offer_id: str
    payment: PayRequest | None = None
    seats: tuple[SeatChoice, ...] = ()


Receipt = Callable[[TenantUnitOfWork, Booking], Awaitable[None]]
"""Called with the booking as it will be answered, in the transaction that stores it (an
Idempotency-Key's answer is kept with the change it answers: both or neither)."""


class BookingService:
    """Bookings of each tenant, from an offer to a trip (or a refund)."""

    def __init__(
        self,
        *,
        database: UnitOfWorkFactory,
        offers: OfferService,
        exchange: CurrencyExchange,
        payments: PaymentMethodDirectory,
        coupons: CouponService,
        loyalty: LoyaltyService,
        clock: Clock,
        ids: IdGenerator,
        hold_for: timedelta = DEFAULT_HOLD,
        refund_policy: RefundPolicy | None = None,
        bag_fee: tuple[Decimal, str] = DEFAULT_BAG_FEE,
    ) -> None:
        self._database = database
        self._offers = offers
        self._exchange = exchange
        self._payments = payments
        self._coupons = coupons
        self._loyalty = loyalty
        self._clock = clock
        self._ids = ids
        self._hold_for = hold_for
        self._policy = refund_policy or standard_policy()
        self._bag_fee = bag_fee

    # -- holding ---------------------------------------------------------------------------

    async def hold(
        self, buyer: Buyer, request: HoldRequest, *, receipt: Receipt | None = None
    ) -> Booking:
        """Seats held for the travellers at the offer's price (checked again now)."""
        customer = _customer(buyer)
        # One read of the offer and its flights, priced again: a changed price is refused
        # before anything else is checked or held.
        check, itinerary = await self._offers.checked(buyer, request.offer_id)
        offer = check.offer
        if offer.customer_id is not None and offer.customer_id != customer:
            raise NotFound(f"no offer {offer.id}")
        flights = _sold(itinerary.flights)
        now = self._clock.now()
        departs_at = flights[0].departs_at
        check_party(
            request.travellers, offer.passengers, travel_day=departs_at.date(), today=now.date()
        )
        if check.changed:
            raise PriceChanged(check.old_total, check.new_total)
        booking_id = self._ids.new_id()
        draft = Booking(
            id=booking_id,
            tenant_id=buyer.tenant.id,
            customer_id=customer,
            offer_id=offer.id,
            flight_ids=offer.flight_ids,
            cabin=offer.cabin,
            travellers=request.travellers,
            price=await self._price(buyer, offer, flights, request, customer),
            departs_at=departs_at,
            hold_expires_at=now + self._hold_for,
            lifecycle=BookingLifecycle.begun(now, buyer.actor, "held from an offer"),
            seats=request.seats,
            bags=tuple(bag for bag in request.bags if bag.bags),
            reseller=buyer.reseller,
        )
        _check_extras(draft, flights)
        try:
            return await self._held(draft, receipt)
        except SoldOut:
            # Holds whose time ran out may still count their seats when no worker runs:
            # release what is due, then try once more.
            if not await self.expire_due(limit=100):
                raise
            return await self._held(draft, receipt)

    async def _held(self, draft: Booking, receipt: Receipt | None) -> Booking:
        async with self._database.for_tenant(draft.tenant_id) as uow:
            few = await _take_seats(uow, draft)
            await self._assign_seats(uow, draft)
            for code in sorted(draft.price.coupons):
                # Always in one order: two bookings redeeming the same codes lock alike.
                await self._coupons.redeem_in(uow, code, draft.customer_id, draft.id)
            if draft.price.points:
                await self._loyalty.redeem_in(uow, draft.customer_id, draft.price.points, draft.id)
            actor = draft.lifecycle.changes[-1].actor
            await uow.bookings.add(draft, self._audited(None, draft, actor))
            if few:
                await uow.seats.seats_changed()
            if receipt is not None:
                await receipt(uow, draft)
            await uow.commit()
        return draft

    @staticmethod
    async def _assign_seats(uow: TenantUnitOfWork, booking: Booking) -> None:
        """The booking's seat numbers, each to one booking only (``Conflict`` if taken)."""
        for choice in booking.seats:
            if not await uow.seats.assign(choice.flight_id, choice.seat, booking.id):
                raise Conflict(f"seat {choice.seat} on {choice.flight_id} is taken")

    async def _price(
        self,
        buyer: Buyer,
        offer: Offer,
        flights: Sequence[Flight],
        request: HoldRequest,
        customer: str,
    ) -> BookingPrice:
        fares = offer.total
        zero = fares * 0
        amount, code = self._bag_fee
        fee = await self._converted(
            Money(amount, self._exchange.currency(code)), offer.currency, buyer.tenant
        )
        bags = sum(bag.bags for bag in request.bags)
        extras = fee * bags
        codes = tuple(sorted({code.strip().upper() for code in request.coupons if code.strip()}))
        off = await self._discount(buyer, offer, flights, codes, customer, fares + extras)
        points, points_value = 0, None
        if request.redeem_points:
            if buyer.reseller:
                raise InvalidInput("redeem_points", "points are a customer's: sign in to use them")
            points = request.redeem_points
            if points < 0:
                raise InvalidInput("redeem_points", "must not be negative")
            usd = Money(
                points_to_usd(points, buyer.tenant.point_value_usd), self._exchange.currency("USD")
            )
            points_value = await self._converted(usd, offer.currency, None)
            if points_value > fares + extras - off:
                raise InvalidInput(
                    "redeem_points", "these points are worth more than the price left to pay"
                )
        return BookingPrice(
            fares=fares,
            extras=extras if bags else zero,
            discount=off,
            bag_fee=fee,
            coupons=codes,
            points=points,
            points_value=points_value,
        )

    async def _discount(
        self,
        buyer: Buyer,
        offer: Offer,
        flights: Sequence[Flight],
        codes: Sequence[str],
        customer: str,
        price: Money,
    ) -> Money:
        zero = price * 0
        if not codes:
            return zero
        first = flights[0]
        facts = FlightFacts(
            carrier=first.marketing_carrier,
            flight_number=first.flight_number,
            origin=first.origin,
            destination=flights[-1].destination,
            origin_country="",
            destination_country="",
            departure=first.departs_at.date(),
            cabin=offer.cabin.value,
        )
        accepted: list[Coupon] = []
        left = price
        margin_left = _margin(offer)
        total = zero
        for code in codes:
            try:
                coupon, use = await self._coupons.for_customer(buyer.tenant.id, code, customer)
            except NotFound:
                raise InvalidInput("coupons", f"there is no coupon {code}") from None
            if coupon.amounts_currency not in (None, price.currency.code):
                one = Money(Decimal(1), self._exchange.currency(str(coupon.amounts_currency)))
                rate = (await self._exchange.convert(one, price.currency.code)).mid_rate
                coupon = coupon.in_currency(price.currency, rate)
            refused = refusal(
                coupon, price=price, flight=facts, at=self._clock.now(), used=use, others=accepted
            )
            if refused is not None:
                raise InvalidInput("coupons", f"{code}: {refused}")
            off = discount(coupon, left)
            if not coupon.below_cost_allowed and off > margin_left:
                off = margin_left  # never below what the providers are paid
            left = left - off
            margin_left = margin_left - off
            total = total + off
            accepted.append(coupon)
        return total.rounded()

    async def _converted(self, money: Money, code: str, tenant: Tenant | None) -> Money:
        if money.currency.code == code:
            return money
        spread = Decimal(0) if tenant is None else tenant.exchange_spread
        return (await self._exchange.convert(money, code, spread=spread)).converted.rounded()

    # -- reading ---------------------------------------------------------------------------

    async def get(self, buyer: Buyer, booking_id: str) -> Booking:
        """The customer's booking (a hold past its time is released as it is read)."""
        _customer(buyer)  # a visitor is asked to sign in
        async with self._database.for_tenant(buyer.tenant.id, one_statement=True) as uow:
            booking = await uow.bookings.get(booking_id)
        if booking is None or not _mine(buyer, booking):
            raise NotFound(f"no booking {booking_id}")
        if booking.hold_lapsed(self._clock.now()):
            return await self.expire(buyer.tenant.id, booking.id) or booking
        return booking

    async def trips(self, buyer: Buyer, *, upcoming: bool, limit: int = 50) -> Sequence[Booking]:
        """The customer's trips still to come (soonest first) or past (latest first)."""
        customer = _customer(buyer)
        if not 1 <= limit <= 100:
            raise InvalidInput("limit", "use 1 to 100")
        now = self._clock.now()
        async with self._database.for_tenant(buyer.tenant.id) as uow:
            found = await uow.bookings.for_customer(
                customer, upcoming=upcoming, now=now, limit=limit
            )
        trips = []
        for booking in found:
            if not _mine(buyer, booking):
                continue  # a customer's id never names a reseller's key, nor the other way
            if booking.hold_lapsed(now):
                booking = await self.expire(buyer.tenant.id, booking.id) or booking
            trips.append(booking)
        return trips

    async def seat_numbers_taken(self, buyer: Buyer, flight_id: str) -> frozenset[str]:
        """The seat numbers bookings (of every tenant) have on a flight."""
        async with self._database.for_tenant(buyer.tenant.id) as uow:
            return await uow.seats.taken(flight_id)

    # -- paying ----------------------------------------------------------------------------

    async def pay(
        self,
        buyer: Buyer,
        booking_id: str,
        request: PayRequest,
        *,
        receipt: Receipt | None = None,
    ) -> Booking:
        """Pay a held booking: confirmed, or waiting for the payer to act (3-D Secure,
        PayPal approval, a Bitcoin invoice). ``PaymentDeclined`` leaves it held."""
        _customer(buyer)  # a visitor is asked to sign in
        method = self._payments.get(request.method)
        actor = buyer.actor
        now = self._clock.now()
        # One transaction reads, checks and claims the booking: a second payment started
        # meanwhile finds it under way, and a lapsed hold is released right here.
        async with self._database.for_tenant(buyer.tenant.id) as uow:
            booking = await uow.bookings.get(booking_id, for_update=True)
            if booking is None or not _mine(buyer, booking):
                raise NotFound(f"no booking {booking_id}")
            if booking.hold_lapsed(now):
                await self._expire_in(uow, booking, now)
                await uow.commit()
            if booking.status is BookingStatus.EXPIRED or booking.hold_lapsed(now):
                raise Gone(f"the hold of booking {booking_id} expired; hold the offer again")
            if booking.status is not BookingStatus.HELD:
                raise Conflict(f"a {booking.status} booking cannot be paid")
            total = booking.price.total
            code = (request.currency or total.currency.code).strip().upper()
            amount, rate = total, Decimal(1)
            if code != total.currency.code:
                conversion = await self._exchange.convert(
                    total, code, spread=buyer.tenant.exchange_spread
                )
                amount, rate = conversion.converted.rounded(), conversion.applied_rate
            paying = booking.moved(
                BookingStatus.AWAITING_PAYMENT,
                at=now,
                actor=actor,
                reason=f"payment by {method.name}",
                payment=Payment(method.name, "", PaymentState.ACTION_REQUIRED, amount, rate),
            )
            await self._replace(uow, booking, paying, actor)
            await uow.commit()
        paying = attrs.evolve(paying, version=booking.version + 1)
        try:
            result = await method.authorize(
                PaymentRequest(booking.id, amount, request.details, request.return_url)
            )
        except Exception:
            await self._back_to_held(paying, actor, "the payment could not start")
            raise
        return await self._after_provider(paying, result, actor, buyer.tenant, receipt)

    async def resume(
        self,
        buyer: Buyer,
        booking_id: str,
        response: Mapping[str, str],
        *,
        receipt: Receipt | None = None,
    ) -> Booking:
        """Go on with a payment after the payer acted (3-D Secure, PayPal approval)."""
        booking = await self.get(buyer, booking_id)
        payment = booking.payment
        if booking.status is not BookingStatus.AWAITING_PAYMENT or payment is None:
            raise Conflict(f"booking {booking_id} has no payment waiting for you")
        method = self._payments.get(payment.method)
        result = await method.resume(payment.provider_ref, response)
        return await self._after_provider(booking, result, buyer.actor, buyer.tenant, receipt)

    async def _after_provider(
        self,
        booking: Booking,
        result: PaymentResult,
        actor: str,
        tenant: Tenant | None = None,
        receipt: Receipt | None = None,
    ) -> Booking:
        payment = booking.payment
        assert payment is not None  # set when the payment started
        if result.state is PaymentState.DECLINED:
            await self._back_to_held(booking, actor, f"declined: {result.decline_reason}")
            raise PaymentDeclined(
                f"the payment was declined ({result.decline_reason or 'no reason given'});"
                " the seats stay held until the hold expires"
            )
        recorded = attrs.evolve(
            payment,
            provider_ref=result.provider_ref,
            state=result.state,
            summary=result.summary,
            action=result.action,
        )
        if result.state is PaymentState.ACTION_REQUIRED:
            return await self._store(attrs.evolve(booking, payment=recorded), actor, receipt)
        method = self._payments.get(payment.method)
        if result.state is PaymentState.AUTHORIZED:
            try:
                result = await method.capture(result.provider_ref, payment.amount)
            except BaseException:
                # Nothing taken: the authorisation lapses at the provider; pay again.
                await self._back_to_held(booking, actor, "the payment could not be captured")
                raise
        if result.state is not PaymentState.CAPTURED:
            return await self._store(attrs.evolve(booking, payment=recorded), actor, receipt)
        # Providers may name the captured payment anew: refunds must name that one.
        captured = attrs.evolve(
            recorded, provider_ref=result.provider_ref, state=PaymentState.CAPTURED, action=None
        )
        try:
            try:
                return await self._confirm(booking, captured, actor, tenant, receipt)
            except FunFlightsError:
                raise
            except Exception:
                # Not a rule but the database (a connection dropped by a failover, say):
                # once more before giving the money back. Safe: the confirmation is at a
                # version, and one already made by this payment is found and returned.
                _log.warning("confirming booking %s failed once; trying again", booking.id)
                return await self._confirm(booking, captured, actor, tenant, receipt)
        except Gone:
            raise
        except BaseException:
            # Taken but not recorded: give it back rather than keep money for no booking.
            await self._refund_orphan(booking, captured)
            await self._back_to_held(booking, actor, "the payment could not be recorded")
            raise

    async def _confirm(
        self,
        booking: Booking,
        payment: Payment,
        actor: str,
        tenant: Tenant | None = None,
        receipt: Receipt | None = None,
    ) -> Booking:
        """Record the captured payment, issue locator and tickets, earn points."""
        now = self._clock.now()
        if tenant is None:
            # Read before the write transaction: on SQLite it holds the only write lock.
            tenant = await self._tenant(booking.tenant_id)
        async with self._database.for_tenant(booking.tenant_id) as uow:
            current: Booking | None = None
            if booking.status in HOLDING:
                # Most often nothing moved since the payment started: confirm the booking as
                # it was left, at its version (the UPDATE locks it), and read it only if not.
                confirmed = self._confirmed(booking, payment, actor, now)
                audit = self._audited(booking, confirmed, actor)
                stored = attrs.evolve(confirmed, version=booking.version)
                if await uow.bookings.replace(stored, audit):
                    current = booking
            if current is None:
                current = await uow.bookings.get(booking.id, for_update=True)
                recorded = None if current is None else current.payment
                if (
                    current is not None
                    and current.status not in HOLDING
                    and recorded is not None
                    and recorded.provider_ref == payment.provider_ref
                    and recorded.state is PaymentState.CAPTURED
                ):
                    # Confirmed already by this very payment (a repeat, a race, a retry
                    # after a commit whose answer was lost): answered as it stands.
                    if receipt is not None:
                        await receipt(uow, current)
                        await uow.commit()
                    return current
                if current is None or current.status not in HOLDING:
                    # Released, cancelled, or confirmed by another payment meanwhile: this one
                    # has nothing to pay for.
                    await uow.rollback()
                    await self._refund_orphan(booking, payment)
                    raise Gone(
                        f"booking {booking.id} was released before the payment arrived; "
                        "the payment is refunded"
                    )
                confirmed = self._confirmed(current, payment, actor, now)
                await self._replace(uow, current, confirmed, actor)
            if not current.reseller:
                await self._loyalty.earn_in(
                    uow, tenant, current.customer_id, current.price.total, booking.id
                )
            await self._event(uow, EventKind.BOOKING_CONFIRMED, confirmed)
            answered = attrs.evolve(confirmed, version=confirmed.version + 1)
            if receipt is not None:
                await receipt(uow, answered)
            await uow.commit()
        return answered

    def _confirmed(self, current: Booking, payment: Payment, actor: str, now: datetime) -> Booking:
        """The booking paid: confirmed, with a record locator and a ticket per passenger
        and flight."""
        tickets = tuple(
            Ticket(p, flight_id, ticket_number(current.id, p, flight_id))
            for p in range(len(current.travellers))
            for flight_id in current.flight_ids
        )
        return current.moved(
            BookingStatus.CONFIRMED,
            at=now,
            actor=actor,
            reason=f"paid by {payment.method}",
            payment=payment,
            record_locator=record_locator(self._ids.new_id()),
            tickets=tickets,
        )

    async def _refund_orphan(self, booking: Booking, payment: Payment) -> None:
        method = self._payments.get(payment.method)
        # The same reference as a late callback's: the provider refunds one payment once.
        await method.refund(
            payment.provider_ref, payment.amount, reference=_late(payment.provider_ref)
        )

    async def _back_to_held(self, booking: Booking, actor: str, reason: str) -> None:
        async with self._database.for_tenant(booking.tenant_id) as uow:
            current = await uow.bookings.get(booking.id, for_update=True)
            if current is None or current.status is not BookingStatus.AWAITING_PAYMENT:
                return
            held = current.moved(
                BookingStatus.HELD, at=self._clock.now(), actor=actor, reason=reason, payment=None
            )
            await self._replace(uow, current, held, actor)
            await uow.commit()

    async def webhook(self, method_name: str, headers: Mapping[str, str], body: bytes) -> str:
        """A provider's callback, verified and applied once: what it did, in words."""
        method = self._payments.get(method_name)
        event = method.webhook(headers, body)
        async with self._database.platform() as platform:
            tenant_id = await platform.lapsed_holds.tenant_of(event.reference)
        if tenant_id is None:
            return "ignored: no such booking"
        actor = f"payments:{method.name}"
        # The event's id is its idempotency key: applied once, a claim abandoned by a dead
        # process taken over. The claim's time names it when answering or releasing.
        keys = IdempotentRequests(database=self._database, clock=self._clock)
        now = self._clock.now()
        try:
            applied = await keys.claim(tenant_id, event.event_id, actor, event.event_id, at=now)
        except KeyInUse:
            raise KeyInUse("this event is being applied now; send it again shortly") from None
        if applied is not None:
            return "ignored: already applied"
        try:
            async with self._database.for_tenant(tenant_id) as uow:
                booking = await uow.bookings.get(event.reference)
            if booking is None:
                return "ignored: no such booking"
            outcome = await self._apply_event(booking, event, method, actor)
        except BaseException:
            # Not applied: the provider's next attempt must be taken, not ignored.
            await keys.release(tenant_id, event.event_id, actor, claimed_at=now)
            raise
        # Not kept if another process took the claim over meanwhile: applying an event twice
        # changes nothing (the booking holds the payment already).
        await keys.answer(tenant_id, event.event_id, actor, 200, outcome.encode(), claimed_at=now)
        return outcome

    async def _apply_event(
        self, booking: Booking, event: PaymentEvent, method: PaymentMethod, actor: str
    ) -> str:
        payment = booking.payment
        waiting = (
            booking.status is BookingStatus.AWAITING_PAYMENT
            and payment is not None
            and payment.method == method.name
            and payment.provider_ref == event.provider_ref
        )
        if _recorded(booking, event.provider_ref):
            # The booking holds this payment already (a repeat, or a callback that lost the
            # race with the payer's own request): nothing to do, and nothing to give back.
            return "ignored: already recorded"
        if (
            booking.status is BookingStatus.AWAITING_PAYMENT
            and payment is not None
            and not payment.provider_ref
        ):
            # A payment is being recorded right now: let the provider send it again.
            raise KeyInUse("the booking's payment is being recorded; send the callback again")
        if event.kind is WebhookKind.PAID:
            arrived = event.amount
            if arrived is None:
                return "ignored: no amount"
            if not waiting or event.late:
                due = payment if waiting else None
                await self._refund_late(
                    method, event.provider_ref, arrived, due, reference=event.event_id
                )
                return "refunded: the payment arrived after the hold ended"
            assert payment is not None
            if arrived.currency.code != payment.amount.currency.code:
                await self._refund_late(method, event.provider_ref, arrived, None)
                return "refunded: paid in another currency than asked"
            if arrived < payment.amount:
                await method.refund(event.provider_ref, arrived, reference=event.event_id)
                reason = f"underpaid: {arrived} of {payment.amount}"
                await self._back_to_held(booking, actor, reason)
                return "refunded: underpaid"
            paid = attrs.evolve(
                payment, provider_ref=event.provider_ref, state=PaymentState.CAPTURED, action=None
            )
            try:
                await self._confirm(booking, paid, actor)
            except Gone:
                return "refunded: the payment arrived after the hold ended"
            return "confirmed"
        if not waiting:
            if event.kind is WebhookKind.CAPTURED and event.amount is not None:
                # Money taken for a booking that does not hold it: give it back.
                await self._refund_late(method, event.provider_ref, event.amount, None)
                return "refunded: no payment was waiting for it"
            return "ignored: no payment waiting"
        assert payment is not None
        if event.kind is WebhookKind.FAILED:
            await self._back_to_held(booking, actor, "the provider reported the payment failed")
            return "payment failed: the booking is held again"
        authorized = event.kind is WebhookKind.AUTHORIZED
        result = PaymentResult(
            PaymentState.AUTHORIZED if authorized else PaymentState.CAPTURED,
            event.provider_ref,
            payment.amount,
            summary=payment.summary,
        )
        try:
            await self._after_provider(booking, result, actor)
        except Gone:
            return "refunded: the payment arrived after the hold ended"
        return "confirmed"

    async def _refund_late(
        self,
        method: PaymentMethod,
        provider_ref: str,
        arrived: Money,
        due: Payment | None,
        *,
        reference: str | None = None,
    ) -> None:
        """Give back money that came for nothing: never more than was asked, once.

        ``reference`` tells one arrival from another (two late transfers to one invoice);
        without it the refund is the capture's own, the same on every path.
        """
        back = arrived
        if due is not None and due.amount.currency.code == arrived.currency.code:
            back = arrived if arrived <= due.amount else due.amount
        name = _late(provider_ref) if reference is None else f"{_late(provider_ref)}-{reference}"
        await method.refund(provider_ref, back, reference=name)

    # -- cancelling ------------------------------------------------------------------------

    async def quote_cancellation(
        self, buyer: Buyer, booking_id: str, passengers: Sequence[int] | None = None
    ) -> CancellationQuote:
        """What cancelling these passengers (all when None) would give back, and how."""
        booking = await self.get(buyer, booking_id)
        now = self._clock.now()
        chosen = self._chosen(booking, passengers)
        refund: Money | None = None
        method: str | None = None
        if booking.status in (BookingStatus.CONFIRMED, BookingStatus.PARTIALLY_REFUNDED):
            assert booking.payment is not None
            shares = booking.shares()
            paid = sum((shares[p] for p in chosen), booking.payment.amount * 0)
            policy = buyer.tenant.refund_policy or self._policy
            refund = policy.quote(
                paid,
                departs_at=booking.departs_at,
                at=now,
                passengers=len(chosen),
                cabin=booking.cabin,
            ).refund
            method = booking.payment.method
        elif booking.status not in HOLDING:
            raise Conflict(f"a {booking.status} booking cannot be cancelled")
        elif len(chosen) != len(booking.travellers):
            raise InvalidInput("passengers", "an unpaid booking is cancelled whole")
        if booking.departs_at <= now:
            raise Conflict("the trip has begun: it can no longer be cancelled")
        quote = CancellationQuote(
            id=self._ids.new_id(),
            passengers=chosen,
            refund=refund,
            method=method,
            created_at=now,
            expires_at=now + QUOTE_VALID_FOR,
        )
        await self._store(attrs.evolve(booking, quote=quote), buyer.actor)
        return quote

    async def cancel(
        self, buyer: Buyer, booking_id: str, quote_id: str, *, receipt: Receipt | None = None
    ) -> Booking:
        """Cancel as quoted: seats back, the refund to the original payment method
        (``receipt``: called with the cancelled booking in its transaction)."""
        _customer(buyer)  # a visitor is asked to sign in
        now = self._clock.now()
        actor = buyer.actor
        # Checked, refunded and recorded under the booking's lock: two confirmations of one
        # quote, or a change racing it, cannot both give money back.
        async with self._database.for_tenant(buyer.tenant.id) as uow:
            current = await uow.bookings.get(booking_id, for_update=True)
            if current is None or not _mine(buyer, current):
                raise NotFound(f"no booking {booking_id}")
            quote = current.quote
            if quote is None or quote.id != quote_id:
                raise NotFound(f"no cancellation quote {quote_id} for booking {booking_id}")
            if now >= quote.expires_at:
                raise Gone("the cancellation quote expired; ask for a new one")
            refunds = current.refunds
            if quote.refund is not None and quote.refund.amount > 0:
                # The quote's id makes the refunds idempotent at the provider: a retry after
                # a failed commit gives back the same refunds, not more.
                refunds += await self._give_back(
                    current, quote.refund, quote.id, quote.passengers, "cancelled", now
                )
            everyone = frozenset(range(len(current.travellers)))
            if current.status in HOLDING:
                leaving, status = everyone, BookingStatus.CANCELLED
            else:
                leaving = frozenset(quote.passengers)
                if current.cancelled | leaving == everyone:
                    status = BookingStatus.REFUNDED if refunds else BookingStatus.CANCELLED
                else:
                    status = BookingStatus.PARTIALLY_REFUNDED
            after = current.moved(
                status,
                at=now,
                actor=actor,
                reason=f"cancelled {len(leaving - current.cancelled)} passenger(s)",
                cancelled=current.cancelled | leaving,
                refunds=refunds,
            )
            await self._release(uow, current, leaving)
            if after.cancelled == everyone:
                await self._undo_rewards(uow, current)
            elif leaving - current.cancelled and not current.reseller:
                # The points of those who leave go (earned) or come back (redeemed).
                share = current.share_of(leaving - current.cancelled)
                if share >= 1:  # they held the whole price (free fares, their bags)
                    await self._loyalty.reverse_in(uow, current.customer_id, current.id)
                elif share > 0:
                    await self._loyalty.reverse_part_in(uow, current.customer_id, current.id, share)
            await self._replace(uow, current, after, actor)
            await self._event(uow, EventKind.BOOKING_CANCELLED, after)
            if refunds != current.refunds:
                await self._event(uow, EventKind.BOOKING_REFUNDED, after)
            stored = attrs.evolve(after, version=current.version + 1)
            if receipt is not None:
                await receipt(uow, stored)
            await uow.commit()
        if after.refunds_pending:
            return await self.settle(buyer.tenant.id, after.id) or stored
        return stored

    async def _give_back(
        self,
        booking: Booking,
        amount: Money,
        reference: str,
        passengers: tuple[int, ...],
        reason: str,
        now: datetime,
    ) -> tuple[Refund, ...]:
        """The refunds of ``amount`` from the booking's payments, the latest first, each up
        to what it has left: pending, to be recorded with the change that owes them and
        asked of the provider after it commits (``settle``)."""
        refunds: list[Refund] = []
        remaining = amount
        for n, (payment, left) in enumerate(booking.refundable()):
            if remaining.amount <= 0:
                break
            if left.amount <= 0:
                continue
            part = remaining if remaining <= left else left
            refunds.append(
                Refund(
                    id=self._ids.new_id(),
                    amount=part,
                    refund_ref="",
                    passengers=passengers,
                    at=now,
                    reason=reason,
                    provider_ref=payment.provider_ref,
                    state=RefundState.PENDING,
                    reference=f"{reference}-{n}",
                )
            )
            remaining = remaining - part
        return tuple(refunds)

    async def settle(self, tenant_id: str, booking_id: str) -> Booking | None:
        """Ask the provider for each pending refund of a booking (the same reference every
        time: once given, asking again gives the same refund) and record what it gave.

        A provider that fails leaves the refund pending for the next try (the worker's);
        the booking is as stored after, or None if there is none.
        """
        async with self._database.for_tenant(tenant_id) as uow:
            booking = await uow.bookings.get(booking_id)
        if booking is None or not booking.refunds_pending:
            return booking
        payments = {p.provider_ref: p for p in (booking.payment, *booking.top_ups) if p}
        given: dict[str, str] = {}
        for refund in booking.refunds:
            if refund.state is not RefundState.PENDING:
                continue
            payment = payments.get(refund.provider_ref)
            if payment is None:
                continue
            try:
                done = await self._payments.get(payment.method).refund(
                    refund.provider_ref, refund.amount, reference=refund.reference
                )
            except Exception:
                _log.warning("refund %s of booking %s failed; kept pending", refund.id, booking_id)
                continue
            given[refund.id] = done.refund_ref
        if not given:
            return booking
        async with self._database.for_tenant(tenant_id) as uow:
            current = await uow.bookings.get(booking_id, for_update=True)
            if current is None:
                return None
            settled = attrs.evolve(
                current,
                refunds=tuple(
                    attrs.evolve(r, state=RefundState.DONE, refund_ref=given[r.id])
                    if r.id in given and r.state is RefundState.PENDING
                    else r
                    for r in current.refunds
                ),
            )
            await self._replace(uow, current, settled, "payments")
            await uow.commit()
        return attrs.evolve(settled, version=current.version + 1)

    async def settle_due(self, limit: int = 100) -> int:
        """Settle every tenant's bookings that owe refunds (up to ``limit``): how many."""
        async with self._database.platform() as platform:
            due = await platform.lapsed_holds.refunds_due(limit)
        settled = 0
        for tenant_id, booking_id in due:
            after = await self.settle(tenant_id, booking_id)
            if after is not None and not after.refunds_pending:
                settled += 1
        return settled

    # -- changing dates --------------------------------------------------------------------

    async def change(
        self,
        buyer: Buyer,
        booking_id: str,
        request: ChangeRequest,
        *,
        receipt: Receipt | None = None,
    ) -> Booking:
        """Move a confirmed booking to the flights of another offer (a new date): the new
        price is checked, the seats move, and the difference is charged or refunded
        (``receipt``: called with the moved booking in its transaction)."""
        customer = _customer(buyer)
        check, itinerary = await self._offers.checked(buyer, request.offer_id)
        if check.changed:
            raise PriceChanged(check.old_total, check.new_total)
        offer = check.offer
        if offer.customer_id is not None and offer.customer_id != customer:
            raise NotFound(f"no offer {offer.id}")
        flights = _sold(itinerary.flights)
        now = self._clock.now()
        actor = buyer.actor
        captured: tuple[PaymentMethod, Payment] | None = None
        try:
            async with self._database.for_tenant(buyer.tenant.id) as uow:
                current = await uow.bookings.get(booking_id, for_update=True)
                if current is None or not _mine(buyer, current):
                    raise NotFound(f"no booking {booking_id}")
                draft = await self._changed(buyer, current, offer, flights, now, actor)
                draft = attrs.evolve(draft, seats=request.seats)
                _check_extras(draft, flights)
                # The old seats first: a change to the same flights (a new fare) must not
                # need seats the booking already holds.
                await self._release(uow, current, frozenset(range(len(current.travellers))))
                few = await _take_seats(uow, draft)
                await self._assign_seats(uow, draft)
                difference = draft.price.total - current.price.total
                payment = current.payment
                assert payment is not None  # confirmed, so paid
                owed = Money(difference.amount * payment.rate, payment.amount.currency).rounded()
                if owed.amount > 0:
                    top_up = await self._top_up(current, owed, payment.rate, request.payment)
                    captured = (self._payments.get(top_up.method), top_up)
                    draft = attrs.evolve(draft, top_ups=(*current.top_ups, top_up))
                elif owed.amount < 0:
                    # Named by the booking's version: a retry after a failed commit gives
                    # back the same refunds, not more.
                    back = await self._give_back(
                        current,
                        -owed,
                        f"change-{current.id}-{current.version}-{offer.id}",
                        (),
                        "date change",
                        now,
                    )
                    draft = attrs.evolve(draft, refunds=(*current.refunds, *back))
                if few:
                    await uow.seats.seats_changed()
                await self._replace(uow, current, draft, actor)
                await self._event(uow, EventKind.BOOKING_CHANGED, draft)
                if owed.amount < 0:
                    await self._event(uow, EventKind.BOOKING_REFUNDED, draft)
                stored = attrs.evolve(draft, version=current.version + 1)
                if receipt is not None:
                    await receipt(uow, stored)
                await uow.commit()
        except BaseException:
            if captured is not None:
                # Charged for a change that did not happen: give it back.
                method, top_up = captured
                await method.refund(
                    top_up.provider_ref, top_up.amount, reference=_late(top_up.provider_ref)
                )
            raise
        if draft.refunds_pending:
            return await self.settle(buyer.tenant.id, draft.id) or stored
        return stored

    async def _changed(
        self,
        buyer: Buyer,
        current: Booking,
        offer: Offer,
        flights: Sequence[Flight],
        now: datetime,
        actor: str,
    ) -> Booking:
        """The booking on the offer's flights (not stored), or why it cannot move there."""
        if current.status is not BookingStatus.CONFIRMED:
            raise Conflict(f"a {current.status} booking cannot change flights")
        if current.cancelled:
            raise Conflict("a booking with cancelled passengers cannot change flights")
        if current.departs_at <= now + SALE_LEAD:
            raise Conflict("the trip begins too soon to change it")
        if offer.currency != current.currency:
            raise InvalidInput("offer_id", f"make the offer in {current.currency}, as booked")
        departs_at = flights[0].departs_at
        check_party(
            current.travellers, offer.passengers, travel_day=departs_at.date(), today=now.date()
        )
        carried = {
            p: max((b.bags for b in current.bags if b.passenger == p), default=0)
            for p in range(len(current.travellers))
        }
        bags = tuple(
            BagChoice(p, flight.id, count)
            for p, count in carried.items()
            if count
            for flight in flights
        )
        fee = current.price.bag_fee
        price = attrs.evolve(
            current.price,
            fares=offer.total,
            extras=fee * sum(b.bags for b in bags) if bags else fee * 0,
        )
        return current.moved(
            BookingStatus.CONFIRMED,
            at=now,
            actor=actor,
            reason="moved to " + " ".join(offer.flight_ids),
            offer_id=offer.id,
            flight_ids=offer.flight_ids,
            cabin=offer.cabin,
            price=price,
            departs_at=departs_at,
            seats=(),
            bags=bags,
            tickets=tuple(
                Ticket(p, flight_id, ticket_number(current.id, p, flight_id))
                for p in range(len(current.travellers))
                for flight_id in offer.flight_ids
            ),
        )

    async def _top_up(
        self, booking: Booking, owed: Money, rate: Decimal, request: PayRequest | None
    ) -> Payment:
        """The difference, captured (in the first payment's currency)."""
        if request is None:
            raise InvalidInput(
                "payment", f"the new flights cost {owed} more: send a payment for it"
            )
        method = self._payments.get(request.method)
        result = await method.authorize(
            PaymentRequest(booking.id, owed, request.details, request.return_url)
        )
        if result.state is PaymentState.DECLINED:
            raise PaymentDeclined(
                f"the payment of the difference was declined ({result.decline_reason}); "
                "nothing changed"
            )
        if result.state is PaymentState.ACTION_REQUIRED:
            raise InvalidInput(
                "payment",
                f"{method.name} needs the payer to act; pay a change's difference with a "
                "card that does not (nothing was charged)",
            )
        if result.state is PaymentState.AUTHORIZED:
            result = await method.capture(result.provider_ref, owed)
        if result.state is not PaymentState.CAPTURED:
            raise InvalidInput("payment", "the difference could not be taken; nothing changed")
        return Payment(
            method.name, result.provider_ref, PaymentState.CAPTURED, owed, rate, result.summary
        )

    # -- expiring --------------------------------------------------------------------------

    async def expire(self, tenant_id: str, booking_id: str) -> Booking | None:
        """Release a hold whose time ran out; None if it is not (or no longer) due."""
        now = self._clock.now()
        async with self._database.for_tenant(tenant_id) as uow:
            booking = await uow.bookings.get(booking_id, for_update=True)
            if booking is None or not booking.hold_lapsed(now):
                return None
            expired = await self._expire_in(uow, booking, now)
            await uow.commit()
        return expired

    async def _expire_in(self, uow: TenantUnitOfWork, booking: Booking, now: datetime) -> Booking:
        """Release a lapsed hold inside ``uow``: the booking as stored after."""
        expired = booking.moved(
            BookingStatus.EXPIRED, at=now, actor="worker", reason="the hold ran out unpaid"
        )
        await self._release(uow, booking, frozenset(range(len(booking.travellers))))
        await self._undo_rewards(uow, booking)
        await self._replace(uow, booking, expired, "worker")
        await self._event(uow, EventKind.HOLD_EXPIRED, expired)
        return attrs.evolve(expired, version=booking.version + 1)

    async def expire_due(self, limit: int = 100) -> int:
        """Release every tenant's lapsed holds (up to ``limit``): how many were released."""
        async with self._database.platform() as platform:
            due = await platform.lapsed_holds.due(self._clock.now(), limit)
        released = 0
        for tenant_id, booking_id in due:
            if await self.expire(tenant_id, booking_id) is not None:
                released += 1
        return released

    # -- shared steps ----------------------------------------------------------------------

    async def _release(
        self, uow: TenantUnitOfWork, booking: Booking, passengers: frozenset[int]
    ) -> None:
        """Give back the seats and seat numbers of these (not yet cancelled) passengers."""
        leaving = passengers - booking.cancelled
        seated = booking.seated_among(leaving)
        few = False
        for flight_id in booking.flight_ids:
            if seated:
                left = await uow.seats.give_back(flight_id, booking.cabin, seated)
                few = few or left - seated <= FEW_SEATS
        for choice in booking.seats:
            if choice.passenger in leaving:
                await uow.seats.unassign(choice.flight_id, choice.seat, booking.id)
        if few:
            await uow.seats.seats_changed()

    async def _undo_rewards(self, uow: TenantUnitOfWork, booking: Booking) -> None:
        for code in booking.price.coupons:
            await uow.coupons.release(code, booking.id)
        if not booking.reseller:
            await self._loyalty.reverse_in(uow, booking.customer_id, booking.id)

    async def _store(self, booking: Booking, actor: str, receipt: Receipt | None = None) -> Booking:
        async with self._database.for_tenant(booking.tenant_id) as uow:
            current = await uow.bookings.get(booking.id, for_update=True)
            if current is None or current.version != booking.version:
                raise Conflict(f"booking {booking.id} changed meanwhile; read it again")
            await self._replace(uow, current, booking, actor)
            stored = attrs.evolve(booking, version=booking.version + 1)
            if receipt is not None:
                await receipt(uow, stored)
            await uow.commit()
        return stored

    async def _replace(
        self, uow: TenantUnitOfWork, before: Booking, after: Booking, actor: str
    ) -> None:
        # Every status move is audited, in the same write as the booking where it can be.
        audit = self._audited(before, after, actor) if after.status is not before.status else None
        if not await uow.bookings.replace(attrs.evolve(after, version=before.version), audit):
            raise Conflict(f"booking {before.id} changed meanwhile; read it again")

    def _audited(self, before: Booking | None, after: Booking, actor: str) -> AuditEntry:
        """The audit record of a booking's latest status move."""
        change = after.lifecycle.changes[-1]
        return AuditEntry(
            id=self._ids.new_id(),
            tenant_id=after.tenant_id,
            subject=SUBJECT,
            subject_id=after.id,
            action="create" if before is None else "update",
            actor=actor,
            at=change.at,
            before=None if before is None else audit_state(_summary(before)),
            after=audit_state({**_summary(after), "reason": change.reason}),
        )

    async def _event(self, uow: TenantUnitOfWork, kind: EventKind, booking: Booking) -> None:
        # A reseller's booking has no traveller account to write to: the event is kept
        # (marked for the reseller's channel), nobody is emailed.
        user = None if booking.reseller else await uow.users.get(booking.customer_id)
        payload = {
            "email": "" if user is None else user.email,
            "name": "" if user is None else user.full_name,
            "channel": "reseller" if booking.reseller else "email",
            "record_locator": booking.record_locator or "",
            "status": booking.status.value,
            "flights": " ".join(booking.flight_ids),
            "departs_at": booking.departs_at.isoformat(),
            "total": str(booking.price.total),
        }
        if booking.refunds:
            payload["refunded"] = str(booking.refunded)
        await uow.outbox.add(
            OutboxEvent(
                id=self._ids.new_id(),
                tenant_id=booking.tenant_id,
                kind=kind,
                subject_id=booking.id,
                payload=payload,
                created_at=self._clock.now(),
            )
        )

    async def _tenant(self, tenant_id: str) -> Tenant:
        async with self._database.platform() as platform:
            tenant = await platform.tenants.get(tenant_id)
        if tenant is None:
            raise NotFound(f"no tenant {tenant_id}")
        return tenant

    @staticmethod
    def _chosen(booking: Booking, passengers: Sequence[int] | None) -> tuple[int, ...]:
        everyone = range(len(booking.travellers))
        chosen = tuple(sorted(set(everyone if passengers is None else passengers)))
        for p in chosen:
            if p not in everyone:
                raise InvalidInput("passengers", f"there is no passenger {p}")
            if p in booking.cancelled:
                raise InvalidInput("passengers", f"passenger {p} is cancelled already")
        if not chosen:
            raise InvalidInput("passengers", "choose at least one passenger")
        return chosen


def _recorded(booking: Booking, provider_ref: str) -> bool:
    """Whether the booking holds this captured payment (its first one, or a top-up)."""
    payment = booking.payment
    if payment is None or payment.state is not PaymentState.CAPTURED:
        return False
    return provider_ref in {payment.provider_ref, *(t.provider_ref for t in booking.top_ups)}


async def _take_seats(uow: TenantUnitOfWork, booking: Booking) -> bool:
    """Take the booking's seats on each of its flights (``SoldOut`` if too few are left):
    whether a cabin is now down to the few seats searches show."""
    few = False
    for flight_id in booking.flight_ids:
        left = await uow.seats.take(flight_id, booking.cabin, booking.seated)
        if left is None:
            raise SoldOut(
                f"fewer than {booking.seated} {booking.cabin} seats are left on {flight_id}"
            )
        few = few or left <= FEW_SEATS
    return few


def _sold(flights: Sequence[Flight]) -> list[Flight]:
    """The flights, if every one is still sold; ``Conflict`` naming one that is not."""
    for flight in flights:
        if flight.status is FlightStatus.CANCELLED:
            raise Conflict(f"flight {flight.id} is no longer sold")
    return list(flights)


def _late(provider_ref: str) -> str:
    """The refund reference for money that came for a booking no longer waiting for it."""
    return f"late-{provider_ref}"


def _mine(buyer: Buyer, booking: Booking) -> bool:
    """Whether the booking is this customer's (or, for a reseller, this key's)."""
    return booking.customer_id == buyer.customer_id and booking.reseller == buyer.reseller


def _customer(buyer: Buyer) -> str:
    if buyer.customer_id is None:
        raise AuthenticationFailed("sign in to book: bookings belong to a registered customer")
    return buyer.customer_id


def _margin(offer: Offer) -> Money:
    """The offer's margin in its own currency (each line's share of its total)."""
    total = offer.total * 0
    for line in offer.lines:
        cost = line.base_fare + line.taxes + line.margin
        if cost.amount > 0 and line.margin.amount > 0:
            total = total + line.total * (line.margin.amount / cost.amount)
    return total


def _check_extras(booking: Booking, flights: Sequence[Flight]) -> None:
    """Seats and bags name real passengers, flights and seats, once each."""
    count = len(booking.travellers)
    by_id = {flight.id: flight for flight in flights}
    seen: set[tuple[int, str]] = set()
    numbers: set[tuple[str, str]] = set()
    cabin_seats: dict[str, set[str]] = {}
    for n, choice in enumerate(booking.seats):
        field = f"seats[{n}]"
        if not 0 <= choice.passenger < count:
            raise InvalidInput(field, f"there is no passenger {choice.passenger}")
        flight = by_id.get(choice.flight_id)
        if flight is None:
            raise InvalidInput(field, f"flight {choice.flight_id} is not in this offer")
        if booking.is_infant(booking.travellers[choice.passenger]):
            raise InvalidInput(field, "an infant travels on an adult's lap, without a seat")
        if (choice.passenger, choice.flight_id) in seen:
            raise InvalidInput(field, "one seat per passenger and flight")
        if (choice.flight_id, choice.seat) in numbers:
            raise InvalidInput(field, f"seat {choice.seat} is chosen twice")
        if flight.id not in cabin_seats:  # a map is built once per flight, not per seat
            cabin_seats[flight.id] = {
                seat.designator
                for seat_map in seat_maps(flight)
                if seat_map.cabin_class is booking.cabin
                for row in seat_map.rows
                for seat in row.seats
            }
        if choice.seat not in cabin_seats[flight.id]:
            raise InvalidInput(field, f"there is no {booking.cabin} seat {choice.seat}")
        seen.add((choice.passenger, choice.flight_id))
        numbers.add((choice.flight_id, choice.seat))
    bagged: set[tuple[int, str]] = set()
    for n, bag in enumerate(booking.bags):
        field = f"bags[{n}]"
        if not 0 <= bag.passenger < count:
            raise InvalidInput(field, f"there is no passenger {bag.passenger}")
        if bag.flight_id not in by_id:
            raise InvalidInput(field, f"flight {bag.flight_id} is not in this offer")
        if not 0 <= bag.bags <= MAX_BAGS:
            raise InvalidInput(field, f"0 to {MAX_BAGS} extra bags")
        if (bag.passenger, bag.flight_id) in bagged:
            raise InvalidInput(field, "one bag line per passenger and flight")
        bagged.add((bag.passenger, bag.flight_id))


def _summary(booking: Booking) -> dict[str, Any]:
    return {
        "status": booking.status.value,
        "total": str(booking.price.total),
        "record_locator": booking.record_locator,
        "cancelled": sorted(booking.cancelled),
        "refunded": None if booking.refunded is None else str(booking.refunded),
    }
