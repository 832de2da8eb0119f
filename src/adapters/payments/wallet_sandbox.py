"""The Apple Pay and Google Pay sandboxes: a wallet token in, a card payment out.

The details are ``{"token": <base64 of the token JSON>}``, the JSON shaped like the real ones
(Apple: ``paymentData``/``paymentMethod``/``transactionIdentifier``; Google: ``signature``/
``protocolVersion``/``signedMessage``). Nothing is decrypted or checked against Apple's or
Google's keys: the sandbox reads the card from the clear fields (Apple's ``displayName``,
Google's ``paymentMethodDetails`` inside ``signedMessage``), and a card ending in 0002 or 9995
declines as the card sandbox's test numbers do. Wallets authenticate the payer on the device,
so there is no 3-D Secure step.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import datetime

import msgspec

from adapters.payments.signed_refs import LedgerBackedMethod, SandboxLedger
from adapters.payments.webhook_signature import unix
from funflights_core.clock import Clock
from funflights_core.errors import InvalidInput
from funflights_core.payment_card import CardBrand, card_expired, card_label, card_number
from funflights_core.payment_method import (
    PaymentRequest,
    PaymentResult,
    PaymentState,
)

APPLE_PAY = "apple_pay"
GOOGLE_PAY = "google_pay"
WALLETS = {APPLE_PAY: "Apple Pay", GOOGLE_PAY: "Google Pay"}
DECLINING_LAST4 = {"0002": "card_declined", "9995": "insufficient_funds"}
MAX_TOKEN_CHARS = 16 * 1024

_APPLE_NETWORKS = {
    "visa": CardBrand.VISA,
    "mastercard": CardBrand.MASTERCARD,
    "amex": CardBrand.AMEX,
}
_LAST4 = re.compile(r"(\d{4})$")


class _AppleHeader(msgspec.Struct, rename="camel"):
    ephemeral_public_key: str
    public_key_hash: str
    transaction_id: str


class _ApplePaymentData(msgspec.Struct):
    version: str
    data: str
    signature: str
    header: _AppleHeader


class _ApplePaymentMethod(msgspec.Struct, rename="camel"):
    display_name: str
    network: str
    type: str


class _AppleToken(msgspec.Struct, rename="camel"):
    payment_data: _ApplePaymentData
    payment_method: _ApplePaymentMethod
    transaction_identifier: str


class _GoogleCard(msgspec.Struct, rename="camel"):
    pan: str
    expiration_month: int
    expiration_year: int
    auth_method: str


class _GoogleMessage(msgspec.Struct, rename="camel"):
    message_expiration: str
    message_id: str
    payment_method: str
    payment_method_details: _GoogleCard


class _GoogleToken(msgspec.Struct, rename="camel"):
    signature: str
    protocol_version: str
    signed_message: str


def _json(token: str) -> bytes:
    if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise InvalidInput("token", "a wallet token (base64 of its JSON) is required")
    # Wallet SDKs and merchants' code differ: accept the standard and URL-safe alphabets,
    # padded or not.
    text = token.strip().replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        raise InvalidInput("token", "not base64") from None


def _apple_card(raw: bytes) -> tuple[CardBrand, str]:
    try:
        token = msgspec.json.decode(raw, type=_AppleToken)
    except msgspec.DecodeError as error:
        raise InvalidInput("token", f"not an Apple Pay token: {error}") from None
    if token.payment_data.version not in ("EC_v1", "RSA_v1"):
        raise InvalidInput("token", f"unknown Apple Pay version {token.payment_data.version!r}")
    brand = _APPLE_NETWORKS.get(token.payment_method.network.lower())
    if brand is None:
        raise InvalidInput("token", f"{token.payment_method.network} cards are not accepted")
    last4 = _LAST4.search(token.payment_method.display_name)
    if last4 is None:
        raise InvalidInput("token", "the card's display name does not end in its last 4 digits")
    return brand, last4[1]


def _google_card(raw: bytes, now: datetime) -> tuple[CardBrand, str]:
    try:
        token = msgspec.json.decode(raw, type=_GoogleToken)
        message = msgspec.json.decode(token.signed_message, type=_GoogleMessage)
    except msgspec.DecodeError as error:
        raise InvalidInput("token", f"not a Google Pay token: {error}") from None
    if token.protocol_version != "ECv2":
        raise InvalidInput("token", f"unsupported protocolVersion {token.protocol_version!r}")
    if message.payment_method != "CARD":
        raise InvalidInput("token", f"{message.payment_method} is not a card")
    if not message.message_expiration.isdigit():
        raise InvalidInput("token", "messageExpiration is not milliseconds since the epoch")
    # Google's rule: a message past its expiration must not be charged (a replayed token).
    if int(message.message_expiration) <= unix(now) * 1000:
        raise InvalidInput("token", "the token expired; ask the payer to pay again")
    details = message.payment_method_details
    try:
        number, brand = card_number(details.pan)
    except InvalidInput as error:
        raise InvalidInput("token", f"the card in the token: {error.reason}") from None
    if card_expired(details.expiration_month, details.expiration_year, now.date()):
        raise InvalidInput("token", "the card in the token has expired")
    return brand, number[-4:]


class WalletSandbox(LedgerBackedMethod):
    """Apple Pay or Google Pay (chosen by ``name``) against the sandbox's test tokens."""

    def __init__(self, name: str, secret: str, clock: Clock) -> None:
        if name not in WALLETS:
            raise ValueError(f"a wallet is {' or '.join(WALLETS)}, not {name!r}")
        self._name = name
        self._clock = clock
        self._ledger = SandboxLedger(name, secret, clock)

    @property
    def name(self) -> str:
        """``apple_pay`` or ``google_pay``."""
        return self._name

    async def authorize(self, request: PaymentRequest) -> PaymentResult:
        """Read the card from the token; authorise it, or decline a test card ending 0002/9995."""
        raw = _json(request.details.get("token", ""))
        if self._name == APPLE_PAY:
            brand, last4 = _apple_card(raw)
        else:
            brand, last4 = _google_card(raw, self._clock.now())
        summary = f"{card_label(brand, last4)} ({WALLETS[self._name]})"
        reason = DECLINING_LAST4.get(last4)
        state = PaymentState.AUTHORIZED if reason is None else PaymentState.DECLINED
        payment = self._ledger.open(request, state, summary=summary, decline_reason=reason)
        return self._ledger.result(payment)

    async def resume(self, provider_ref: str, response: Mapping[str, str]) -> PaymentResult:
        """Never needed: a wallet payment asks nothing more of the payer."""
        payment = self._ledger.read(provider_ref)
        raise InvalidInput("provider_ref", f"the payment is {payment.state}, not waiting")


def _b64_json(value: object) -> str:
    return base64.b64encode(msgspec.json.encode(value)).decode("ascii")


def apple_pay_test_token(*, last4: str = "4242", network: str = "Visa") -> str:
    """A sandbox Apple Pay token for a card of ``network`` ending in ``last4``."""
    return _b64_json(
        {
            "paymentData": {
                "version": "EC_v1",
                "data": base64.b64encode(b"sandbox: not encrypted").decode("ascii"),
                "signature": base64.b64encode(b"sandbox: not signed").decode("ascii"),
                "header": {
                    "ephemeralPublicKey": base64.b64encode(b"sandbox key").decode("ascii"),
                    "publicKeyHash": base64.b64encode(b"sandbox hash").decode("ascii"),
                    "transactionId": f"{last4:0>4}" * 16,
                },
            },
            "paymentMethod": {
                "displayName": f"{network} {last4}",
                "network": network,
                "type": "debit",
            },
            "transactionIdentifier": (f"{last4:0>4}" * 16).upper(),
        }
    )


def google_pay_test_token(
    *,
    pan: str = "4242424242424242",
    expires_at: datetime,
    card_expiry: tuple[int, int] = (12, 2099),
) -> str:
    """A sandbox Google Pay token for ``pan``, whose message expires at ``expires_at``."""
    message = {
        "messageExpiration": str(unix(expires_at) * 1000),
        "messageId": f"sandbox-{unix(expires_at)}-{pan[-4:]}",
        "paymentMethod": "CARD",
        "paymentMethodDetails": {
            "pan": pan,
            "expirationMonth": card_expiry[0],
            "expirationYear": card_expiry[1],
            "authMethod": "CRYPTOGRAM_3DS",
            "cryptogram": "AAAAAA-sandbox-cryptogram",
            "eciIndicator": "05",
        },
    }
    return _b64_json(
        {
            "signature": base64.b64encode(b"sandbox: not signed").decode("ascii"),
            "protocolVersion": "ECv2",
            "signedMessage": msgspec.json.encode(message).decode("utf-8"),
        }
    )


_FAR_FUTURE = datetime.fromisoformat("2100-01-01T00:00:00+00:00")
APPLE_PAY_TEST_TOKEN = apple_pay_test_token()
APPLE_PAY_DECLINING_TOKEN = apple_pay_test_token(last4="0002")
GOOGLE_PAY_TEST_TOKEN = google_pay_test_token(expires_at=_FAR_FUTURE)
GOOGLE_PAY_DECLINING_TOKEN = google_pay_test_token(pan="4000000000000002", expires_at=_FAR_FUTURE)
