"""A booking: an offer held for named travellers, paid, ticketed, and perhaps cancelled.

The booking is one aggregate: its travellers, seats and bags, its price, its payment and
refunds, and its lifecycle (``booking_status``). Changes return a new booking; the store
keeps a version so that two processes changing one booking cannot both win.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import attrs

from funflights_core.booking_status import HOLDING, BookingLifecycle, BookingStatus
from funflights_core.flight import CabinClass
from funflights_core.money import Money
from funflights_core.payment_method import NextAction, PaymentState
from funflights_core.traveller import AgeGroup, Traveller, age_group

LOCATOR_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Record locators avoid letters read as digits (I, O) and digits read as letters (0, 1)."""
MAX_BAGS = 3
"""Extra checked bags one passenger may add per flight."""


def record_locator(seed: str) -> str:
    """A six-character record locator derived from a fresh id (``ABC23D``)."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(LOCATOR_ALPHABET[byte % len(LOCATOR_ALPHABET)] for byte in digest[:6])


def ticket_number(booking_id: str, passenger: int, flight_id: str) -> str:
    """A 13-digit e-ticket number: the platform's 3-digit prefix, then 10 digits."""
    digest = hashlib.sha256(f"{booking_id}/{passenger}/{flight_id}".encode()).hexdigest()
    return "999" + str(int(digest[:16], 16) % 10**10).zfill(10)


@attrs.frozen
class SeatChoice:
    """A seat chosen for one passenger (by position, from 0) on one flight."""

    passenger: int
    flight_id: str
    seat: str


@attrs.frozen
class BagChoice:
    """Extra checked bags for one passenger on one flight."""

    passenger: int
    flight_id: str
    bags: int


@attrs.frozen
class Ticket:
    """The e-ticket of one passenger on one flight."""

    passenger: int
    flight_id: str
    number: str


@attrs.frozen
class BookingPrice:
    """What the booking costs, in the offer's currency: fares, extras, less discounts."""

    fares: Money
    extras: Money
    discount: Money
    """What the coupons took off."""
    bag_fee: Money
    """What one extra bag costs on one flight."""
    coupons: tuple[str, ...] = ()
    points: int = 0
    """Loyalty points spent toward the price."""
    points_value: Money | None = None

    @property
    def total(self) -> Money:
        """Fares and extras less coupons and points (never below nothing)."""
        zero = self.fares * 0
        due = self.fares + self.extras - self.discount - (self.points_value or zero)
        return (due if due > zero else zero).rounded()


@attrs.frozen
class Payment:
    """The booking's payment: the method, the provider's reference, and what it took."""

    method: str
    provider_ref: str
    state: PaymentState
    amount: Money
    """In the currency the payer pays in."""
    rate: Decimal
    """Booking currency to payment currency (1 when they are the same)."""
    summary: str = ""
    action: NextAction | None = None


class RefundState(enum.StrEnum):
    """Whether the provider has given the money back yet."""

    PENDING = "pending"
    """Recorded with the change that owes it; the provider is asked after the commit (and
    again by the worker until it answers), always with the same reference."""
    DONE = "done"


@attrs.frozen
class Refund:
    """Money given back: how much (in the payment's currency), for whom, and why."""

    id: str
    amount: Money
    refund_ref: str
    passengers: tuple[int, ...]
    """Whose cancellation it pays back (none for a date change's difference)."""
    at: datetime
    reason: str
    provider_ref: str = ""
    """The payment it was taken from ("": the booking's first payment)."""
    state: RefundState = RefundState.DONE
    reference: str = ""
    """What makes it happen once at the provider, however often it is asked."""


@attrs.frozen
class CancellationQuote:
    """What cancelling some passengers would give back, valid until ``expires_at``."""

    id: str
    passengers: tuple[int, ...]
    refund: Money | None
    """In the payment's currency; None when nothing was paid (a hold is just released)."""
    method: str | None
    """Where the refund goes: the payment's method."""
    created_at: datetime
    expires_at: datetime


@attrs.frozen
class Booking:
    """Seats held or sold to named travellers, on the flights of one offer."""

    id: str
    tenant_id: str
    customer_id: str
    offer_id: str
    flight_ids: tuple[str, ...]
    cabin: CabinClass
    travellers: tuple[Traveller, ...]
    price: BookingPrice
    departs_at: datetime
    """When the first flight leaves (UTC): trips are upcoming until then."""
    hold_expires_at: datetime
    lifecycle: BookingLifecycle
    seats: tuple[SeatChoice, ...] = ()
    bags: tuple[BagChoice, ...] = ()
    record_locator: str | None = None
    tickets: tuple[Ticket, ...] = ()
    payment: Payment | None = None
    refunds: tuple[Refund, ...] = ()
    cancelled: frozenset[int] = frozenset()
    """Passengers (by position) whose part is cancelled."""
    quote: CancellationQuote | None = None
    """The latest cancellation quote, until it is confirmed or a newer one replaces it."""
    top_ups: tuple[Payment, ...] = ()
    """Captured payments of the difference when a date change cost more."""
    reseller: bool = False
    """Sold through a reseller's API key (``customer_id`` is the key's id): it earns no
    loyalty points and no email goes to a traveller account; the reseller reads it back."""
    version: int = 0
    """Bumped by the store on every change: a stale copy cannot overwrite a newer one."""

    @property
    def refunds_pending(self) -> bool:
        """Whether money is owed back that the provider has not given yet."""
        return any(refund.state is RefundState.PENDING for refund in self.refunds)

    @property
    def status(self) -> BookingStatus:
        """Where the booking stands."""
        return self.lifecycle.status

    @property
    def currency(self) -> str:
        """The currency the booking is priced in."""
        return self.price.fares.currency.code

    @property
    def seated(self) -> int:
        """Seats the booking takes on each flight (infants travel on a lap)."""
        return sum(1 for t in self.travellers if not self.is_infant(t))

    def is_infant(self, traveller: Traveller) -> bool:
        """Whether the traveller is under two on the day of the first flight."""
        return age_group(traveller.born, self.departs_at.date()) is AgeGroup.INFANT

    def seated_among(self, passengers: frozenset[int]) -> int:
        """How many of these passengers take a seat."""
        return sum(1 for p in passengers if not self.is_infant(self.travellers[p]))

    def hold_lapsed(self, now: datetime) -> bool:
        """Whether the booking still holds unpaid seats past its hold's expiry."""
        return self.status in HOLDING and now >= self.hold_expires_at

    @property
    def captured(self) -> Money | None:
        """What the payments took, in their currency (None before the first is captured)."""
        if self.payment is None or self.payment.state is not PaymentState.CAPTURED:
            return None
        return sum((top_up.amount for top_up in self.top_ups), self.payment.amount)

    @property
    def refunded(self) -> Money | None:
        """What was given back so far, in the payment's currency."""
        if self.payment is None:
            return None
        zero = self.payment.amount * 0
        return sum((refund.amount for refund in self.refunds), zero)

    def refundable(self) -> list[tuple[Payment, Money]]:
        """Each captured payment with what can still be given back from it, latest first."""
        if self.payment is None or self.payment.state is not PaymentState.CAPTURED:
            return []
        payments = [*reversed(self.top_ups), self.payment]
        left = []
        for payment in payments:
            taken = sum(
                (
                    r.amount
                    for r in self.refunds
                    if (r.provider_ref or self.payment.provider_ref) == payment.provider_ref
                ),
                payment.amount * 0,
            )
            left.append((payment, payment.amount - taken))
        return left

    def shares(self) -> tuple[Money, ...]:
        """Each passenger's share of what was paid, less the differences given back by date
        changes (split to the minor unit)."""
        captured = self.captured
        if captured is None:
            return ()
        for refund in self.refunds:
            if not refund.passengers:
                captured = captured - refund.amount
        weights = [self._weight(p) for p in range(len(self.travellers))]
        return captured.allocate(weights)

    def share_of(self, passengers: Iterable[int]) -> Decimal:
        """The part (0-1) of the booking's price that is these passengers'."""
        weights = [self._weight(p) for p in range(len(self.travellers))]
        whole = sum(weights, Decimal(0))
        if whole == 0:
            return Decimal(len(set(passengers))) / len(self.travellers)
        return sum((weights[p] for p in set(passengers)), Decimal(0)) / whole

    def _weight(self, passenger: int) -> Decimal:
        # Fares split evenly between passengers; extras belong to whoever has them.
        bags = sum(b.bags for b in self.bags if b.passenger == passenger)
        return self.price.fares.amount / len(self.travellers) + bags * self.price.bag_fee.amount

    def moved(
        self, status: BookingStatus, *, at: datetime, actor: str, reason: str, **changes: object
    ) -> Booking:
        """The booking after a status move (``IllegalMove`` if not allowed), with changes.

        A cancellation quote is for the booking as it stood: any move drops it.
        """
        lifecycle = self.lifecycle.moved(status, at=at, actor=actor, reason=reason)
        changes.setdefault("quote", None)
        return attrs.evolve(self, lifecycle=lifecycle, **changes)  # type: ignore[arg-type]
