"""``/api/v1/payments``: the methods offered, and the providers' signed callbacks."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import Parameter

from adapters.payments.webhook_signature import MAX_BODY_BYTES
from entrypoints.http.api_context import ApiContext, ApiServices
from entrypoints.http.problems import api_problem_responses
from funflights_core.errors import InvalidInput


class WebhookOut(msgspec.Struct):
    """What the callback did."""

    result: str


class PaymentsController(Controller):
    """Payment methods and webhooks."""

    path = "/api/v1/payments"
    tags = ["payments"]

    @get("/methods", summary="The payment methods offered", responses=api_problem_responses())
    async def methods(self, api: NamedDependency[ApiContext]) -> list[str]:
        """Every method's name, as POST .../payment takes it."""
        return list(api.services.bookings_payments.names())

    @post(
        "/webhooks/{method:str}",
        status_code=200,
        summary="A payment provider's callback",
        description="Verified by its signature (FunFlights-Signature: t=<unix time>,v1=<hex "
        "HMAC-SHA256 of 't.body'>) and applied once: a forged, stale or replayed callback "
        "changes nothing.",
        responses=api_problem_responses(400, 422),
    )
    async def webhook(
        self,
        services: NamedDependency[ApiServices],
        request: Request[Any, Any, Any],
        method: Annotated[str, Parameter(max_length=30)],
    ) -> WebhookOut:
        """The callback's outcome."""
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise InvalidInput("body", "a callback is at most 64 KiB")
        headers = {name.lower(): value for name, value in request.headers.items()}
        return WebhookOut(await services.bookings.webhook(method, headers, body))
