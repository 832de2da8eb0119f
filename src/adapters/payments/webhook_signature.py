"""Signed webhooks, Stripe style: ``FunFlights-Signature: t=<unix>,v1=<hex HMAC-SHA256>``.

The HMAC covers ``"<t>." + body``, so neither the body nor the time can be changed without the
secret; refusing a time more than ``TOLERANCE`` from now stops an old, captured callback from
being replayed later. A header may carry several ``v1`` values (a provider rotating its secret
signs with both), and any one that verifies is enough.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import msgspec

from funflights_core.payment_method import ForgedWebhook, WebhookKind

HEADER = "FunFlights-Signature"
SCHEME = "v1"
TOLERANCE = timedelta(seconds=300)
MAX_BODY_BYTES = 64 * 1024

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


class WebhookBody(msgspec.Struct, frozen=True):
    """The fields every sandbox webhook carries; a method may add its own beside them."""

    id: str
    type: WebhookKind
    provider_ref: str
    reference: str
    created: int


def unix(at: datetime) -> int:
    """Whole seconds since the epoch of an aware datetime (exact: no float rounding)."""
    if at.utcoffset() is None:
        raise ValueError("webhook times must be timezone-aware")
    return (at - _EPOCH) // _SECOND


def from_unix(seconds: int) -> datetime:
    """The aware UTC datetime of a unix time."""
    return _EPOCH + timedelta(seconds=seconds)


def _mac(secret: str, timestamp: str, body: bytes) -> str:
    signed = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(body: bytes, secret: str, at: datetime) -> dict[str, str]:
    """The headers a provider sends with ``body`` at ``at``: the signature and the content type."""
    timestamp = str(unix(at))
    return {
        HEADER: f"t={timestamp},{SCHEME}={_mac(secret, timestamp, body)}",
        "Content-Type": "application/json",
    }


def _header(headers: Mapping[str, str]) -> str:
    wanted = HEADER.lower()
    # HTTP header names are case-insensitive and a plain dict is not.
    for name, value in headers.items():
        if name.lower() == wanted:
            return value
    raise ForgedWebhook(f"no {HEADER} header")


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    now: datetime,
    tolerance: timedelta = TOLERANCE,
) -> datetime:
    """When ``body`` was signed, once its signature verifies within ``tolerance`` of ``now``."""
    timestamp = ""
    signatures: list[str] = []
    for part in _header(headers).split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == SCHEME:
            signatures.append(value)
    if not timestamp.isdigit() or not timestamp.isascii() or not signatures:
        raise ForgedWebhook(f"the {HEADER} header needs t=<unix time> and {SCHEME}=<signature>")
    expected = _mac(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise ForgedWebhook("the webhook signature does not verify")
    signed_at = from_unix(int(timestamp))
    # Either way: a time far ahead is as untrustworthy as one far behind.
    if abs(now - signed_at) > tolerance:
        seconds = int(tolerance.total_seconds())
        raise ForgedWebhook(f"the webhook was signed more than {seconds} s from now")
    return signed_at


def event_body(
    kind: WebhookKind,
    *,
    event_id: str,
    provider_ref: str,
    reference: str,
    at: datetime,
    extra: Mapping[str, str] | None = None,
) -> bytes:
    """A webhook body as the sandboxes send it (JSON), with any method-specific fields."""
    fields: dict[str, object] = dict(extra or {})
    fields.update(id=event_id, type=kind.value, provider_ref=provider_ref, reference=reference)
    fields["created"] = unix(at)
    return msgspec.json.encode(fields)


def read_body(headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> WebhookBody:
    """A webhook verified then decoded; ``ForgedWebhook`` if either fails."""
    if len(body) > MAX_BODY_BYTES:
        raise ForgedWebhook("the webhook body is too large")
    verify(headers, body, secret, now)
    try:
        return msgspec.json.decode(body, type=WebhookBody)
    except msgspec.DecodeError as error:
        # Signed but unreadable: a provider fault, and still nothing to act on.
        raise ForgedWebhook(f"the webhook body cannot be read: {error}") from None
