"""What each payment sandbox does beyond the contract: 3-D Secure, wallet tokens, PayPal
approval, Bitcoin invoices, the webhook signature scheme and the registry."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from adapters.clocks import ManualClock
from adapters.money.babel_currencies import BabelCurrencies
from adapters.payments.bitcoin_sandbox import (
    BitcoinSandbox,
    fixed_btc_prices,
    p2wpkh_testnet_address,
)
from adapters.payments.card_sandbox import (
    DECLINING_NUMBERS,
    SUCCEEDING_NUMBERS,
    THREE_D_SECURE_NUMBER,
    CardSandbox,
)
from adapters.payments.paypal_sandbox import DECLINING_PAYER_ID, PayPalSandbox
from adapters.payments.registry import PaymentMethods, sandbox_methods
from adapters.payments.signed_refs import SandboxLedger, SignedRefs
from adapters.payments.wallet_sandbox import (
    APPLE_PAY,
    APPLE_PAY_DECLINING_TOKEN,
    GOOGLE_PAY,
    GOOGLE_PAY_DECLINING_TOKEN,
    GOOGLE_PAY_TEST_TOKEN,
    WalletSandbox,
    apple_pay_test_token,
    google_pay_test_token,
)
from adapters.payments.webhook_signature import HEADER, event_body, sign, verify
from funflights_core.errors import InvalidInput, RateUnavailable
from funflights_core.money import Money
from funflights_core.payment_method import (
    ForgedWebhook,
    PaymentMethodDirectory,
    PaymentRequest,
    PaymentResult,
    PaymentState,
    WebhookKind,
)

SECRET = "unit-test-secret-for-sandbox-payments-0123456789"
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CURRENCIES = BabelCurrencies()
EUR, JPY = CURRENCIES.currency("EUR"), CURRENCIES.currency("JPY")
CARD = {"number": "4242424242424242", "expiry": "12/29", "cvc": "123", "holder": "A Payer"}


def eur(amount: str) -> Money:
    return Money.of(amount, EUR)


def refusal(field: str, match: str | None = None) -> pytest.RaisesExc[InvalidInput]:
    return pytest.raises(InvalidInput, match=match, check=lambda error: error.field == field)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def ref_state(ref: str) -> dict[str, object]:
    """What a ref carries, read without the secret (refs are signed, not encrypted)."""
    payload = ref.split(".")[1]
    state: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return state


# --- cards ---------------------------------------------------------------------------------


@pytest.fixture
def card(clock: ManualClock) -> CardSandbox:
    return CardSandbox(SECRET, clock)


async def pay_by_card(card: CardSandbox, number: str, amount: str = "100.00") -> PaymentResult:
    cvc = "1234" if number.startswith("3") else "123"
    details = {**CARD, "number": number, "cvc": cvc}
    return await card.authorize(PaymentRequest("BK-1", eur(amount), details))


@pytest.mark.parametrize(
    ("number", "summary"),
    [
        (SUCCEEDING_NUMBERS[0], "VISA •••• 4242"),
        (SUCCEEDING_NUMBERS[1], "MASTERCARD •••• 4444"),
        (SUCCEEDING_NUMBERS[2], "AMEX •••• 0005"),
        ("4111111111111111", "VISA •••• 1111"),
        ("2221000000000009", "MASTERCARD •••• 0009"),
    ],
)
async def test_test_numbers_and_other_valid_cards_are_authorized(
    card: CardSandbox, number: str, summary: str
) -> None:
    result = await pay_by_card(card, number)

    assert result.state is PaymentState.AUTHORIZED
    assert result.summary == summary
    assert result.action is None


@pytest.mark.parametrize(("number", "reason"), DECLINING_NUMBERS.items())
async def test_declining_test_numbers_decline_with_their_reason(
    card: CardSandbox, number: str, reason: str
) -> None:
    result = await pay_by_card(card, number)

    assert result.state is PaymentState.DECLINED
    assert result.decline_reason == reason
    assert result.summary == f"VISA •••• {number[-4:]}"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"number": "4242424242424241"}, "card.number"),
        ({"number": "6011111111111117"}, "card.number"),
        ({"number": ""}, "card.number"),
        ({"expiry": "02/26"}, "card.expiry"),
        ({"expiry": "2029-12"}, "card.expiry"),
        ({"cvc": "12"}, "card.cvc"),
        ({"number": "378282246310005", "cvc": "123"}, "card.cvc"),
        ({"holder": "x" * 101}, "card.holder"),
    ],
)
async def test_malformed_card_details_name_their_field(
    card: CardSandbox, changes: dict[str, str], field: str
) -> None:
    with refusal(field):
        await card.authorize(PaymentRequest("BK-1", eur("10.00"), {**CARD, **changes}))


async def test_the_holder_is_optional(card: CardSandbox) -> None:
    details = {key: value for key, value in CARD.items() if key != "holder"}

    result = await card.authorize(PaymentRequest("BK-1", eur("10.00"), details))

    assert result.state is PaymentState.AUTHORIZED


async def test_expiry_is_checked_against_the_injected_clock(card: CardSandbox) -> None:
    details = {**CARD, "expiry": "03/26"}
    assert (await card.authorize(PaymentRequest("BK-1", eur("10.00"), details))).state is (
        PaymentState.AUTHORIZED
    )

    later = CardSandbox(SECRET, ManualClock(datetime(2026, 4, 1, tzinfo=UTC)))

    with refusal("card.expiry", "expired"):
        await later.authorize(PaymentRequest("BK-1", eur("10.00"), details))


async def test_a_ref_never_carries_the_card_number_or_code(card: CardSandbox) -> None:
    result = await pay_by_card(card, THREE_D_SECURE_NUMBER)

    assert "4000000000003220" not in json.dumps(ref_state(result.provider_ref))
    assert '"123"' not in json.dumps(ref_state(result.provider_ref))
    assert ref_state(result.provider_ref)["summary"] == "VISA •••• 3220"


async def test_three_d_secure_asks_for_a_challenge(card: CardSandbox) -> None:
    result = await pay_by_card(card, THREE_D_SECURE_NUMBER)

    assert result.state is PaymentState.ACTION_REQUIRED
    assert result.action is not None
    assert result.action.kind == "three_d_secure"
    assert result.action.url is None
    assert result.action.data["challenge"].startswith("3ds_")


async def test_a_passed_challenge_authorizes(card: CardSandbox) -> None:
    started = await pay_by_card(card, THREE_D_SECURE_NUMBER)
    assert started.action is not None
    challenge = started.action.data["challenge"]

    passed = await card.resume(started.provider_ref, {"result": "pass", "challenge": challenge})

    assert passed.state is PaymentState.AUTHORIZED
    assert passed.action is None
    assert passed.amount == eur("100.00")
    assert (await card.capture(passed.provider_ref, eur("100.00"))).state is (PaymentState.CAPTURED)


async def test_a_failed_challenge_declines(card: CardSandbox) -> None:
    started = await pay_by_card(card, THREE_D_SECURE_NUMBER)

    failed = await card.resume(started.provider_ref, {"result": "fail"})

    assert failed.state is PaymentState.DECLINED
    assert failed.decline_reason == "authentication_failed"
    assert failed.action is None


async def test_capture_waits_for_the_challenge(card: CardSandbox) -> None:
    started = await pay_by_card(card, THREE_D_SECURE_NUMBER)

    result = await card.capture(started.provider_ref, eur("100.00"))

    assert result.state is PaymentState.ACTION_REQUIRED
    assert result.action == started.action


@pytest.mark.parametrize(
    ("response", "field"),
    [
        ({}, "result"),
        ({"result": "maybe"}, "result"),
        ({"result": "pass", "challenge": "3ds_someone_else"}, "challenge"),
    ],
)
async def test_a_bad_challenge_answer_is_refused(
    card: CardSandbox, response: dict[str, str], field: str
) -> None:
    started = await pay_by_card(card, THREE_D_SECURE_NUMBER)

    with refusal(field):
        await card.resume(started.provider_ref, response)


async def test_only_a_waiting_payment_is_resumed(card: CardSandbox) -> None:
    started = await pay_by_card(card, THREE_D_SECURE_NUMBER)
    passed = await card.resume(started.provider_ref, {"result": "pass"})

    with refusal("provider_ref", "authorized"):
        await card.resume(passed.provider_ref, {"result": "pass"})
    with refusal("provider_ref"):
        await card.resume((await pay_by_card(card, "4242424242424242")).provider_ref, {})


async def test_part_of_an_authorization_can_be_captured(card: CardSandbox) -> None:
    authorized = await pay_by_card(card, "4242424242424242", "100.00")

    captured = await card.capture(authorized.provider_ref, eur("60.00"))

    assert captured.state is PaymentState.CAPTURED
    assert captured.amount == eur("60.00")
    assert captured.provider_ref == authorized.provider_ref
    # Stateless: the ref cannot know only 60.00 was taken, so refunds are bounded by the
    # authorised amount; the booking's ledger bounds them by what it captured.
    with refusal("amount", "at most the 100.00 EUR paid"):
        await card.refund(captured.provider_ref, eur("100.01"), reference="RF-1")


@pytest.mark.parametrize("number", [THREE_D_SECURE_NUMBER, "4000000000000002"])
async def test_a_payment_that_took_no_money_is_not_refunded(card: CardSandbox, number: str) -> None:
    started = await pay_by_card(card, number)

    with refusal("provider_ref"):
        await card.refund(started.provider_ref, eur("1.00"), reference="RF-1")


async def test_a_refund_needs_a_reference(card: CardSandbox) -> None:
    authorized = await pay_by_card(card, "4242424242424242")
    captured = await card.capture(authorized.provider_ref, eur("100.00"))

    with refusal("reference"):
        await card.refund(captured.provider_ref, eur("1.00"), reference=" ")


async def test_a_ref_from_one_method_is_refused_by_another(
    card: CardSandbox, clock: ManualClock
) -> None:
    authorized = await pay_by_card(card, "4242424242424242")
    paypal = PayPalSandbox(SECRET, clock)

    with refusal("provider_ref", "not a paypal payment reference"):
        await paypal.capture(authorized.provider_ref, eur("100.00"))


async def test_a_payment_keeps_its_currency_exactly(card: CardSandbox) -> None:
    chf = CURRENCIES.currency("CHF")
    request = PaymentRequest("BK-1", Money.of("10.05", chf), CARD)

    authorized = await card.authorize(request)
    captured = await card.capture(authorized.provider_ref, Money.of("10.05", chf))

    assert captured.amount == Money.of("10.05", chf)
    assert captured.amount.currency.cash_increment == chf.cash_increment


def test_a_short_secret_is_refused_at_start(clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        CardSandbox("too short", clock)


# --- wallets -------------------------------------------------------------------------------


def wallet_request(token: str) -> PaymentRequest:
    return PaymentRequest("BK-1", eur("100.00"), {"token": token})


@pytest.mark.parametrize(
    ("network", "summary"),
    [
        ("Visa", "VISA •••• 4242 (Apple Pay)"),
        ("MasterCard", "MASTERCARD •••• 4242 (Apple Pay)"),
        ("AmEx", "AMEX •••• 4242 (Apple Pay)"),
    ],
)
async def test_apple_pay_reads_the_card_from_the_token(
    clock: ManualClock, network: str, summary: str
) -> None:
    apple = WalletSandbox(APPLE_PAY, SECRET, clock)

    result = await apple.authorize(wallet_request(apple_pay_test_token(network=network)))

    assert result.state is PaymentState.AUTHORIZED
    assert result.summary == summary


async def test_google_pay_reads_the_card_from_the_signed_message(clock: ManualClock) -> None:
    google = WalletSandbox(GOOGLE_PAY, SECRET, clock)

    result = await google.authorize(wallet_request(GOOGLE_PAY_TEST_TOKEN))

    assert result.state is PaymentState.AUTHORIZED
    assert result.summary == "VISA •••• 4242 (Google Pay)"


@pytest.mark.parametrize(
    ("name", "token", "reason"),
    [
        (APPLE_PAY, APPLE_PAY_DECLINING_TOKEN, "card_declined"),
        (APPLE_PAY, apple_pay_test_token(last4="9995"), "insufficient_funds"),
        (GOOGLE_PAY, GOOGLE_PAY_DECLINING_TOKEN, "card_declined"),
    ],
)
async def test_documented_wallet_tokens_decline(
    clock: ManualClock, name: str, token: str, reason: str
) -> None:
    result = await WalletSandbox(name, SECRET, clock).authorize(wallet_request(token))

    assert result.state is PaymentState.DECLINED
    assert result.decline_reason == reason


async def test_an_url_safe_unpadded_token_is_accepted(clock: ManualClock) -> None:
    raw = base64.b64decode(apple_pay_test_token())
    token = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    result = await WalletSandbox(APPLE_PAY, SECRET, clock).authorize(wallet_request(token))

    assert result.state is PaymentState.AUTHORIZED


def b64(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def apple_token_with(**changes: object) -> str:
    token = json.loads(base64.b64decode(apple_pay_test_token()))
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = token
        for parent in parents:
            node = node[parent]
        if value is None:
            del node[leaf]
        else:
            node[leaf] = value
    return b64(token)


@pytest.mark.parametrize(
    ("token", "match"),
    [
        ("", "required"),
        ("not base64!", "not base64"),
        (b64("just text"), "not an Apple Pay token"),
        (b64({"paymentData": {}}), "not an Apple Pay token"),
        (apple_token_with(transactionIdentifier=None), "transactionIdentifier"),
        (apple_token_with(paymentData__header__transactionId=None), "transactionId"),
        (apple_token_with(paymentData__version="EC_v9"), "version"),
        (apple_token_with(paymentMethod__network="Discover"), "Discover cards"),
        (apple_token_with(paymentMethod__displayName="My card"), "last 4 digits"),
        (b64("x" * 20_000), "required"),
        (GOOGLE_PAY_TEST_TOKEN, "not an Apple Pay token"),
    ],
)
async def test_a_bad_apple_pay_token_is_refused(clock: ManualClock, token: str, match: str) -> None:
    with refusal("token", match):
        await WalletSandbox(APPLE_PAY, SECRET, clock).authorize(wallet_request(token))


def google_token_with(message_changes: dict[str, object], **changes: object) -> str:
    token = json.loads(base64.b64decode(google_pay_test_token(expires_at=START + timedelta(1))))
    message = json.loads(token["signedMessage"])
    message.update(message_changes)
    token["signedMessage"] = json.dumps(message)
    token.update(changes)
    return b64(token)


def google_card_with(**changes: object) -> dict[str, object]:
    token = json.loads(base64.b64decode(GOOGLE_PAY_TEST_TOKEN))
    details: dict[str, object] = json.loads(token["signedMessage"])["paymentMethodDetails"]
    return {"paymentMethodDetails": {**details, **changes}}


@pytest.mark.parametrize(
    ("token", "match"),
    [
        (google_token_with({}, protocolVersion="ECv1"), "protocolVersion"),
        (google_token_with({}, signedMessage="{not json"), "not a Google Pay token"),
        (google_token_with({"paymentMethod": "TOKENIZED_CARD"}), "not a card"),
        (google_token_with({"messageExpiration": "soon"}), "milliseconds"),
        (google_token_with(google_card_with(pan="4242424242424241")), "not a valid card"),
        (google_token_with(google_card_with(pan="6011111111111117")), "only VISA"),
        (google_token_with(google_card_with(expirationYear=2025)), "card in the token has"),
        (apple_pay_test_token(), "not a Google Pay token"),
    ],
)
async def test_a_bad_google_pay_token_is_refused(
    clock: ManualClock, token: str, match: str
) -> None:
    with refusal("token", match):
        await WalletSandbox(GOOGLE_PAY, SECRET, clock).authorize(wallet_request(token))


async def test_an_expired_google_pay_message_is_refused(clock: ManualClock) -> None:
    google = WalletSandbox(GOOGLE_PAY, SECRET, clock)
    token = google_pay_test_token(expires_at=START + timedelta(minutes=5))
    assert (await google.authorize(wallet_request(token))).state is PaymentState.AUTHORIZED

    clock.advance(300)

    with refusal("token", "expired"):
        await google.authorize(wallet_request(token))


async def test_a_wallet_payment_is_never_resumed(clock: ManualClock) -> None:
    apple = WalletSandbox(APPLE_PAY, SECRET, clock)
    result = await apple.authorize(wallet_request(apple_pay_test_token()))

    with refusal("provider_ref", "not waiting"):
        await apple.resume(result.provider_ref, {"result": "pass"})


def test_only_known_wallets_can_be_built(clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="apple_pay or google_pay"):
        WalletSandbox("samsung_pay", SECRET, clock)


# --- PayPal --------------------------------------------------------------------------------


@pytest.fixture
def paypal(clock: ManualClock) -> PayPalSandbox:
    return PayPalSandbox(SECRET, clock)


async def paypal_order(paypal: PayPalSandbox) -> PaymentResult:
    return await paypal.authorize(PaymentRequest("BK-1", eur("250.00")))


async def test_an_order_sends_the_payer_to_approve_it(paypal: PayPalSandbox) -> None:
    order = await paypal_order(paypal)

    assert order.state is PaymentState.ACTION_REQUIRED
    assert order.action is not None
    assert order.action.kind == "approve"
    order_id = order.action.data["order_id"]
    assert len(order_id) == 17
    assert order_id.isalnum()
    assert order_id.isupper() or order_id.isdigit()
    assert order.action.url == f"https://sandbox.paypal.example/checkoutnow?token={order_id}"


async def test_an_approved_order_is_authorized_with_the_payer(paypal: PayPalSandbox) -> None:
    order = await paypal_order(paypal)
    assert order.action is not None
    response = {
        "payer_id": "QYR5Z8XDVJNXQ",
        "email": "payer@example.com",
        "token": order.action.data["order_id"],
    }

    approved = await paypal.resume(order.provider_ref, response)

    assert approved.state is PaymentState.AUTHORIZED
    assert approved.summary == "PayPal payer@example.com"
    assert approved.action is None


async def test_without_an_email_the_payer_id_is_shown(paypal: PayPalSandbox) -> None:
    order = await paypal_order(paypal)

    approved = await paypal.resume(order.provider_ref, {"payer_id": "QYR5Z8XDVJNXQ"})

    assert approved.summary == "PayPal payer QYR5Z8XDVJNXQ"


async def test_a_cancelled_order_declines(paypal: PayPalSandbox) -> None:
    order = await paypal_order(paypal)

    cancelled = await paypal.resume(order.provider_ref, {"cancelled": "true"})

    assert cancelled.state is PaymentState.DECLINED
    assert cancelled.decline_reason == "payer_cancelled"
    assert (await paypal.capture(cancelled.provider_ref, eur("250.00"))).state is (
        PaymentState.DECLINED
    )


async def test_an_order_not_yet_approved_is_not_refunded(paypal: PayPalSandbox) -> None:
    order = await paypal_order(paypal)

    with refusal("provider_ref", "waiting for the payer"):
        await paypal.refund(order.provider_ref, eur("1.00"), reference="RF-1")


async def test_the_declining_payer_is_declined(paypal: PayPalSandbox) -> None:
    order = await paypal_order(paypal)

    declined = await paypal.resume(order.provider_ref, {"payer_id": DECLINING_PAYER_ID})

    assert declined.state is PaymentState.DECLINED
    assert declined.decline_reason == "instrument_declined"


async def test_an_order_not_approved_in_three_hours_expires(
    paypal: PayPalSandbox, clock: ManualClock
) -> None:
    order = await paypal_order(paypal)
    clock.advance(3 * 3600)
    assert (await paypal.resume(order.provider_ref, {"payer_id": "QYR5Z8XDVJNXQ"})).state is (
        PaymentState.AUTHORIZED
    )

    clock.advance(1)
    expired = await paypal.resume(order.provider_ref, {"payer_id": "QYR5Z8XDVJNXQ"})

    assert expired.state is PaymentState.DECLINED
    assert expired.decline_reason == "order_expired"


async def test_capture_waits_for_the_approval(paypal: PayPalSandbox) -> None:
    order = await paypal_order(paypal)

    result = await paypal.capture(order.provider_ref, eur("250.00"))

    assert result.state is PaymentState.ACTION_REQUIRED
    assert result.action == order.action


@pytest.mark.parametrize(
    ("response", "field"),
    [
        ({}, "payer_id"),
        ({"payer_id": "short"}, "payer_id"),
        ({"payer_id": "qyr5z8xdvjnxq"}, "payer_id"),
        ({"payer_id": "QYR5Z8XDVJNXQ", "token": "5O190127TN364715T"}, "token"),
        ({"payer_id": "QYR5Z8XDVJNXQ", "email": "not an email"}, "email"),
    ],
)
async def test_a_bad_approval_is_refused(
    paypal: PayPalSandbox, response: dict[str, str], field: str
) -> None:
    order = await paypal_order(paypal)

    with refusal(field):
        await paypal.resume(order.provider_ref, response)


async def test_an_approved_order_is_not_approved_again(paypal: PayPalSandbox) -> None:
    order = await paypal_order(paypal)
    approved = await paypal.resume(order.provider_ref, {"payer_id": "QYR5Z8XDVJNXQ"})

    with refusal("provider_ref"):
        await paypal.resume(approved.provider_ref, {"payer_id": "QYR5Z8XDVJNXQ"})


# --- Bitcoin -------------------------------------------------------------------------------

PRICES = {"EUR": Decimal("30000"), "JPY": Decimal("4800000")}


@pytest.fixture
def bitcoin(clock: ManualClock) -> BitcoinSandbox:
    return BitcoinSandbox(SECRET, clock, fixed_btc_prices(PRICES))


async def invoice(bitcoin: BitcoinSandbox, amount: Money | None = None) -> PaymentResult:
    return await bitcoin.authorize(PaymentRequest("BK-9", amount or eur("100.00")))


async def test_an_invoice_prices_the_amount_in_btc_rounded_up(bitcoin: BitcoinSandbox) -> None:
    result = await invoice(bitcoin)

    assert result.state is PaymentState.ACTION_REQUIRED
    assert result.action is not None
    assert result.action.kind == "pay_invoice"
    data = result.action.data
    # 100 / 30000 = 0.0033333...: rounding down would leave the invoice short.
    assert data["btc_amount"] == "0.00333334"
    assert data["rate"] == "30000"
    assert data["expires_at"] == "2026-03-01T12:15:00+00:00"
    assert data["address"].startswith("tb1q")
    assert len(data["address"]) == 42
    assert result.action.url == f"bitcoin:{data['address']}?amount=0.00333334"
    assert result.amount == eur("100.00")


async def test_invoices_get_their_own_addresses(bitcoin: BitcoinSandbox) -> None:
    first, second = await invoice(bitcoin), await invoice(bitcoin)

    assert first.action is not None
    assert second.action is not None
    assert first.action.data["address"] != second.action.data["address"]


async def test_the_invoice_lifetime_can_be_set(clock: ManualClock) -> None:
    bitcoin = BitcoinSandbox(
        SECRET, clock, fixed_btc_prices(PRICES), invoice_ttl=timedelta(hours=1)
    )

    result = await invoice(bitcoin)

    assert result.action is not None
    assert result.action.data["expires_at"] == "2026-03-01T13:00:00+00:00"


async def test_an_amount_without_minor_units_is_priced_too(bitcoin: BitcoinSandbox) -> None:
    result = await invoice(bitcoin, Money.of(12_000, JPY))

    assert result.action is not None
    assert result.action.data["btc_amount"] == "0.00250000"


async def pay(
    bitcoin: BitcoinSandbox, started: PaymentResult, btc: str, at: datetime
) -> tuple[dict[str, str], bytes]:
    return bitcoin.simulated_payment(started.provider_ref, btc_received=Decimal(btc), at=at)


async def test_paying_the_invoice_reports_the_amount_due(
    bitcoin: BitcoinSandbox, clock: ManualClock
) -> None:
    started = await invoice(bitcoin)
    clock.advance(60)

    event = bitcoin.webhook(*await pay(bitcoin, started, "0.00333334", clock.now()))

    assert event.kind is WebhookKind.PAID
    assert event.amount == eur("100.00")
    assert event.late is False
    assert event.reference == "BK-9"
    assert event.provider_ref == started.provider_ref
    assert event.at == START + timedelta(seconds=60)
    refund = await bitcoin.refund(event.provider_ref, eur("100.00"), reference="RF-1")
    assert refund.amount == eur("100.00")


async def test_an_underpayment_reports_less_than_due(
    bitcoin: BitcoinSandbox, clock: ManualClock
) -> None:
    started = await invoice(bitcoin)

    event = bitcoin.webhook(*await pay(bitcoin, started, "0.003", clock.now()))

    assert event.amount == eur("90.00")
    assert event.amount < started.amount
    assert (await bitcoin.refund(event.provider_ref, eur("90.00"), reference="RF-1")).amount == (
        eur("90.00")
    )


async def test_what_arrived_is_rounded_down_to_a_minor_unit(
    bitcoin: BitcoinSandbox, clock: ManualClock
) -> None:
    started = await invoice(bitcoin)

    # 0.00333333 BTC is 99.9999 EUR: the payer is credited 99.99, never a cent more.
    event = bitcoin.webhook(*await pay(bitcoin, started, "0.00333333", clock.now()))

    assert event.amount == eur("99.99")


async def test_an_overpayment_reports_more_than_due(
    bitcoin: BitcoinSandbox, clock: ManualClock
) -> None:
    started = await invoice(bitcoin)

    event = bitcoin.webhook(*await pay(bitcoin, started, "0.004", clock.now()))

    assert event.amount == eur("120.00")
    # The ref knows only the invoice: refunds stop at its amount.
    with refusal("amount", "at most the 100.00 EUR paid"):
        await bitcoin.refund(event.provider_ref, eur("120.00"), reference="RF-1")


async def test_a_payment_after_expiry_is_late(bitcoin: BitcoinSandbox, clock: ManualClock) -> None:
    started = await invoice(bitcoin)
    clock.advance(15 * 60)
    on_time = bitcoin.webhook(*await pay(bitcoin, started, "0.00333334", clock.now()))

    clock.advance(1)
    late = bitcoin.webhook(*await pay(bitcoin, started, "0.00333334", clock.now()))

    assert on_time.late is False
    assert late.late is True
    assert late.amount == eur("100.00")
    assert late.event_id != on_time.event_id


async def test_capture_on_the_invoice_cannot_know_it_was_paid(
    bitcoin: BitcoinSandbox, clock: ManualClock
) -> None:
    started = await invoice(bitcoin)
    await pay(bitcoin, started, "0.00333334", clock.now())
    clock.advance(3600)

    result = await bitcoin.capture(started.provider_ref, eur("100.00"))

    assert result.state is PaymentState.ACTION_REQUIRED
    assert result.action == started.action


async def test_a_cancelled_invoice_declines(bitcoin: BitcoinSandbox) -> None:
    started = await invoice(bitcoin)

    cancelled = await bitcoin.resume(started.provider_ref, {"cancelled": "true"})

    assert cancelled.state is PaymentState.DECLINED
    assert cancelled.decline_reason == "invoice_cancelled"
    with refusal("provider_ref", "not open"):
        await bitcoin.resume(cancelled.provider_ref, {"cancelled": "true"})
    with refusal("provider_ref", "not open"):
        await pay(bitcoin, cancelled, "0.00333334", START)


async def test_an_open_invoice_can_be_refunded(bitcoin: BitcoinSandbox) -> None:
    # Money reaches an address whatever the sandbox remembers: a refund cannot wait for it.
    started = await invoice(bitcoin)

    refund = await bitcoin.refund(started.provider_ref, eur("100.00"), reference="RF-1")

    assert refund.provider_ref == started.provider_ref


async def test_an_invoice_is_only_resumed_to_cancel_it(bitcoin: BitcoinSandbox) -> None:
    started = await invoice(bitcoin)

    with refusal("response", "paid on chain"):
        await bitcoin.resume(started.provider_ref, {"txid": "ab" * 32})


@pytest.mark.parametrize("btc", ["0", "-0.001", "0.000000001", "NaN"])
async def test_a_simulated_payment_is_whole_satoshis(
    bitcoin: BitcoinSandbox, btc: str, clock: ManualClock
) -> None:
    started = await invoice(bitcoin)

    with refusal("btc_received"):
        await pay(bitcoin, started, btc, clock.now())


async def test_each_payment_to_an_invoice_is_its_own_event(
    bitcoin: BitcoinSandbox, clock: ManualClock
) -> None:
    started = await invoice(bitcoin)

    first = bitcoin.webhook(*await pay(bitcoin, started, "0.002", clock.now()))
    second = bitcoin.webhook(*await pay(bitcoin, started, "0.001", clock.now()))
    replayed = bitcoin.webhook(*await pay(bitcoin, started, "0.002", clock.now()))

    assert first.event_id != second.event_id
    assert replayed.event_id == first.event_id
    assert (first.amount, second.amount) == (eur("60.00"), eur("30.00"))


@pytest.mark.parametrize("btc_received", [None, "", "lots", "0", "0.000000001"])
async def test_a_paid_webhook_without_whole_satoshis_is_forged(
    bitcoin: BitcoinSandbox, btc_received: str | None
) -> None:
    started = await invoice(bitcoin)
    extra = None if btc_received is None else {"btc_received": btc_received}
    body = event_body(
        WebhookKind.PAID,
        event_id="evt_1",
        provider_ref=started.provider_ref,
        reference="BK-9",
        at=START,
        extra=extra,
    )

    with pytest.raises(ForgedWebhook, match="satoshis"):
        bitcoin.webhook(sign(body, SECRET, START), body)


@pytest.mark.parametrize("price", [Decimal(0), Decimal(-1), Decimal("NaN")])
async def test_an_unusable_price_is_rate_unavailable(clock: ManualClock, price: Decimal) -> None:
    bitcoin = BitcoinSandbox(SECRET, clock, fixed_btc_prices({"EUR": price}))

    with pytest.raises(RateUnavailable):
        await invoice(bitcoin)


async def test_a_currency_without_a_price_is_rate_unavailable(bitcoin: BitcoinSandbox) -> None:
    with pytest.raises(RateUnavailable, match="GBP"):
        await invoice(bitcoin, Money.of("10.00", CURRENCIES.currency("GBP")))


async def test_an_expired_unpaid_invoice_can_be_reported_failed(
    bitcoin: BitcoinSandbox, clock: ManualClock
) -> None:
    started = await invoice(bitcoin)
    clock.advance(15 * 60 + 1)

    event = bitcoin.webhook(
        *bitcoin.simulated_webhook(WebhookKind.FAILED, started.provider_ref, clock.now())
    )

    assert event.kind is WebhookKind.FAILED
    assert event.amount is None
    assert event.late is False


def test_addresses_are_bech32_testnet() -> None:
    # BIP 173's test vector.
    key_hash = bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6")

    assert p2wpkh_testnet_address(key_hash) == "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"
    with pytest.raises(ValueError, match="20 bytes"):
        p2wpkh_testnet_address(key_hash[:19])


# --- webhook signatures and refs -----------------------------------------------------------


def test_a_signature_verifies_and_gives_when_it_was_made() -> None:
    headers = sign(b'{"id": "evt_1"}', SECRET, START)

    assert headers[HEADER].startswith("t=1772366400,v1=")
    assert verify(headers, b'{"id": "evt_1"}', SECRET, START + timedelta(seconds=5)) == START


def test_any_one_of_several_signatures_is_enough() -> None:
    body = b"{}"
    good = sign(body, SECRET, START)[HEADER].split(",")[1]
    rotated = {HEADER: f"t=1772366400,v1={'0' * 64},{good},v0=ignored"}

    assert verify(rotated, body, SECRET, START) == START


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sign(b"{}", SECRET, datetime(2026, 3, 1, 12))


async def test_a_signed_but_unreadable_body_is_forged(card: CardSandbox) -> None:
    body = b"not json"

    with pytest.raises(ForgedWebhook, match="cannot be read"):
        card.webhook(sign(body, SECRET, START), body)


async def test_a_webhook_naming_a_foreign_payment_is_forged(
    card: CardSandbox, clock: ManualClock
) -> None:
    paypal = PayPalSandbox(SECRET, clock)
    order = await paypal_order(paypal)
    headers, body = paypal.simulated_webhook(WebhookKind.AUTHORIZED, order.provider_ref, START)

    with pytest.raises(ForgedWebhook, match="did not issue"):
        card.webhook(headers, body)


async def test_a_webhook_whose_reference_is_not_its_payments_is_forged(
    card: CardSandbox,
) -> None:
    authorized = await pay_by_card(card, "4242424242424242")
    body = event_body(
        WebhookKind.CAPTURED,
        event_id="evt_1",
        provider_ref=authorized.provider_ref,
        reference="BK-other",
        at=START,
    )

    with pytest.raises(ForgedWebhook, match="reference"):
        card.webhook(sign(body, SECRET, START), body)


async def test_a_huge_webhook_body_is_refused_unread(card: CardSandbox) -> None:
    body = b"{" + b" " * 70_000 + b"}"

    with pytest.raises(ForgedWebhook, match="too large"):
        card.webhook(sign(body, SECRET, START), body)


async def test_webhook_kinds_carry_the_payment_amount(card: CardSandbox) -> None:
    authorized = await pay_by_card(card, "4242424242424242", "80.00")
    captured = await card.capture(authorized.provider_ref, eur("30.00"))

    def event_of(kind: WebhookKind, ref: str) -> Money | None:
        return card.webhook(*card.simulated_webhook(kind, ref, START)).amount

    assert event_of(WebhookKind.AUTHORIZED, authorized.provider_ref) == eur("80.00")
    assert event_of(WebhookKind.CAPTURED, captured.provider_ref) == eur("80.00")
    assert event_of(WebhookKind.FAILED, authorized.provider_ref) is None


def test_a_ref_is_bound_to_its_secret_and_method(clock: ManualClock) -> None:
    ledger = SandboxLedger("card", SECRET, clock)
    payment = ledger.open(PaymentRequest("BK-1", eur("1.00")), PaymentState.AUTHORIZED)
    ref = ledger.refs.issue(payment)

    assert SignedRefs(SECRET, "card").read(ref) == payment
    with refusal("provider_ref"):
        SignedRefs(SECRET + "x", "card").read(ref)
    with refusal("provider_ref", "not a paypal"):
        SignedRefs(SECRET, "paypal").read(ref)
    with refusal("provider_ref"):
        SignedRefs(SECRET, "card").read(ref.replace("card.", "card.e30", 1))


def test_a_ref_signed_over_unreadable_state_is_refused(clock: ManualClock) -> None:
    refs = SignedRefs(SECRET, "card")
    signed = "card." + base64.urlsafe_b64encode(b"{}").decode("ascii").rstrip("=")
    forged = f"{signed}.{base64.urlsafe_b64encode(refs._mac(signed)).decode().rstrip('=')}"

    with refusal("provider_ref"):
        refs.read(forged)


# --- the registry --------------------------------------------------------------------------


def test_the_sandboxes_are_all_there(clock: ManualClock) -> None:
    methods = sandbox_methods(SECRET, clock, fixed_btc_prices(PRICES))
    directory: PaymentMethodDirectory = methods

    assert directory.names() == ("card", "apple_pay", "google_pay", "paypal", "bitcoin")
    assert all(methods.get(name).name == name for name in methods)
    assert len(methods) == 5
    assert "paypal" in methods
    assert methods["bitcoin"] is methods.get("bitcoin")


def test_an_unknown_method_names_the_known_ones(clock: ManualClock) -> None:
    methods = sandbox_methods(SECRET, clock, fixed_btc_prices(PRICES))

    with refusal("method", "unknown payment method 'cash'; use one of card, apple_pay"):
        methods.get("cash")
    with refusal("method", "none configured"):
        PaymentMethods([]).get("card")


def test_two_methods_cannot_share_a_name(clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="'card'"):
        PaymentMethods([CardSandbox(SECRET, clock), CardSandbox(SECRET, clock)])
