"""The PayPal sandbox: an order the payer approves on PayPal's site, then capture and refunds.

``authorize`` creates an order and answers ``ACTION_REQUIRED`` with the approval URL; PayPal
sends the payer back to the ``return_url`` with ``token`` (the order id) and ``PayerID``, which
the caller passes to ``resume`` as ``{"payer_id": ..., "token": ...}``, or ``{"cancelled":
"true"}`` when the payer cancelled. Orders not approved within three hours expire, as at PayPal.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Mapping
from datetime import timedelta

import msgspec

from adapters.payments.signed_refs import LedgerBackedMethod, SandboxLedger
from adapters.payments.webhook_signature import unix
from funflights_core.clock import Clock
from funflights_core.errors import InvalidInput
from funflights_core.payment_method import (
    NextAction,
    PaymentRequest,
    PaymentResult,
    PaymentState,
)

NAME = "paypal"
CHECKOUT_URL = "https://sandbox.paypal.example/checkoutnow?token={order_id}"
ORDER_TTL = timedelta(hours=3)
DECLINING_PAYER_ID = "DECLINEDPAYER"
"""A payer whose funding instrument PayPal refuses: ``instrument_declined``."""

_ORDER_ID_CHARS = string.ascii_uppercase + string.digits
_PAYER_ID = re.compile(r"[A-Z0-9]{13}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")


class PayPalSandbox(LedgerBackedMethod):
    """PayPal checkout: approve on PayPal, then authorise, capture, refund."""

    def __init__(self, secret: str, clock: Clock, *, order_ttl: timedelta = ORDER_TTL) -> None:
        self._clock = clock
        self._order_ttl = order_ttl
        self._ledger = SandboxLedger(NAME, secret, clock)

    @property
    def name(self) -> str:
        """``paypal``."""
        return NAME

    async def authorize(self, request: PaymentRequest) -> PaymentResult:
        """Create an order and send the payer to approve it (no details needed)."""
        # PayPal's order ids: 17 upper-case letters and digits.
        order_id = "".join(secrets.choice(_ORDER_ID_CHARS) for _ in range(17))
        expires = unix(self._clock.now() + self._order_ttl)
        action = NextAction(
            "approve", url=CHECKOUT_URL.format(order_id=order_id), data={"order_id": order_id}
        )
        payment = self._ledger.open(
            request,
            PaymentState.ACTION_REQUIRED,
            payment_id=order_id,
            summary="PayPal",
            action=action,
            data={"expires": str(expires)},
        )
        return self._ledger.result(payment)

    async def resume(self, provider_ref: str, response: Mapping[str, str]) -> PaymentResult:
        """The payer is back: ``payer_id`` (``email``, ``token`` optional) or ``cancelled=true``."""
        payment = self._ledger.read(provider_ref)
        if payment.state is not PaymentState.ACTION_REQUIRED:
            raise InvalidInput("provider_ref", f"the payment is {payment.state}, not waiting")
        token = response.get("token")
        if token is not None and token != payment.id:
            raise InvalidInput("token", "not this payment's PayPal order")
        reason: str | None = None
        summary = payment.summary
        if response.get("cancelled") == "true":
            reason = "payer_cancelled"
        elif unix(self._clock.now()) > int(payment.data["expires"]):
            reason = "order_expired"
        else:
            payer_id = response.get("payer_id", "")
            if not _PAYER_ID.fullmatch(payer_id):
                raise InvalidInput("payer_id", "PayPal's PayerID: 13 capital letters and digits")
            summary = f"PayPal {_payer(payer_id, response.get('email'))}"
            if payer_id == DECLINING_PAYER_ID:
                reason = "instrument_declined"
        state = PaymentState.AUTHORIZED if reason is None else PaymentState.DECLINED
        answered = msgspec.structs.replace(
            payment, state=state, decline_reason=reason, action=None, summary=summary
        )
        return self._ledger.result(answered)


def _payer(payer_id: str, email: str | None) -> str:
    if email is None:
        return f"payer {payer_id}"
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise InvalidInput("email", "not an email address")
    return email
