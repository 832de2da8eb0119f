"""RFC 9457 problem+json responses, with a stable ``type`` per kind of problem."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ExceptionHandlersMap

from funflights_core.errors import InvalidQuery

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
    ProblemError: _on_problem,
    HTTPException: _on_http,
    Exception: _on_unexpected,
}


_DESCRIPTIONS = {
    400: "Unknown query parameter, or a parameter with an invalid value (each one named).",
    404: "No such resource.",
    503: "Not ready yet.",
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
