"""Demo mode only: the Bitcoin network, simulated — pay a booking's open invoice.

A traveller trying the Bitcoin sandbox has no testnet wallet to pay the invoice with; this
sends the sandbox's signed ``paid`` callback through the same path a provider's webhook
takes (signature, once per event, under/late payment rules).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import msgspec
from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter

from adapters.payments.bitcoin_sandbox import BitcoinSandbox
from entrypoints.http.api_context import ApiContext
from entrypoints.http.payments_controller import WebhookOut
from entrypoints.http.problems import api_problem_responses
from funflights_core.errors import Conflict, InvalidInput


class InvoicePaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    """How much arrives (default: the invoice's amount); less or late is handled as real."""

    btc: Annotated[str, msgspec.Meta(max_length=30)] | None = None


@post(
    "/demo/payments/bitcoin/{booking_id:str}",
    status_code=200,
    summary="Demo: pay a booking's Bitcoin invoice (simulated network)",
    tags=["demo"],
    responses=api_problem_responses(401, 404, 409, 422),
)
async def pay_bitcoin_invoice(
    api: NamedDependency[ApiContext],
    booking_id: Annotated[str, Parameter(max_length=40)],
    data: JSONBody[InvoicePaymentIn],
) -> WebhookOut:
    """The callback's outcome, as the provider would have been answered."""
    services = api.services
    booking = await services.bookings.get(api.customer(), booking_id)
    payment = booking.payment
    if payment is None or payment.method != "bitcoin" or payment.action is None:
        raise Conflict("this booking has no open Bitcoin invoice")
    bitcoin: Any = services.bookings_payments.get("bitcoin")
    if not isinstance(bitcoin, BitcoinSandbox):
        raise Conflict("the Bitcoin method here is not the sandbox")
    try:
        btc = Decimal(data.btc or payment.action.data["btc_amount"])
    except (InvalidOperation, KeyError):
        raise InvalidInput("btc", "an amount in BTC, e.g. 0.00789588") from None
    headers, body = bitcoin.simulated_payment(payment.provider_ref, btc, services.clock.now())
    result = await services.bookings.webhook("bitcoin", headers, body)
    return WebhookOut(result)
