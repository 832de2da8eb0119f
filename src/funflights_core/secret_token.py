"""Bearer secrets handed to clients (refresh, verification, reset): random, stored hashed."""

import hashlib
import secrets


def new_secret() -> str:
    """A fresh URL-safe secret with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def secret_digest(secret: str) -> str:
    """What is stored instead of the secret: a leaked table must not grant access.

    SHA-256 without salt suffices here: the secrets are random with 256 bits of entropy, so
    there is nothing to guess; slow hashing is for passwords people choose.
    """
    return hashlib.sha256(secret.encode()).hexdigest()
