"""The PasswordHasher port: slow, salted one-way hashing of passwords."""

from typing import Protocol


class PasswordHasher(Protocol):
    """Hashes passwords deliberately slowly; async because a hash takes tens of milliseconds."""

    async def hash(self, password: str) -> str:
        """A self-describing hash (algorithm, parameters, salt) of the password."""
        ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches; False (never an exception) for a wrong one."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with weaker parameters than the current ones."""
        ...
