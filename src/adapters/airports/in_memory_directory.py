"""The fake AirportDirectory: the airports and city codes it is given."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from funflights_core.airport import Airport


class InMemoryDirectory:
    """Looks codes up (in any case) among the given airports and city codes.

    ``cities`` maps a city code to airport codes; codes of airports not given are ignored.
    """

    def __init__(
        self, airports: Iterable[Airport], *, cities: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        self._airports = {a.iata.upper(): a for a in airports}
        self._cities = {
            city.upper(): tuple(
                self._airports[code.upper()] for code in codes if code.upper() in self._airports
            )
            for city, codes in (cities or {}).items()
        }

    def airport(self, iata: str) -> Airport | None:
        """The given airport with this IATA code, or None."""
        return self._airports.get(iata.strip().upper())

    def country_of(self, iata: str) -> str | None:
        """The given airport's country, or None."""
        found = self.airport(iata)
        return found.country if found else None

    def serving(self, code: str) -> Sequence[Airport]:
        """The airport itself, or the airports of a city code, or nothing."""
        key = code.strip().upper()
        found = self._airports.get(key)
        if found is not None:
            return (found,)
        return self._cities.get(key, ())
