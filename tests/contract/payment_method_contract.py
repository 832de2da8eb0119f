"""The contract every PaymentMethod keeps: authorise, capture, refund, decline, webhooks.

Subclass ``PaymentMethodContract`` (as ``Test...``) and implement the hooks: how to build the
method, what a paying and a declining payer do, and how the provider calls back. Each case
then runs against the method with a manual clock (``self.clock``).
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from adapters.clocks import ManualClock
from adapters.money.babel_currencies import BabelCurrencies
from funflights_core.clock import Clock
from funflights_core.errors import InvalidInput
from funflights_core.money import Money
from funflights_core.payment_method import (
    ForgedWebhook,
    PaymentMethod,
    PaymentRequest,
    PaymentResult,
    PaymentState,
)

SECRET = "contract-secret-for-sandbox-payments-0123456789"
OTHER_SECRET = "another-deployment-secret-entirely-9876543210"
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CURRENCIES = BabelCurrencies()
EUR = CURRENCIES.currency("EUR")
USD = CURRENCIES.currency("USD")


def eur(amount: str) -> Money:
    return Money.of(amount, EUR)


Webhook = tuple[Mapping[str, str], bytes]


class PaymentMethodContract(abc.ABC):
    """Cases every payment method must pass."""

    clock: ManualClock
    last_started: PaymentResult

    @abc.abstractmethod
    def make_method(self, secret: str, clock: Clock) -> PaymentMethod:
        """The method under test, keyed with ``secret``."""

    @abc.abstractmethod
    def paying_request(self, amount: Money, reference: str) -> PaymentRequest:
        """A request whose payer can and will pay."""

    @abc.abstractmethod
    async def payer_completes(self, method: PaymentMethod, result: PaymentResult) -> str:
        """Do what the payer does after ``authorize``; the ref that can now be captured."""

    @abc.abstractmethod
    async def declined(self, method: PaymentMethod, amount: Money, reference: str) -> PaymentResult:
        """Drive a payment to ``DECLINED`` the way this method's payers or issuers do."""

    @abc.abstractmethod
    async def provider_calls_back(
        self, method: PaymentMethod, result: PaymentResult, at: datetime
    ) -> Webhook:
        """The signed webhook the provider sends at ``at`` about the payment of ``result``."""

    @pytest.fixture
    def method(self) -> PaymentMethod:
        self.clock = ManualClock(START)
        return self.make_method(SECRET, self.clock)

    async def take(self, method: PaymentMethod, provider_ref: str, amount: Money) -> None:
        """Capture ``amount`` (overridden where money arrives by itself, reported by webhook)."""
        result = await method.capture(provider_ref, amount)
        assert result.state is PaymentState.CAPTURED
        assert result.amount == amount
        assert result.provider_ref == provider_ref

    async def captured(self, method: PaymentMethod, amount: Money, reference: str) -> str:
        """A payment of ``amount`` taken in full; the ref that names it."""
        started = await method.authorize(self.paying_request(amount, reference))
        ref = await self.payer_completes(method, started)
        await self.take(method, ref, amount)
        return ref

    # --- paying ----------------------------------------------------------------------------

    async def test_a_payment_is_authorized_captured_and_refunded(
        self, method: PaymentMethod
    ) -> None:
        started = await method.authorize(self.paying_request(eur("120.00"), "BK-1"))
        assert started.amount == eur("120.00")
        assert started.state in (PaymentState.AUTHORIZED, PaymentState.ACTION_REQUIRED)
        assert (started.action is None) == (started.state is PaymentState.AUTHORIZED)
        assert started.decline_reason is None
        assert started.summary

        ref = await self.payer_completes(method, started)
        await self.take(method, ref, eur("120.00"))
        refund = await method.refund(ref, eur("20.00"), reference="RF-1")

        assert refund.amount == eur("20.00")
        assert refund.provider_ref == ref
        assert refund.refund_ref

    async def test_the_whole_amount_can_be_refunded(self, method: PaymentMethod) -> None:
        ref = await self.captured(method, eur("99.99"), "BK-1")

        refund = await method.refund(ref, eur("99.99"), reference="RF-all")

        assert refund.amount == eur("99.99")

    async def test_a_retried_capture_changes_nothing(self, method: PaymentMethod) -> None:
        started = await method.authorize(self.paying_request(eur("50.00"), "BK-1"))
        ref = await self.payer_completes(method, started)

        first = await method.capture(ref, eur("50.00"))
        again = await method.capture(ref, eur("50.00"))

        assert again == first

    async def test_any_process_with_the_secret_can_go_on(self, method: PaymentMethod) -> None:
        started = await method.authorize(self.paying_request(eur("80.00"), "BK-1"))
        ref = await self.payer_completes(method, started)

        await self.take(self.make_method(SECRET, self.clock), ref, eur("80.00"))
        refund = await self.make_method(SECRET, self.clock).refund(
            ref, eur("80.00"), reference="RF-1"
        )

        assert refund.amount == eur("80.00")

    @pytest.mark.parametrize("amount", ["0", "-5.00", "10.005"])
    async def test_amounts_that_cannot_be_charged_are_refused(
        self, method: PaymentMethod, amount: str
    ) -> None:
        with pytest.raises(InvalidInput) as refused:
            await method.authorize(self.paying_request(eur(amount), "BK-1"))

        assert refused.value.field == "amount"

    async def test_a_payment_needs_a_reference(self, method: PaymentMethod) -> None:
        with pytest.raises(InvalidInput) as refused:
            await method.authorize(self.paying_request(eur("10.00"), "  "))

        assert refused.value.field == "reference"

    # --- declines --------------------------------------------------------------------------

    async def test_a_declined_payment_says_why_and_takes_nothing(
        self, method: PaymentMethod
    ) -> None:
        result = await self.declined(method, eur("120.00"), "BK-1")

        assert result.state is PaymentState.DECLINED
        assert result.decline_reason
        assert result.action is None
        assert (await method.capture(result.provider_ref, eur("120.00"))).state is (
            PaymentState.DECLINED
        )
        with pytest.raises(InvalidInput) as refused:
            await method.refund(result.provider_ref, eur("1.00"), reference="RF-1")
        assert refused.value.field == "provider_ref"

    # --- refunds ---------------------------------------------------------------------------

    async def test_a_refund_above_the_amount_paid_is_refused(self, method: PaymentMethod) -> None:
        ref = await self.captured(method, eur("120.00"), "BK-1")

        with pytest.raises(InvalidInput) as refused:
            await method.refund(ref, eur("120.01"), reference="RF-1")

        assert refused.value.field == "amount"

    async def test_a_refund_in_another_currency_is_refused(self, method: PaymentMethod) -> None:
        ref = await self.captured(method, eur("120.00"), "BK-1")

        with pytest.raises(InvalidInput, match="EUR") as refused:
            await method.refund(ref, Money.of("10.00", USD), reference="RF-1")

        assert refused.value.field == "amount"

    @pytest.mark.parametrize("amount", ["0", "-1.00"])
    async def test_an_empty_refund_is_refused(self, method: PaymentMethod, amount: str) -> None:
        ref = await self.captured(method, eur("120.00"), "BK-1")

        with pytest.raises(InvalidInput):
            await method.refund(ref, eur(amount), reference="RF-1")

    async def test_the_same_reference_gives_the_same_refund(self, method: PaymentMethod) -> None:
        ref = await self.captured(method, eur("120.00"), "BK-1")

        first = await method.refund(ref, eur("10.00"), reference="RF-1")
        replay = await self.make_method(SECRET, self.clock).refund(
            ref, eur("10.00"), reference="RF-1"
        )
        other = await method.refund(ref, eur("10.00"), reference="RF-2")

        assert replay.refund_ref == first.refund_ref
        assert other.refund_ref != first.refund_ref

    async def test_refund_refs_differ_between_payments(self, method: PaymentMethod) -> None:
        one = await self.captured(method, eur("10.00"), "BK-1")
        two = await self.captured(method, eur("10.00"), "BK-2")

        first = await method.refund(one, eur("10.00"), reference="RF-1")
        second = await method.refund(two, eur("10.00"), reference="RF-1")

        assert first.refund_ref != second.refund_ref

    # --- capture limits ----------------------------------------------------------------------

    async def test_capturing_more_than_authorized_is_refused(self, method: PaymentMethod) -> None:
        started = await method.authorize(self.paying_request(eur("120.00"), "BK-1"))
        ref = await self.payer_completes(method, started)

        with pytest.raises(InvalidInput) as refused:
            await method.capture(ref, eur("120.01"))

        assert refused.value.field == "amount"

    async def test_capturing_in_another_currency_is_refused(self, method: PaymentMethod) -> None:
        started = await method.authorize(self.paying_request(eur("120.00"), "BK-1"))
        ref = await self.payer_completes(method, started)

        with pytest.raises(InvalidInput) as refused:
            await method.capture(ref, Money.of("120.00", USD))

        assert refused.value.field == "amount"

    # --- provider refs -----------------------------------------------------------------------

    async def test_a_tampered_provider_ref_is_refused(self, method: PaymentMethod) -> None:
        started = await method.authorize(self.paying_request(eur("120.00"), "BK-1"))
        ref = await self.payer_completes(method, started)
        middle = len(ref) // 2
        flipped = "A" if ref[middle] != "A" else "B"
        tampered = [
            ref[:middle] + flipped + ref[middle + 1 :],
            ref + "x",
            ref[:-1],
            "",
            "not-a-ref",
        ]

        for bad in tampered:
            with pytest.raises(InvalidInput) as refused:
                await method.capture(bad, eur("120.00"))
            assert refused.value.field == "provider_ref"
            with pytest.raises(InvalidInput) as refused:
                await method.refund(bad, eur("1.00"), reference="RF-1")
            assert refused.value.field == "provider_ref"
            with pytest.raises(InvalidInput) as refused:
                await method.resume(bad, {})
            assert refused.value.field == "provider_ref"

    async def test_a_ref_signed_with_another_secret_is_refused(self, method: PaymentMethod) -> None:
        elsewhere = self.make_method(OTHER_SECRET, self.clock)
        started = await elsewhere.authorize(self.paying_request(eur("120.00"), "BK-1"))
        ref = await self.payer_completes(elsewhere, started)

        with pytest.raises(InvalidInput) as refused:
            await method.capture(ref, eur("120.00"))

        assert refused.value.field == "provider_ref"

    # --- webhooks --------------------------------------------------------------------------

    async def callback(self, method: PaymentMethod) -> Webhook:
        self.last_started = await method.authorize(self.paying_request(eur("120.00"), "BK-7"))
        return await self.provider_calls_back(method, self.last_started, self.clock.now())

    async def test_a_webhook_round_trip(self, method: PaymentMethod) -> None:
        headers, body = await self.callback(method)

        event = method.webhook(headers, body)
        replayed = self.make_method(SECRET, self.clock).webhook(dict(headers), body)

        assert event.provider_ref == self.last_started.provider_ref
        assert event.reference == "BK-7"
        assert event.at == self.clock.now()
        assert event.event_id
        assert event.provider_ref
        assert replayed == event

    async def test_webhook_header_names_are_case_insensitive(self, method: PaymentMethod) -> None:
        headers, body = await self.callback(method)
        lowered = {name.lower(): value for name, value in headers.items()}

        assert method.webhook(lowered, body).reference == "BK-7"

    async def test_a_webhook_within_the_tolerance_is_accepted(self, method: PaymentMethod) -> None:
        headers, body = await self.callback(method)
        self.clock.advance(300)

        assert method.webhook(headers, body).reference == "BK-7"

    async def test_a_changed_webhook_body_is_forged(self, method: PaymentMethod) -> None:
        headers, body = await self.callback(method)

        with pytest.raises(ForgedWebhook):
            method.webhook(headers, body.replace(b"BK-7", b"BK-8"))

    async def test_a_webhook_without_a_signature_is_forged(self, method: PaymentMethod) -> None:
        _, body = await self.callback(method)

        with pytest.raises(ForgedWebhook):
            method.webhook({"Content-Type": "application/json"}, body)

    async def test_a_webhook_signed_with_another_secret_is_forged(
        self, method: PaymentMethod
    ) -> None:
        elsewhere = self.make_method(OTHER_SECRET, self.clock)
        headers, body = await self.callback(elsewhere)

        with pytest.raises(ForgedWebhook):
            method.webhook(headers, body)

    async def test_a_too_old_webhook_is_forged(self, method: PaymentMethod) -> None:
        headers, body = await self.callback(method)
        self.clock.advance(301)

        with pytest.raises(ForgedWebhook, match="300 s"):
            method.webhook(headers, body)

    async def test_a_webhook_from_the_future_is_forged(self, method: PaymentMethod) -> None:
        started = await method.authorize(self.paying_request(eur("120.00"), "BK-7"))
        later = self.clock.now() + timedelta(seconds=301)
        headers, body = await self.provider_calls_back(method, started, later)

        with pytest.raises(ForgedWebhook):
            method.webhook(headers, body)

    @pytest.mark.parametrize(
        "signature", ["", "t=,v1=", "v1=00", "t=1772366400", "t=abc,v1=00", "garbage"]
    )
    async def test_a_malformed_signature_header_is_forged(
        self, method: PaymentMethod, signature: str
    ) -> None:
        headers, body = await self.callback(method)
        name = next(name for name in headers if name.lower() == "funflights-signature")

        with pytest.raises(ForgedWebhook):
            method.webhook({**headers, name: signature}, body)
