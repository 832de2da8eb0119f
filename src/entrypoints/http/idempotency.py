"""Idempotency-Key on unsafe requests: the first request's response, replayed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response

from entrypoints.http.api_context import ApiContext
from funflights_core.booking import Booking
from funflights_core.bookings import Receipt
from funflights_core.idempotency import IdempotencyRecord, checked_key, fingerprint
from funflights_core.unit_of_work import TenantUnitOfWork

REPLAYED = "Idempotent-Replayed"
_log = logging.getLogger(__name__)


def _owner(api: ApiContext) -> str:
    caller = api.caller
    if caller.api_key is not None:
        return f"key:{caller.api_key.id}"
    if caller.claims is not None:
        return f"user:{caller.claims.subject}"
    return f"address:{api.client_address}"


Answer = Callable[[Booking], tuple[int, msgspec.Struct]]
"""How a booking is answered: status and body."""


async def idempotent(
    api: ApiContext,
    request: Request[Any, Any, Any],
    work: Callable[[Receipt | None], Awaitable[tuple[int, msgspec.Struct]]],
    answer: Answer,
) -> Response[bytes]:
    """Run ``work`` once per Idempotency-Key (when one is sent), and answer as it did.

    Only a success is kept: a refused request (a declined card, a changed price) may be
    sent again with the same key once the cause is fixed. ``work`` gets a receipt to hand
    the booking service, which calls it with the booking (``answer`` makes the response):
    the response is then kept in the transaction that stores the booking, so a crash
    between the two cannot leave the key claimed with no answer (which replays would see
    as in progress). When the work goes on after that transaction (refunds asked for after
    a cancellation) and answers otherwise, that answer replaces the kept one.
    """
    header = request.headers.get("idempotency-key")
    if header is None:
        status, done = await work(None)
        return _json(status, msgspec.json.encode(done))
    key = checked_key(header)
    owner = _owner(api)
    tenant = api.caller.tenant.id
    requests = api.services.idempotency
    body = await request.body()
    # The claim's time is its token: were the claim taken over by a replay (this request
    # taking over 5 minutes), nothing this request does touches the key any more.
    at = api.services.clock.now()
    print_ = fingerprint(request.method, request.url.path, body)
    first = await requests.claim(tenant, key, owner, print_, at=at)
    if first is not None:
        # replay_for let through only an answered record.
        response = _json(first.status or 200, first.body or b"")
        response.headers[REPLAYED] = "true"
        return response
    kept: list[tuple[int, bytes]] = []

    async def keep(uow: TenantUnitOfWork, booking: Booking) -> None:
        status, done = answer(booking)
        encoded = msgspec.json.encode(done)
        await requests.keep_in(uow, IdempotencyRecord(key, owner, print_, at, status, encoded))
        kept.append((status, encoded))

    try:
        status, done = await work(keep)
        encoded = msgspec.json.encode(done)
    except BaseException:
        await requests.release(tenant, key, owner, claimed_at=at)  # answered: kept as it is
        raise
    if not kept:
        await requests.answer(tenant, key, owner, status, encoded, claimed_at=at)
    elif kept[-1] != (status, encoded):
        try:
            await requests.answer(tenant, key, owner, status, encoded, claimed_at=at)
        except Exception:
            # The work is done and its first answer is kept: give that one, as replays will.
            _log.warning("the later answer of an Idempotency-Key was not kept", exc_info=True)
            status, encoded = kept[-1]
    return _json(status, encoded)


def _json(status: int, body: bytes) -> Response[bytes]:
    return Response(body, status_code=status, media_type="application/json")
