"""The card method's sandbox: documented test numbers, a simulated 3-D Secure step, no network.

The card is checked as a real gateway would (Luhn, brand, expiry, CVC); the outcome then comes
from the test number, not from an issuer. Nothing is remembered between calls: the state
travels in the signed ``provider_ref`` (see ``signed_refs``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

import msgspec

from adapters.payments.signed_refs import LedgerBackedMethod, SandboxLedger
from funflights_core.clock import Clock
from funflights_core.errors import InvalidInput
from funflights_core.payment_card import read_card
from funflights_core.payment_method import (
    NextAction,
    PaymentRequest,
    PaymentResult,
    PaymentState,
)

NAME = "card"
SUCCEEDING_NUMBERS = ("4242424242424242", "5555555555554444", "378282246310005")
"""VISA, Mastercard, AMEX; so does any other valid number of those brands."""
DECLINING_NUMBERS = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
}
THREE_D_SECURE_NUMBER = "4000000000003220"
"""Needs the payer's 3-D Secure answer: ``resume(ref, {"result": "pass" | "fail"})``."""
THREE_D_SECURE_FAILED = "authentication_failed"
MAX_HOLDER_CHARS = 100


class CardSandbox(LedgerBackedMethod):
    """Cards (VISA, Mastercard, AMEX) against the sandbox's test numbers."""

    def __init__(self, secret: str, clock: Clock) -> None:
        self._clock = clock
        self._ledger = SandboxLedger(NAME, secret, clock)

    @property
    def name(self) -> str:
        """``card``."""
        return NAME

    async def authorize(self, request: PaymentRequest) -> PaymentResult:
        """Check the card, then authorise, decline or ask for 3-D Secure by its number."""
        details = request.details
        card = read_card(
            details.get("number", ""),
            details.get("expiry", ""),
            details.get("cvc", ""),
            self._clock.now().date(),
        )
        if len(details.get("holder", "").strip()) > MAX_HOLDER_CHARS:
            raise InvalidInput("card.holder", f"at most {MAX_HOLDER_CHARS} characters")
        if card.number in DECLINING_NUMBERS:
            payment = self._ledger.open(
                request,
                PaymentState.DECLINED,
                summary=card.masked,
                decline_reason=DECLINING_NUMBERS[card.number],
            )
        elif card.number == THREE_D_SECURE_NUMBER:
            challenge = f"3ds_{secrets.token_hex(8)}"
            payment = self._ledger.open(
                request,
                PaymentState.ACTION_REQUIRED,
                summary=card.masked,
                action=NextAction("three_d_secure", url=None, data={"challenge": challenge}),
                data={"challenge": challenge},
            )
        else:
            payment = self._ledger.open(request, PaymentState.AUTHORIZED, summary=card.masked)
        return self._ledger.result(payment)

    async def resume(self, provider_ref: str, response: Mapping[str, str]) -> PaymentResult:
        """Apply the payer's 3-D Secure answer: ``{"result": "pass"}`` or ``{"result": "fail"}``."""
        payment = self._ledger.read(provider_ref)
        if payment.state is not PaymentState.ACTION_REQUIRED:
            raise InvalidInput("provider_ref", f"the payment is {payment.state}, not waiting")
        challenge = response.get("challenge")
        if challenge is not None and challenge != payment.data.get("challenge"):
            raise InvalidInput("challenge", "not this payment's 3-D Secure challenge")
        answer = response.get("result")
        if answer == "pass":
            state, reason = PaymentState.AUTHORIZED, None
        elif answer == "fail":
            state, reason = PaymentState.DECLINED, THREE_D_SECURE_FAILED
        else:
            raise InvalidInput("result", "the 3-D Secure answer is pass or fail")
        answered = msgspec.structs.replace(payment, state=state, decline_reason=reason, action=None)
        return self._ledger.result(answered)
