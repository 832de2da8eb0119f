"""The IdGenerator port: where new entity ids come from (random in production, fixed in tests)."""

from typing import Protocol


class IdGenerator(Protocol):
    """Unique, unguessable ids."""

    def new_id(self) -> str:
        """A new id (at most 36 characters)."""
        ...
