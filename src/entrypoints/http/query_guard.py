"""Reject query strings a handler would misread: unknown, repeated, or non-integer integers."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.params import KwargDefinition

from entrypoints.http.problems import ProblemError

_INTEGER = re.compile(r"^-?[0-9]+$")

# Keyed by the handler object itself: handlers live as long as their app, and the
# automatic OPTIONS handlers have __slots__, so the names cannot be stored on them.
# Value: query name -> whether the parameter is an integer.
_declared: dict[object, dict[str, bool]] = {}


def _is_integer_annotation(annotation: Any) -> bool:
    args = getattr(annotation, "__args__", None)
    if args:
        return int in args and str not in args
    return annotation is int


def _declared_query_names(request: Request[Any, Any, Any]) -> dict[str, bool]:
    handler = request.route_handler
    cached = _declared.get(handler)
    if cached is not None:
        return cached
    names: dict[str, bool] = {}
    for name, field in handler.parsed_fn_signature.parameters.items():
        definition = field.kwarg_definition
        alias = (
            getattr(definition, "query", None) if isinstance(definition, KwargDefinition) else None
        )
        names[alias or name] = _is_integer_annotation(field.annotation)
    _declared[handler] = names
    return names


async def reject_unknown_query_parameters(request: Request[Any, Any, Any]) -> None:
    """A ``before_request`` hook: a typo in a filter must not silently return everything."""
    params = request.query_params
    if not params:
        return
    declared = _declared_query_names(request)
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise ProblemError(
            400,
            "unknown-parameters",
            "Unknown query parameters",
            f"Unknown query parameter(s): {', '.join(unknown)}.",
        )
    # Every parameter here is a single value; "last one wins" would hide a client's mistake.
    invalid = [
        {"name": name, "reason": "given more than once; give it at most once"}
        for name in sorted(params)
        if len(params.getall(name)) > 1
    ]
    # Litestar would read "1.0" or "1e3" as an integer; a page size must be written as one.
    invalid += [
        {"name": name, "reason": "must be a whole number, written with digits only"}
        for name in sorted(params)
        if declared[name] and not _INTEGER.match(params[name])
    ]
    if invalid:
        names = ", ".join(dict.fromkeys(p["name"] for p in invalid))
        raise ProblemError(
            400,
            "invalid-parameters",
            "Invalid request parameters",
            f"Invalid value for {names}.",
            invalid_params=invalid,
        )
