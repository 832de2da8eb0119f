"""IdGenerator adapters: random UUIDs, and predictable ids for tests."""

from __future__ import annotations

import itertools
import uuid


class UuidIds:
    """Random version-4 UUIDs: unguessable, so ids in URLs reveal nothing."""

    def new_id(self) -> str:
        """A new random UUID."""
        return str(uuid.uuid4())


class SequentialIds:
    """``prefix-1``, ``prefix-2``, ...: the fake, for readable test expectations."""

    def __init__(self, prefix: str = "id") -> None:
        self._prefix = prefix
        self._counter = itertools.count(1)

    def new_id(self) -> str:
        """The next id."""
        return f"{self._prefix}-{next(self._counter)}"
