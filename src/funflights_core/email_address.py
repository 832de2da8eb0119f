"""Email addresses as identities: one normal form, so one person cannot register twice."""

import re

from funflights_core.errors import InvalidInput

_ADDRESS = re.compile(r"^[^\s@]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9-]{1,63})+$")


def normalise_email(value: str) -> str:
    """The address trimmed and lower-cased, or ``InvalidInput`` when it cannot be one.

    Lower-casing the local part is not strictly RFC 5321, but no mail provider a traveller
    uses distinguishes case there, and two accounts differing only by case are a support
    problem and an account-takeover risk.
    """
    address = value.strip().lower()
    if len(address) > 254 or not _ADDRESS.match(address):
        raise InvalidInput("email", "is not an email address")
    return address
