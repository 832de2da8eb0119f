"""The TOTP port: time-based one-time passwords (RFC 6238), the second factor of staff."""

from datetime import datetime
from typing import Protocol


class Totp(Protocol):
    """Creates authenticator secrets and checks the codes they produce."""

    def new_secret(self) -> str:
        """A new random base32 secret."""
        ...

    def provisioning_uri(self, secret: str, *, account: str, issuer: str) -> str:
        """The otpauth:// URI an authenticator app reads (usually from a QR code)."""
        ...

    def verify(self, secret: str, code: str, *, at: datetime) -> bool:
        """Whether the code is valid at that moment (one step of clock drift allowed)."""
        ...
