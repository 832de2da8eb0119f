"""The Bitcoin sandbox: an invoice in BTC at the current rate, paid on chain, reported by webhook.

``authorize`` prices the amount in BTC (rounded up to a satoshi, so paying the invoice always
covers the amount due), derives a testnet address, and answers ``ACTION_REQUIRED`` with a
``pay_invoice`` action. The money then arrives, or not, on the chain: the provider reports it
with a ``PAID`` webhook naming the invoice's ref, whose ``amount`` is what arrived, in the
invoice's currency at the invoice's rate, rounded down to a minor unit (less than due when the
payer paid short), and ``late`` when it came after the invoice expired.

Being stateless, the sandbox cannot tell from an invoice's ref whether it was paid, so
``capture`` on it always answers ``ACTION_REQUIRED``: booking code treats the ``PAID`` webhook
as the capture. For the same reason refunds on an open invoice's ref are accepted (up to the
invoice's amount): the money may have arrived. ``simulated_payment`` builds the webhook.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import attrs
import msgspec

from adapters.payments.signed_refs import SandboxLedger, check_amount
from adapters.payments.webhook_signature import from_unix, unix
from funflights_core.clock import Clock
from funflights_core.errors import InvalidInput, RateUnavailable
from funflights_core.money import Money
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

NAME = "bitcoin"
INVOICE_TTL = timedelta(minutes=15)
SATOSHI = Decimal("0.00000001")

BtcPrice = Callable[[str], Awaitable[Decimal]]
"""The price of 1 BTC in the given fiat currency (an ISO 4217 code)."""

_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_GENERATORS = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: list[int]) -> int:
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for bit, generator in enumerate(_BECH32_GENERATORS):
            if (top >> bit) & 1:
                check ^= generator
    return check


def p2wpkh_testnet_address(key_hash: bytes) -> str:
    """The bech32 (BIP 173) testnet address paying to a 20-byte key hash: ``tb1q...``."""
    if len(key_hash) != 20:
        raise ValueError("a P2WPKH key hash is 20 bytes")
    bits = int.from_bytes(key_hash, "big")
    # 160 bits regroup exactly into 32 five-bit digits, most significant first.
    program = [(bits >> (5 * shift)) & 31 for shift in range(31, -1, -1)]
    hrp = "tb"
    data = [0, *program]  # witness version 0
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    mod = _polymod(expanded + data + [0] * 6) ^ 1
    checksum = [(mod >> (5 * (5 - i))) & 31 for i in range(6)]
    return f"{hrp}1" + "".join(_BECH32[d] for d in data + checksum)


def fixed_btc_prices(prices: Mapping[str, Decimal]) -> BtcPrice:
    """A ``btc_price`` from a fixed table (demos, tests); ``RateUnavailable`` off the table."""
    table = dict(prices)

    async def btc_price(currency: str) -> Decimal:
        try:
            return table[currency]
        except KeyError:
            raise RateUnavailable(f"no bitcoin price in {currency}") from None

    return btc_price


class _Paid(msgspec.Struct):
    btc_received: str


def _satoshis(text: str) -> Decimal:
    try:
        btc = Decimal(text)
    except ArithmeticError:
        btc = Decimal("NaN")
    if not btc.is_finite() or btc <= 0 or btc % SATOSHI:
        raise InvalidInput("btc_received", "a positive amount in whole satoshis")
    return btc


def _fiat(btc: Decimal, due: Money, rate: str) -> Money:
    # Rounded down: the payer is credited whole minor units, never more than arrived.
    received = (btc * Decimal(rate)).quantize(due.currency.quantum, ROUND_FLOOR)
    return Money(received, due.currency)


class BitcoinSandbox:
    """Bitcoin invoices priced by ``btc_price``, paid (in tests) through ``simulated_payment``."""

    def __init__(
        self,
        secret: str,
        clock: Clock,
        btc_price: BtcPrice,
        *,
        invoice_ttl: timedelta = INVOICE_TTL,
    ) -> None:
        self._clock = clock
        self._btc_price = btc_price
        self._invoice_ttl = invoice_ttl
        self._ledger = SandboxLedger(NAME, secret, clock)

    @property
    def name(self) -> str:
        """``bitcoin``."""
        return NAME

    async def authorize(self, request: PaymentRequest) -> PaymentResult:
        """Open an invoice: the amount in BTC at the current rate, an address, an expiry."""
        check_amount(request.amount)
        code = request.amount.currency.code
        rate = await self._btc_price(code)
        if not rate.is_finite() or rate <= 0:
            raise RateUnavailable(f"no usable bitcoin price in {code}: {rate}")
        btc = (request.amount.amount / rate).quantize(SATOSHI, rounding=ROUND_CEILING)
        invoice_id = f"inv_{secrets.token_hex(12)}"
        key_hash = bytes.fromhex(self._ledger.refs.derive("address", invoice_id))[:20]
        address = p2wpkh_testnet_address(key_hash)
        expires = self._clock.now() + self._invoice_ttl
        action = NextAction(
            "pay_invoice",
            url=f"bitcoin:{address}?amount={btc}",  # BIP 21, for a QR code
            data={
                "address": address,
                "btc_amount": str(btc),
                "expires_at": expires.isoformat(),
                "rate": str(rate),
            },
        )
        payment = self._ledger.open(
            request,
            PaymentState.ACTION_REQUIRED,
            payment_id=invoice_id,
            summary=f"Bitcoin {btc} BTC",
            action=action,
            data={"rate": str(rate), "expires": str(unix(expires))},
        )
        return self._ledger.result(payment)

    async def resume(self, provider_ref: str, response: Mapping[str, str]) -> PaymentResult:
        """Only ``{"cancelled": "true"}``: the payer gave up; an invoice is paid on chain."""
        payment = self._ledger.read(provider_ref)
        if payment.state is not PaymentState.ACTION_REQUIRED:
            raise InvalidInput("provider_ref", f"the invoice is {payment.state}, not open")
        if response.get("cancelled") != "true":
            raise InvalidInput(
                "response", 'an invoice is paid on chain; only {"cancelled": "true"} here'
            )
        cancelled = msgspec.structs.replace(
            payment, state=PaymentState.DECLINED, decline_reason="invoice_cancelled", action=None
        )
        return self._ledger.result(cancelled)

    async def capture(self, provider_ref: str, amount: Money) -> PaymentResult:
        """``ACTION_REQUIRED``: only the ``PAID`` webhook tells that the money arrived."""
        return self._ledger.capture(provider_ref, amount)

    async def refund(self, provider_ref: str, amount: Money, *, reference: str) -> RefundResult:
        """Refund up to the invoice's amount; the same ``reference`` gives the same refund."""
        return self._ledger.refund(provider_ref, amount, reference=reference, pending_ok=True)

    def webhook(self, headers: Mapping[str, str], body: bytes) -> PaymentEvent:
        """A signed callback verified and read; ``PAID`` says how much arrived, and when."""
        fields, invoice = self._ledger.read_webhook(headers, body)
        event = self._ledger.event(fields, invoice)
        if event.kind is not WebhookKind.PAID:
            return event
        try:
            btc = _satoshis(msgspec.json.decode(body, type=_Paid).btc_received)
        except (msgspec.DecodeError, InvalidInput):
            raise ForgedWebhook("a PAID webhook needs btc_received in whole satoshis") from None
        expires = from_unix(int(invoice.data["expires"]))
        return attrs.evolve(
            event, amount=_fiat(btc, invoice.due(), invoice.data["rate"]), late=event.at > expires
        )

    def simulated_payment(
        self, provider_ref: str, btc_received: Decimal, at: datetime
    ) -> tuple[dict[str, str], bytes]:
        """The signed ``PAID`` webhook for ``btc_received`` arriving at ``at`` (tests, demos)."""
        invoice = self._ledger.read(provider_ref)
        if invoice.state is not PaymentState.ACTION_REQUIRED:
            raise InvalidInput("provider_ref", f"the invoice is {invoice.state}, not open")
        btc = _satoshis(str(btc_received))
        return self._ledger.simulated_webhook(
            WebhookKind.PAID, provider_ref, at, extra={"btc_received": str(btc)}
        )

    def simulated_webhook(
        self, kind: WebhookKind, provider_ref: str, at: datetime
    ) -> tuple[dict[str, str], bytes]:
        """Any other signed callback about an invoice (``FAILED`` when it expired unpaid)."""
        return self._ledger.simulated_webhook(kind, provider_ref, at)
