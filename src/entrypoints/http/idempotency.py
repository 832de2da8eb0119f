"""Idempotency-Key on unsafe requests: the first request's response, replayed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response

from entrypoints.http.api_context import ApiContext
from funflights_core.idempotency import checked_key, fingerprint

REPLAYED = "Idempotent-Replayed"


def _owner(api: ApiContext) -> str:
    caller = api.caller
    if caller.api_key is not None:
        return f"key:{caller.api_key.id}"
    if caller.claims is not None:
        return f"user:{caller.claims.subject}"
    return f"address:{api.client_address}"


async def idempotent(
    api: ApiContext,
    request: Request[Any, Any, Any],
    work: Callable[[], Awaitable[tuple[int, msgspec.Struct]]],
) -> Response[bytes]:
    """Run ``work`` once per Idempotency-Key (when one is sent), and answer as it did.

    Only a success is kept: a refused request (a declined card, a changed price) may be
    sent again with the same key once the cause is fixed.
    """
    header = request.headers.get("idempotency-key")
    if header is None:
        status, answer = await work()
        return _json(status, msgspec.json.encode(answer))
    key = checked_key(header)
    owner = _owner(api)
    tenant = api.caller.tenant.id
    requests = api.services.idempotency
    body = await request.body()
    first = await requests.claim(
        tenant, key, owner, fingerprint(request.method, request.url.path, body)
    )
    if first is not None:
        # replay_for let through only an answered record.
        response = _json(first.status or 200, first.body or b"")
        response.headers[REPLAYED] = "true"
        return response
    try:
        status, answer = await work()
        encoded = msgspec.json.encode(answer)
    except BaseException:
        await requests.release(tenant, key, owner)
        raise
    await requests.answer(tenant, key, owner, status, encoded)
    return _json(status, encoded)


def _json(status: int, body: bytes) -> Response[bytes]:
    return Response(body, status_code=status, media_type="application/json")
