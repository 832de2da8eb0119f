"""Idempotency keys: an unsafe request sent again with the same key is answered, not redone.

The first request with a key claims it (a database constraint decides who is first), does
its work, and stores its response; a replay gets that response back. The same key with a
different request is refused (422); a replay while the first is still at work is told to
retry (409), so two concurrent requests with one key never charge twice.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import attrs

from funflights_core.errors import Conflict, InvalidInput

KEPT_FOR = timedelta(hours=24)
"""How long a key's response is kept for replays."""
ABANDONED_AFTER = timedelta(minutes=5)
"""A claim unanswered this long was abandoned (its process died mid-way): the next request
with the key takes it over. Far longer than any request takes (providers time out first)."""
MAX_KEY_LENGTH = 200


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What identifies a request for replay: its method, path and body."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def checked_key(key: str) -> str:
    """The key as sent, or ``InvalidInput`` when it is empty or too long."""
    stripped = key.strip()
    if not stripped or len(stripped) > MAX_KEY_LENGTH or not stripped.isprintable():
        raise InvalidInput("Idempotency-Key", f"use 1 to {MAX_KEY_LENGTH} printable characters")
    return stripped


class KeyInUse(Conflict):
    """The first request with this key is still being answered: retry shortly (409)."""


class KeyReused(InvalidInput):
    """The key was used for a different request (422)."""

    def __init__(self) -> None:
        super().__init__(
            "Idempotency-Key", "this key was used for a different request; use a new key"
        )


@attrs.frozen
class IdempotencyRecord:
    """A claimed key: whose, for which request, and the response once there is one."""

    key: str
    owner: str
    """Who sent it (a customer, an API key): keys of different callers never collide."""
    fingerprint: str
    created_at: datetime
    status: int | None = None
    body: bytes | None = None

    @property
    def answered(self) -> bool:
        """Whether the first request finished and its response is kept."""
        return self.status is not None

    def replay_for(self, fingerprint: str) -> IdempotencyRecord:
        """This record, for a replay of the same request; why not, otherwise."""
        if fingerprint != self.fingerprint:
            raise KeyReused()
        if not self.answered:
            raise KeyInUse("a request with this Idempotency-Key is still in progress; retry")
        return self
