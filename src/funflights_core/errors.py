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
