"""The PaymentMethod contract against the five sandboxes: card, two wallets, PayPal, Bitcoin."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from payment_method_contract import START, PaymentMethodContract, Webhook

from adapters.payments.bitcoin_sandbox import BitcoinSandbox, fixed_btc_prices
from adapters.payments.card_sandbox import CardSandbox
from adapters.payments.paypal_sandbox import DECLINING_PAYER_ID, PayPalSandbox
from adapters.payments.wallet_sandbox import (
    APPLE_PAY,
    APPLE_PAY_DECLINING_TOKEN,
    APPLE_PAY_TEST_TOKEN,
    GOOGLE_PAY,
    WalletSandbox,
    google_pay_test_token,
)
from funflights_core.clock import Clock
from funflights_core.money import Money
from funflights_core.payment_method import (
    PaymentMethod,
    PaymentRequest,
    PaymentResult,
    PaymentState,
    WebhookKind,
)

CARD = {"number": "4242 4242 4242 4242", "expiry": "12/29", "cvc": "123", "holder": "A Payer"}
BTC_PRICES = {"EUR": Decimal("43210.99"), "USD": Decimal("47000.00")}


class _DirectlyAuthorized(PaymentMethodContract):
    """Methods that authorise at once and report a capture by a ``CAPTURED`` webhook."""

    async def payer_completes(self, method: PaymentMethod, result: PaymentResult) -> str:
        assert result.state is PaymentState.AUTHORIZED
        return result.provider_ref

    async def provider_calls_back(
        self, method: PaymentMethod, result: PaymentResult, at: datetime
    ) -> Webhook:
        assert isinstance(method, CardSandbox | WalletSandbox | PayPalSandbox)
        return method.simulated_webhook(WebhookKind.CAPTURED, result.provider_ref, at)


class TestCardSandbox(_DirectlyAuthorized):
    def make_method(self, secret: str, clock: Clock) -> PaymentMethod:
        return CardSandbox(secret, clock)

    def paying_request(self, amount: Money, reference: str) -> PaymentRequest:
        return PaymentRequest(reference, amount, CARD)

    async def declined(self, method: PaymentMethod, amount: Money, reference: str) -> PaymentResult:
        details = {**CARD, "number": "4000000000000002"}
        return await method.authorize(PaymentRequest(reference, amount, details))


class TestCardSandboxWithThreeDSecure(TestCardSandbox):
    """The same contract when every payment goes through a passed 3-D Secure challenge."""

    def paying_request(self, amount: Money, reference: str) -> PaymentRequest:
        return PaymentRequest(reference, amount, {**CARD, "number": "4000000000003220"})

    async def payer_completes(self, method: PaymentMethod, result: PaymentResult) -> str:
        assert result.state is PaymentState.ACTION_REQUIRED
        assert result.action is not None
        assert result.action.kind == "three_d_secure"
        passed = await method.resume(result.provider_ref, {"result": "pass"})
        assert passed.state is PaymentState.AUTHORIZED
        return passed.provider_ref


class TestApplePaySandbox(_DirectlyAuthorized):
    def make_method(self, secret: str, clock: Clock) -> PaymentMethod:
        return WalletSandbox(APPLE_PAY, secret, clock)

    def paying_request(self, amount: Money, reference: str) -> PaymentRequest:
        return PaymentRequest(reference, amount, {"token": APPLE_PAY_TEST_TOKEN})

    async def declined(self, method: PaymentMethod, amount: Money, reference: str) -> PaymentResult:
        request = PaymentRequest(reference, amount, {"token": APPLE_PAY_DECLINING_TOKEN})
        return await method.authorize(request)


class TestGooglePaySandbox(_DirectlyAuthorized):
    def make_method(self, secret: str, clock: Clock) -> PaymentMethod:
        return WalletSandbox(GOOGLE_PAY, secret, clock)

    def token(self, pan: str) -> str:
        return google_pay_test_token(pan=pan, expires_at=START + timedelta(days=7))

    def paying_request(self, amount: Money, reference: str) -> PaymentRequest:
        return PaymentRequest(reference, amount, {"token": self.token("5555555555554444")})

    async def declined(self, method: PaymentMethod, amount: Money, reference: str) -> PaymentResult:
        request = PaymentRequest(reference, amount, {"token": self.token("4000000000009995")})
        return await method.authorize(request)


class TestPayPalSandbox(_DirectlyAuthorized):
    def make_method(self, secret: str, clock: Clock) -> PaymentMethod:
        return PayPalSandbox(secret, clock)

    def paying_request(self, amount: Money, reference: str) -> PaymentRequest:
        return PaymentRequest(reference, amount, return_url="https://funflights.example/back")

    async def payer_completes(self, method: PaymentMethod, result: PaymentResult) -> str:
        assert result.state is PaymentState.ACTION_REQUIRED
        assert result.action is not None
        assert result.action.kind == "approve"
        approved = await method.resume(result.provider_ref, {"payer_id": "QYR5Z8XDVJNXQ"})
        assert approved.state is PaymentState.AUTHORIZED
        return approved.provider_ref

    async def declined(self, method: PaymentMethod, amount: Money, reference: str) -> PaymentResult:
        started = await method.authorize(self.paying_request(amount, reference))
        return await method.resume(started.provider_ref, {"payer_id": DECLINING_PAYER_ID})


class TestBitcoinSandbox(PaymentMethodContract):
    def make_method(self, secret: str, clock: Clock) -> PaymentMethod:
        return BitcoinSandbox(secret, clock, fixed_btc_prices(BTC_PRICES))

    def paying_request(self, amount: Money, reference: str) -> PaymentRequest:
        return PaymentRequest(reference, amount)

    async def payer_completes(self, method: PaymentMethod, result: PaymentResult) -> str:
        headers, body = await self.provider_calls_back(method, result, self.clock.now())
        paid = method.webhook(headers, body)
        assert paid.kind is WebhookKind.PAID
        assert paid.amount == result.amount
        assert paid.provider_ref == result.provider_ref
        return paid.provider_ref

    async def take(self, method: PaymentMethod, provider_ref: str, amount: Money) -> None:
        # Stateless, the invoice's ref cannot tell that the money arrived: the PAID webhook
        # (in payer_completes) is the capture.
        result = await method.capture(provider_ref, amount)
        assert result.state is PaymentState.ACTION_REQUIRED
        assert result.provider_ref == provider_ref

    async def declined(self, method: PaymentMethod, amount: Money, reference: str) -> PaymentResult:
        started = await method.authorize(self.paying_request(amount, reference))
        return await method.resume(started.provider_ref, {"cancelled": "true"})

    async def provider_calls_back(
        self, method: PaymentMethod, result: PaymentResult, at: datetime
    ) -> Webhook:
        assert isinstance(method, BitcoinSandbox)
        assert result.action is not None
        btc = Decimal(result.action.data["btc_amount"])
        return method.simulated_payment(result.provider_ref, btc_received=btc, at=at)
