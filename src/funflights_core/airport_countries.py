"""The AirportCountries port: which country an airport is in (country margin rules need it)."""

from typing import Protocol


class AirportCountries(Protocol):
    """Countries of airports by IATA code."""

    def country_of(self, iata: str) -> str | None:
        """The ISO 3166 alpha-2 country of the airport, or None if the code is unknown."""
        ...
