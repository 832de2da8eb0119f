"""RFC 9457 problem+json responses, with a stable ``type`` per kind of problem."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ExceptionHandlersMap

from funflights_core.bookings import PriceChanged
from funflights_core.errors import (
    AuthenticationFailed,
    Conflict,
    CurrencyMismatch,
    Gone,
    InvalidInput,
    InvalidQuery,
    InvalidToken,
    MfaRequired,
    NotFound,
    PermissionDenied,
    RateUnavailable,
    TooManyAttempts,
)
from funflights_core.idempotency import KeyInUse
from funflights_core.payment_method import ForgedWebhook, PaymentDeclined

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:funflights:problem:"

_log = logging.getLogger(__name__)


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    invalid_params: list[dict[str, str]] | None = msgspec.field(default=None, name="invalid-params")
    old_total: dict[str, str] | None = None
    """A changed price (409 price-changed): what it was."""
    new_total: dict[str, str] | None = None
    """A changed price: what it is now."""


class ProblemError(Exception):
    """Raised by handlers to answer with a specific problem."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str | None = None,
        invalid_params: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.invalid_params = invalid_params


def problem_response(
    request: Request[Any, Any, Any],
    *,
    status: int,
    kind: str,
    title: str,
    detail: str | None = None,
    invalid_params: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    """A problem+json response about the current request."""
    return Response(
        Problem(
            type=PROBLEM_TYPE_BASE + kind,
            title=title,
            status=status,
            detail=detail,
            instance=request.url.path,
            invalid_params=invalid_params,
        ),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _invalid_params(exc: ValidationException) -> list[dict[str, str]]:
    params: list[dict[str, str]] = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            params.append(
                {"name": str(item.get("key", "")), "reason": str(item.get("message", ""))}
            )
    return params


def _on_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    params = _invalid_params(exc)
    names = ", ".join(p["name"] for p in params if p["name"]) or "the request"
    return problem_response(
        request,
        status=400,
        kind="invalid-parameters",
        title="Invalid request parameters",
        detail=f"Invalid value for {names}.",
        invalid_params=params or None,
    )


def _on_invalid_query(request: Request[Any, Any, Any], exc: InvalidQuery) -> Response[Problem]:
    return problem_response(
        request,
        status=400,
        kind="invalid-parameters",
        title="Invalid request parameters",
        detail=str(exc),
        invalid_params=[{"name": exc.parameter, "reason": exc.reason}],
    )


def _on_problem(request: Request[Any, Any, Any], exc: ProblemError) -> Response[Problem]:
    return problem_response(
        request,
        status=exc.status,
        kind=exc.kind,
        title=exc.title,
        detail=exc.detail,
        invalid_params=exc.invalid_params,
    )


def _on_invalid_input(request: Request[Any, Any, Any], exc: InvalidInput) -> Response[Problem]:
    return problem_response(
        request,
        status=422,
        kind="invalid-input",
        title="Invalid input",
        detail=f"{exc.field}: {exc.reason}.",
        invalid_params=[{"name": exc.field, "reason": exc.reason}],
    )


_BEARER = {"WWW-Authenticate": 'Bearer realm="funflights"'}


def _on_authentication(
    request: Request[Any, Any, Any], exc: AuthenticationFailed
) -> Response[Problem]:
    if isinstance(exc, MfaRequired):
        kind, title = "mfa-required", "Second factor required"
    elif isinstance(exc, InvalidToken):
        kind, title = "invalid-token", "Invalid token"
    else:
        kind, title = "authentication-failed", "Authentication failed"
    return problem_response(
        request, status=401, kind=kind, title=title, detail=str(exc), headers=_BEARER
    )


def _on_permission(request: Request[Any, Any, Any], exc: PermissionDenied) -> Response[Problem]:
    return problem_response(
        request, status=403, kind="forbidden", title="Forbidden", detail=str(exc)
    )


def _on_not_found(request: Request[Any, Any, Any], exc: NotFound) -> Response[Problem]:
    return problem_response(
        request, status=404, kind="not-found", title="Not found", detail=str(exc)
    )


def _on_gone(request: Request[Any, Any, Any], exc: Gone) -> Response[Problem]:
    return problem_response(request, status=410, kind="gone", title="Gone", detail=str(exc))


def _on_conflict(request: Request[Any, Any, Any], exc: Conflict) -> Response[Problem]:
    if isinstance(exc, KeyInUse):
        return problem_response(
            request,
            status=409,
            kind="idempotency-key-in-use",
            title="Request in progress",
            detail=str(exc),
            headers={"Retry-After": "1"},
        )
    if isinstance(exc, PriceChanged):
        response = problem_response(
            request, status=409, kind="price-changed", title="Price changed", detail=str(exc)
        )
        response.content = msgspec.structs.replace(
            response.content,
            old_total=_money(exc.old),
            new_total=_money(exc.new),
        )
        return response
    return problem_response(request, status=409, kind="conflict", title="Conflict", detail=str(exc))


def _money(money: Any) -> dict[str, str]:
    rounded = money.rounded()
    return {"amount": str(rounded.amount), "currency": rounded.currency.code}


def _on_declined(request: Request[Any, Any, Any], exc: PaymentDeclined) -> Response[Problem]:
    return problem_response(
        request, status=402, kind="payment-declined", title="Payment declined", detail=str(exc)
    )


def _on_forged(request: Request[Any, Any, Any], exc: ForgedWebhook) -> Response[Problem]:
    _log.warning("refused a payment webhook on %s: %s", request.url.path, exc)
    return problem_response(
        request, status=400, kind="forged-webhook", title="Webhook refused", detail=str(exc)
    )


def _on_throttled(request: Request[Any, Any, Any], exc: TooManyAttempts) -> Response[Problem]:
    return problem_response(
        request,
        status=429,
        kind="too-many-requests",
        title="Too many attempts",
        detail=str(exc),
        headers={"Retry-After": str(exc.retry_after_s)},
    )


def _on_rates_unavailable(
    request: Request[Any, Any, Any], exc: RateUnavailable
) -> Response[Problem]:
    _log.warning("exchange rates unavailable: %s", exc)
    return problem_response(
        request,
        status=503,
        kind="rates-unavailable",
        title="Exchange rates unavailable",
        detail=f"{exc}. Try again later, or ask for the price in the fare's currency.",
        headers={"Retry-After": "60"},
    )


def _on_currency_mismatch(
    request: Request[Any, Any, Any], exc: CurrencyMismatch
) -> Response[Problem]:
    return problem_response(
        request, status=422, kind="currency-mismatch", title="Currency mismatch", detail=str(exc)
    )


_KINDS = {404: "not-found", 405: "method-not-allowed", 429: "too-many-requests"}


def _on_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    if status >= 500:
        return _on_unexpected(request, exc)
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() == "allow"}
    return problem_response(
        request,
        status=status,
        kind=_KINDS.get(status, f"http-{status}"),
        title=exc.detail if status != 404 else "Not found",
        detail=f"No resource at {request.url.path}." if status == 404 else exc.detail,
        headers=headers or None,
    )


def _on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    _log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        status=500,
        kind="internal-error",
        title="Internal error",
        detail="The error was logged; please try again later.",
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ValidationException: _on_validation,
    InvalidQuery: _on_invalid_query,
    InvalidInput: _on_invalid_input,
    AuthenticationFailed: _on_authentication,
    PermissionDenied: _on_permission,
    NotFound: _on_not_found,
    Gone: _on_gone,
    Conflict: _on_conflict,
    PaymentDeclined: _on_declined,
    ForgedWebhook: _on_forged,
    TooManyAttempts: _on_throttled,
    RateUnavailable: _on_rates_unavailable,
    CurrencyMismatch: _on_currency_mismatch,
    ProblemError: _on_problem,
    HTTPException: _on_http,
    Exception: _on_unexpected,
}


_DESCRIPTIONS = {
    400: "Unknown query parameter, or a parameter with an invalid value (each one named); "
    "or a webhook whose signature does not verify.",
    401: "Missing, wrong or expired credentials (type says which: authentication-failed, "
    "invalid-token, mfa-required).",
    403: "Authenticated, but not allowed to do this.",
    404: "No such resource.",
    409: "Conflicts with what exists.",
    402: "The payment was declined: nothing was charged.",
    410: "No longer usable (an expired offer): start again.",
    413: "The request body is too large.",
    415: "The body's media type is not one this endpoint reads.",
    422: "A field has an unacceptable value (named in invalid-params); nothing was stored.",
    429: "Too many attempts; Retry-After says when to try again.",
    503: "Not available now (not ready yet, or no usable exchange rates); see Retry-After.",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI documentation of the problem+json answers a handler can give."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_DESCRIPTIONS.get(status, "Problem"),
            media_type=PROBLEM_MEDIA_TYPE,
        )
        for status in statuses
    }


def api_problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """``problem_responses`` for /api/v1, with the 400, 401 and 403 every endpoint there has."""
    # Any request may carry a bad query string (400), a bad token (401), or a token of
    # another tenant than its host (403).
    return problem_responses(*sorted({400, 401, 403, *statuses}))
