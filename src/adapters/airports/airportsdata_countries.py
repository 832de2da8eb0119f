"""AirportCountries from the ``airportsdata`` package (maintained IATA airport data, offline)."""

from __future__ import annotations

import airportsdata


class AirportsdataCountries:
    """The country of each of the ~7,900 airports with an IATA code."""

    def __init__(self) -> None:
        self._countries = {code: a["country"] for code, a in airportsdata.load("IATA").items()}

    def country_of(self, iata: str) -> str | None:
        """The airport's ISO 3166 alpha-2 country, or None for an unknown code."""
        return self._countries.get(iata)
