"""The PasswordHasher port over argon2-cffi: Argon2id, run off the event loop.

Default parameters are OWASP's Password Storage Cheat Sheet minimum for Argon2id: 19 MiB
of memory (``memory_cost=19456`` KiB), two passes (``time_cost=2``), one lane
(``parallelism=1``). About 20 ms a hash on one core of a small server, so a burst of logins
costs little memory (19 MiB each) and CPU time.

argon2-cffi's own default, RFC 9106's "second recommended" low-memory profile (64 MiB,
three passes, four lanes), is stronger but about five times slower here and takes 64 MiB
and four threads per login: on a two-core container a login burst would queue behind
itself and could be used to exhaust memory. One lane per hash suits a web server better:
concurrency comes from several logins hashing at once, each on its own worker thread
(argon2-cffi releases the GIL), not from lanes within one hash.

Raise the parameters with the hardware; ``needs_rehash`` then reports the older hashes,
which the login use case upgrades on the next successful login.
"""

from __future__ import annotations

import asyncio

from argon2 import Parameters, PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import ARGON2_VERSION, Type

# Passwords may carry lone surrogates (e.g. from a "\ud800" JSON escape); strict UTF-8 would
# raise on them, and the port promises a hash for every str and False, never an error.
_ENCODING_ERRORS = "surrogatepass"


def _encode(password: str) -> bytes:
    return password.encode("utf-8", _ENCODING_ERRORS)


class Argon2PasswordHasher:
    """Argon2id hashes in PHC string form (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``)."""

    def __init__(
        self,
        *,
        time_cost: int = 2,
        memory_cost: int = 19456,
        parallelism: int = 1,
    ) -> None:
        if time_cost < 1:
            raise ValueError("time_cost must be at least 1")
        if parallelism < 1:
            raise ValueError("parallelism must be at least 1")
        if memory_cost < 8 * parallelism:
            raise ValueError("memory_cost must be at least 8 KiB per lane")
        self._hasher = PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            type=Type.ID,
        )
        self._parameters = Parameters(
            type=Type.ID,
            version=ARGON2_VERSION,
            salt_len=self._hasher.salt_len,
            hash_len=self._hasher.hash_len,
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
        )

    @classmethod
    def for_tests(cls) -> Argon2PasswordHasher:
        """A hasher with the smallest parameters Argon2 allows: fast, and useless in production."""
        return cls(time_cost=1, memory_cost=8, parallelism=1)

    async def hash(self, password: str) -> str:
        """A salted Argon2id hash of the password, computed on a worker thread."""
        return await asyncio.to_thread(self._hasher.hash, _encode(password))

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches; False for a wrong password or an unusable hash."""
        try:
            encoded_hash = password_hash.encode("ascii")
        except UnicodeEncodeError:
            return False
        try:
            return await asyncio.to_thread(self._hasher.verify, encoded_hash, _encode(password))
        except VerificationError:
            # Includes VerifyMismatchError and hashes argon2 could not decode.
            return False
        except InvalidHashError:
            # Not an Argon2 hash at all (another scheme, or garbage).
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash is weaker than the current parameters; True if it cannot be parsed."""
        try:
            old = extract_parameters(password_hash)
        except ValueError:
            # Unparseable: it cannot have verified, so asking for a new hash is harmless.
            return True
        new = self._parameters
        # Lanes split the same memory and passes differently, so fewer of them is not
        # weaker; stronger-than-current hashes are kept rather than downgraded.
        return (
            old.type is not new.type
            or old.version < new.version
            or old.time_cost < new.time_cost
            or old.memory_cost < new.memory_cost
            or old.salt_len < new.salt_len
            or old.hash_len < new.hash_len
        )
