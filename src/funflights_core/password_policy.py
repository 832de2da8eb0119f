"""What a password must be: long enough, not trivially guessable, not the email itself."""

from funflights_core.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 128
"""Above this a password is more likely an attack on the hash function than a password."""

_COMMON = frozenset(
    {
        "password1234",
        "123456789012",
        "qwertyuiopas",
        "passwordpassword",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "administrator",
        "funwithflights",
    }
)


def check_password(password: str, *, email: str) -> None:
    """Raise ``InvalidInput`` (field ``password``) unless the password is acceptable.

    NIST SP 800-63B: length over composition rules, and refuse known-bad choices.
    """
    if len(password) < MIN_LENGTH:
        raise InvalidInput("password", f"use at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InvalidInput("password", f"use at most {MAX_LENGTH} characters")
    folded = password.casefold()
    if folded in _COMMON or len(set(folded)) < 5:
        raise InvalidInput("password", "is too easy to guess")
    local_part = email.partition("@")[0]
    if len(local_part) >= 4 and local_part in folded:
        raise InvalidInput("password", "must not contain your email address")
