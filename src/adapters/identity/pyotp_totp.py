"""The Totp port over pyotp (RFC 6238, 30-second steps, 6 digits)."""

from __future__ import annotations

from datetime import datetime

import pyotp


class PyotpTotp:
    """Authenticator-app codes, with one step of clock drift tolerated either way."""

    def new_secret(self) -> str:
        """A new random base32 secret (160 bits, as RFC 4226 recommends)."""
        return pyotp.random_base32(32)

    def provisioning_uri(self, secret: str, *, account: str, issuer: str) -> str:
        """The otpauth:// URI for an authenticator app."""
        return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)

    def verify(self, secret: str, code: str, *, at: datetime) -> bool:
        """Whether the code is valid at ``at`` (or one step before or after)."""
        code = code.strip().replace(" ", "")
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            return False
        # An int, not the datetime: pyotp turns datetimes into timestamps with time.mktime,
        # which reads them as local time.
        return pyotp.TOTP(secret).verify(code, for_time=int(at.timestamp()), valid_window=1)
