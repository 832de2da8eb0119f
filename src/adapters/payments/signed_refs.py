"""Stateless provider refs: a payment's small state, signed and handed back to the caller.

The sandboxes keep no memory. Each result's ``provider_ref`` carries the payment's state as
JSON (base64url) with an HMAC-SHA256 over it, so any process holding the secret can resume,
capture or refund the payment, and a ref changed by anyone else is refused. A ref is signed,
not encrypted: nothing goes in it that the payer may not see (never a card number or CVC).

A ref changes only when the payer acts (``resume`` answers with a new one); capture, refunds
and webhooks then name that same ref, so it is the payment's id from there on. Since nothing is
remembered, a sandbox cannot tell a captured payment from an authorised one, nor add up refunds
across calls: each refund is bounded by the authorised amount, and the booking's own ledger
bounds their total by what it captured.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import msgspec

from adapters.payments.webhook_signature import (
    WebhookBody,
    event_body,
    from_unix,
    read_body,
    sign,
    unix,
)
from funflights_core.clock import Clock
from funflights_core.errors import InvalidInput
from funflights_core.money import Currency, Money
from funflights_core.payment_method import (
    ForgedWebhook,
    NextAction,
    PaymentEvent,
    PaymentRequest,
    PaymentResult,
    PaymentState,
    RefundResult,
    WebhookKind,
)

MIN_SECRET_BYTES = 32
"""As for HS256 keys (RFC 7518 section 3.2): no shorter than the hash output."""
MAX_REF_CHARS = 4096
MAX_REFERENCE_CHARS = 200

_REF_KEY_LABEL = b"funflights sandbox provider refs"
_NOT_OURS = "tampered with, or not issued by this provider"


class StoredAction(msgspec.Struct, frozen=True, omit_defaults=True):
    """A ``NextAction`` as kept in a ref."""

    kind: str
    url: str | None = None
    data: dict[str, str] = msgspec.field(default_factory=dict)


class SandboxPayment(msgspec.Struct, frozen=True, omit_defaults=True):
    """The state a ref carries: enough to go on with the payment in any process."""

    id: str
    state: PaymentState
    reference: str
    amount: str
    """What was asked for (a Decimal as text, exact)."""
    currency: str
    minor_units: int
    cash_increment: str | None = None
    summary: str = ""
    decline_reason: str | None = None
    action: StoredAction | None = None
    data: dict[str, str] = msgspec.field(default_factory=dict)
    """The method's own fields: a 3-D Secure challenge, an order's expiry, an invoice's rate."""

    def currency_of(self) -> Currency:
        """The payment's currency, rebuilt exactly as the request had it."""
        increment = None if self.cash_increment is None else Decimal(self.cash_increment)
        return Currency(self.currency, self.minor_units, increment)

    def due(self) -> Money:
        """The amount asked for."""
        return Money(Decimal(self.amount), self.currency_of())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SignedRefs:
    """Issues and reads one method's refs: ``<method>.<base64url JSON>.<base64url HMAC>``."""

    def __init__(self, secret: str, method: str) -> None:
        raw = secret.encode("utf-8")
        if len(raw) < MIN_SECRET_BYTES:
            raise ValueError(f"a payment secret must be at least {MIN_SECRET_BYTES} bytes")
        # A key of its own, so a ref's MAC can never double as a webhook signature.
        self._key = hmac.new(raw, _REF_KEY_LABEL, hashlib.sha256).digest()
        self._method = method

    def _mac(self, signed: str) -> bytes:
        return hmac.new(self._key, signed.encode("ascii"), hashlib.sha256).digest()

    def issue(self, payment: SandboxPayment) -> str:
        """The ref carrying ``payment``."""
        # The method's name is signed too: a card ref cannot be replayed at PayPal.
        signed = f"{self._method}.{_b64(msgspec.json.encode(payment))}"
        return f"{signed}.{_b64(self._mac(signed))}"

    def read(self, ref: str) -> SandboxPayment:
        """The payment a ref carries; ``InvalidInput`` unless this method issued it unchanged."""
        if len(ref) > MAX_REF_CHARS or not ref.isascii():
            raise InvalidInput("provider_ref", _NOT_OURS)
        method, _, rest = ref.partition(".")
        if method != self._method:
            raise InvalidInput("provider_ref", f"not a {self._method} payment reference")
        payload, _, mac = rest.partition(".")
        # Compared as text: base64 decoding skips stray characters, and a ref is either
        # exactly what was issued or refused.
        if hmac.compare_digest(mac, _b64(self._mac(f"{method}.{payload}"))):
            try:
                return msgspec.json.decode(_unb64(payload), type=SandboxPayment)
            except (binascii.Error, msgspec.DecodeError):
                pass  # only a ref signed with this secret by other code gets here
        raise InvalidInput("provider_ref", _NOT_OURS)

    def derive(self, *parts: str) -> str:
        """A hex id that only this secret produces from ``parts``, the same every time."""
        joined = "\x00".join((self._method, *parts)).encode("utf-8")
        return hmac.new(self._key, joined, hashlib.sha256).hexdigest()


def check_amount(amount: Money, field: str = "amount") -> None:
    """``InvalidInput`` unless the amount is positive and in whole minor units (chargeable)."""
    if amount.amount <= 0:
        raise InvalidInput(field, "must be more than zero")
    if amount.amount != amount.rounded().amount:
        raise InvalidInput(
            field, f"{amount.amount} is finer than a {amount.currency.code} minor unit"
        )


def _same_currency(payment: SandboxPayment, amount: Money) -> None:
    if amount.currency.code != payment.currency:
        raise InvalidInput(
            "amount", f"the payment is in {payment.currency}, not {amount.currency.code}"
        )


def _stored(action: NextAction | None) -> StoredAction | None:
    if action is None:
        return None
    return StoredAction(action.kind, action.url, dict(action.data))


class SandboxLedger:
    """The bookkeeping every sandbox shares (capture, refund, webhooks), kept in signed refs."""

    def __init__(self, method: str, secret: str, clock: Clock) -> None:
        self.refs = SignedRefs(secret, method)
        self._secret = secret
        self._clock = clock

    def open(
        self,
        request: PaymentRequest,
        state: PaymentState,
        *,
        payment_id: str | None = None,
        summary: str = "",
        decline_reason: str | None = None,
        action: NextAction | None = None,
        data: Mapping[str, str] | None = None,
    ) -> SandboxPayment:
        """A new payment for ``request`` after checking its reference and amount."""
        reference = request.reference
        if not reference.strip() or len(reference) > MAX_REFERENCE_CHARS:
            raise InvalidInput("reference", f"1 to {MAX_REFERENCE_CHARS} characters")
        check_amount(request.amount)
        currency = request.amount.currency
        increment = currency.cash_increment
        return SandboxPayment(
            id=payment_id or f"pay_{secrets.token_hex(12)}",
            state=state,
            reference=reference,
            amount=str(request.amount.amount),
            currency=currency.code,
            minor_units=currency.minor_units,
            cash_increment=None if increment is None else str(increment),
            summary=summary,
            decline_reason=decline_reason,
            action=_stored(action),
            data=dict(data or {}),
        )

    def read(self, provider_ref: str) -> SandboxPayment:
        """The payment a ref carries, or ``InvalidInput("provider_ref")``."""
        return self.refs.read(provider_ref)

    def result(self, payment: SandboxPayment, provider_ref: str | None = None) -> PaymentResult:
        """The payment as a port result, under ``provider_ref`` or a new ref carrying its state."""
        action = payment.action
        return PaymentResult(
            state=payment.state,
            provider_ref=provider_ref or self.refs.issue(payment),
            amount=payment.due(),
            action=None if action is None else NextAction(action.kind, action.url, action.data),
            decline_reason=payment.decline_reason,
            summary=payment.summary,
        )

    def capture(self, provider_ref: str, amount: Money) -> PaymentResult:
        """Take all or part of an authorised amount; a pending or declined payment stays so."""
        payment = self.read(provider_ref)
        _same_currency(payment, amount)
        check_amount(amount)
        if amount > payment.due():
            raise InvalidInput("amount", f"at most the {payment.due()} authorised")
        if payment.state is not PaymentState.AUTHORIZED:
            # Nothing to take (yet, or ever): the answer says what is still needed.
            return self.result(payment, provider_ref)
        # The ref stays as it is: the payment's id does not change when it is captured.
        return PaymentResult(PaymentState.CAPTURED, provider_ref, amount, summary=payment.summary)

    def refund(
        self, provider_ref: str, amount: Money, *, reference: str, pending_ok: bool = False
    ) -> RefundResult:
        """Give back up to the authorised amount; one ``reference`` always gets one refund ref.

        ``pending_ok`` is for methods whose money arrives with no call (a Bitcoin invoice): a
        payment still waiting for the payer may have been paid all the same.
        """
        payment = self.read(provider_ref)
        if payment.state is PaymentState.DECLINED:
            raise InvalidInput("provider_ref", "a declined payment took no money to refund")
        if payment.state is PaymentState.ACTION_REQUIRED and not pending_ok:
            raise InvalidInput("provider_ref", "the payment is waiting for the payer; no money yet")
        _same_currency(payment, amount)
        check_amount(amount)
        if amount > payment.due():
            raise InvalidInput("amount", f"at most the {payment.due()} paid")
        if not reference.strip():
            raise InvalidInput("reference", "a refund needs a reference (it makes retries safe)")
        refund_ref = f"re_{self.refs.derive('refund', payment.id, reference)[:24]}"
        return RefundResult(provider_ref=provider_ref, refund_ref=refund_ref, amount=amount)

    def simulated_webhook(
        self,
        kind: WebhookKind,
        provider_ref: str,
        at: datetime,
        extra: Mapping[str, str] | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """The signed callback the provider would send about a payment at ``at``."""
        payment = self.read(provider_ref)
        # The same event built twice is the same event: a replay repeats its id.
        facts = [f"{key}={value}" for key, value in sorted((extra or {}).items())]
        event_id = f"evt_{self.refs.derive('event', payment.id, kind, str(unix(at)), *facts)[:24]}"
        body = event_body(
            kind,
            event_id=event_id,
            provider_ref=provider_ref,
            reference=payment.reference,
            at=at,
            extra=extra,
        )
        return sign(body, self._secret, at), body

    def read_webhook(
        self, headers: Mapping[str, str], body: bytes
    ) -> tuple[WebhookBody, SandboxPayment]:
        """A callback verified and decoded, with the payment it names."""
        event = read_body(headers, body, self._secret, self._clock.now())
        try:
            payment = self.read(event.provider_ref)
        except InvalidInput:
            raise ForgedWebhook("the webhook names a payment this provider did not issue") from None
        if payment.reference != event.reference:
            raise ForgedWebhook("the webhook's reference is not its payment's")
        return event, payment

    def event(self, body: WebhookBody, payment: SandboxPayment) -> PaymentEvent:
        """A verified callback as the port's event (with the payment's amount unless FAILED)."""
        amount = None if body.type is WebhookKind.FAILED else payment.due()
        return PaymentEvent(
            event_id=body.id,
            kind=body.type,
            provider_ref=body.provider_ref,
            reference=body.reference,
            at=from_unix(body.created),
            amount=amount,
        )

    def webhook(self, headers: Mapping[str, str], body: bytes) -> PaymentEvent:
        """A callback verified, decoded and read as the port's event."""
        return self.event(*self.read_webhook(headers, body))


class LedgerBackedMethod:
    """What the card, wallet and PayPal sandboxes do alike: capture, refund and callbacks
    through their ``SandboxLedger`` (each sets ``_ledger``)."""

    _ledger: SandboxLedger

    async def capture(self, provider_ref: str, amount: Money) -> PaymentResult:
        """Take all or part of the authorised amount."""
        return self._ledger.capture(provider_ref, amount)

    async def refund(self, provider_ref: str, amount: Money, *, reference: str) -> RefundResult:
        """Refund up to the payment's amount; the same ``reference`` gives the same refund."""
        return self._ledger.refund(provider_ref, amount, reference=reference)

    def webhook(self, headers: Mapping[str, str], body: bytes) -> PaymentEvent:
        """A signed callback verified and read."""
        return self._ledger.webhook(headers, body)

    def simulated_webhook(
        self, kind: WebhookKind, provider_ref: str, at: datetime
    ) -> tuple[dict[str, str], bytes]:
        """The signed callback the sandbox would send about a payment (tests, demos)."""
        return self._ledger.simulated_webhook(kind, provider_ref, at)
