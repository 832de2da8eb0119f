"""The domain's error hierarchy: use cases raise these, entrypoints map them to 4xx/5xx."""


class FunFlightsError(Exception):
    """Base of every error the domain raises on purpose."""


class InvalidQuery(FunFlightsError):
    """A query asked for something impossible (bad filter value, bad page bounds)."""

    def __init__(self, parameter: str, reason: str) -> None:
        super().__init__(f"{parameter}: {reason}")
        self.parameter = parameter
        self.reason = reason


class ProviderUnavailable(FunFlightsError):
    """A provider could not deliver its feed; the reason is safe to show to an operator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidInput(FunFlightsError):
    """A field of a command is unacceptable; ``field`` names it for the client."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class NotFound(FunFlightsError):
    """The thing asked for does not exist (or is not visible to the caller)."""


class Gone(FunFlightsError):
    """The thing existed but is no longer usable (an expired offer)."""


class Conflict(FunFlightsError):
    """The command clashes with what exists (a duplicate email, a stale version)."""


class AuthenticationFailed(FunFlightsError):
    """Credentials are missing or wrong; the reason is safe to show but deliberately vague."""


class InvalidToken(AuthenticationFailed):
    """A token is malformed, tampered with, expired, revoked or meant for someone else."""


class MfaRequired(AuthenticationFailed):
    """The password was right but this account also needs its second factor."""


class PermissionDenied(FunFlightsError):
    """The caller is known but may not do this."""


class TooManyAttempts(FunFlightsError):
    """Throttled: try again after ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many attempts; retry after {retry_after_s}s")
        self.retry_after_s = retry_after_s


class CurrencyMismatch(FunFlightsError):
    """Arithmetic or comparison between amounts of different currencies."""


class RateUnavailable(FunFlightsError):
    """No usable exchange rate: unknown currency pair, or every source stale or down."""
