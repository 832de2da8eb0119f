"""The PaymentMethod port: one per way of paying (cards, wallets, PayPal, Bitcoin).

Booking code talks only to this interface; a method is a plugin chosen by its ``name``, so
adding one touches no booking code. A payment is authorised for an amount first (which may
need the payer to act: a 3-D Secure challenge, a PayPal approval, a Bitcoin invoice), then
captured, and may later be refunded in part or whole. Providers also call back with
webhooks, which the method verifies (signature, age) before anything reads them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

import attrs

from funflights_core.errors import FunFlightsError
from funflights_core.money import Money


class PaymentState(enum.StrEnum):
    """Where a payment stands at the provider."""

    ACTION_REQUIRED = "action_required"
    """The payer must act first (``PaymentResult.action`` says how)."""
    AUTHORIZED = "authorized"
    """The amount is reserved on the payer's account; capture takes it."""
    CAPTURED = "captured"
    """The money is taken."""
    DECLINED = "declined"
    """Refused (``PaymentResult.decline_reason`` says why); nothing is taken."""


@attrs.frozen
class PaymentRequest:
    """What to authorise: for which booking, how much, and the method's own details."""

    reference: str
    """The booking the payment is for (providers echo it back in webhooks)."""
    amount: Money
    """In the currency the payer pays in."""
    details: Mapping[str, str] = attrs.field(factory=dict)
    """The method's fields: a card's number, expiry and CVC; a wallet's token; ..."""
    return_url: str | None = None
    """Where a payer who leaves to approve (PayPal) comes back to."""


@attrs.frozen
class NextAction:
    """What the payer must do before the payment can go on."""

    kind: str
    """``three_d_secure``, ``approve`` (PayPal) or ``pay_invoice`` (Bitcoin)."""
    url: str | None = None
    data: Mapping[str, str] = attrs.field(factory=dict)
    """E.g. an invoice's address, amount in BTC and expiry."""


@attrs.frozen
class PaymentResult:
    """The provider's answer about one payment."""

    state: PaymentState
    provider_ref: str
    """The provider's id of the payment; every later call names it."""
    amount: Money
    action: NextAction | None = None
    decline_reason: str | None = None
    summary: str = ""
    """What the payer recognises it by, safe to show: ``VISA •••• 4242``, a PayPal email."""


@attrs.frozen
class RefundResult:
    """A refund the provider accepted."""

    provider_ref: str
    refund_ref: str
    amount: Money


class WebhookKind(enum.StrEnum):
    """What a provider's callback tells."""

    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    FAILED = "failed"
    PAID = "paid"
    """An invoice was paid (``amount``: what arrived, possibly less, possibly late)."""


@attrs.frozen
class PaymentEvent:
    """A verified webhook."""

    event_id: str
    """Unique per event at the provider: a replayed webhook repeats it."""
    kind: WebhookKind
    provider_ref: str
    reference: str
    """The booking."""
    at: datetime
    amount: Money | None = None
    """For ``PAID``: what arrived, in the payment's currency at the invoice's rate."""
    late: bool = False
    """For ``PAID``: the money arrived after the invoice expired."""


class PaymentDeclined(FunFlightsError):
    """The provider refused the payment (402)."""


class ForgedWebhook(FunFlightsError):
    """A webhook whose signature does not verify, or too old to trust (400)."""


class PaymentMethod(Protocol):
    """One way of paying, at one provider."""

    @property
    def name(self) -> str:
        """How bookings name it: ``card``, ``apple_pay``, ``paypal``, ``bitcoin``, ..."""
        ...

    async def authorize(self, request: PaymentRequest) -> PaymentResult:
        """Start a payment: authorised, declined, or waiting for the payer to act.

        ``InvalidInput`` when the details are malformed (a number that fails the Luhn check,
        a missing token): nothing was attempted.
        """
        ...

    async def resume(self, provider_ref: str, response: Mapping[str, str]) -> PaymentResult:
        """Go on after the payer acted (the 3-D Secure answer, the PayPal approval)."""
        ...

    async def capture(self, provider_ref: str, amount: Money) -> PaymentResult:
        """Take an authorised amount (all of it, or less).

        Methods whose money arrives already taken (a Bitcoin invoice, reported ``PAID`` by
        webhook) answer ``CAPTURED`` once paid, and ``ACTION_REQUIRED`` before.
        """
        ...

    async def refund(self, provider_ref: str, amount: Money, *, reference: str) -> RefundResult:
        """Give back part or all of a captured payment; ``reference`` makes it idempotent."""
        ...

    def webhook(self, headers: Mapping[str, str], body: bytes) -> PaymentEvent:
        """A provider's callback verified and read; ``ForgedWebhook`` if it cannot be trusted."""
        ...


class PaymentMethodDirectory(Protocol):
    """The payment methods a deployment offers, by name."""

    def get(self, name: str) -> PaymentMethod:
        """The method with this name; ``InvalidInput`` naming those there are, otherwise."""
        ...

    def names(self) -> tuple[str, ...]:
        """Every method's name."""
        ...
