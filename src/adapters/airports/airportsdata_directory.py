"""AirportDirectory from the ``airportsdata`` package: maintained IATA airport data, offline.

Airports: the ~7,900 with an IATA code (name, city, ISO country, position, IANA time zone).
City codes: IATA's multi-airport cities as the package ships them (``load_iata_macs``: LON,
NYC, PAR, TYO, ...), widened by ``CITY_ADDITIONS``. An airport code wins over a city code
spelled the same (SHA is Hongqiao, not Shanghai; BKK is Suvarnabhumi, not Bangkok).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import airportsdata

from funflights_core.airport import Airport

CITY_ADDITIONS: Mapping[str, tuple[str, ...]] = {
    # IATA's list is for fare construction; searches for the city also expect these airports.
    "LON": ("SEN",),
    "NYC": ("EWR",),
    "PAR": ("BVA",),
    "WAS": ("BWI",),
    "STO": ("NYO",),
    # City codes the package does not list.
    "YMQ": ("YUL",),
    "YEA": ("YEG",),
    "DTT": ("DTW", "DET"),
    "BUH": ("OTP", "BBU"),
}
"""City code -> airports to serve besides those of IATA's list; unknown airports are skipped."""


@functools.cache
def _airports() -> Mapping[str, Airport]:
    return {
        code: Airport(
            iata=code,
            name=row["name"],
            city=row["city"],
            country=row["country"],
            latitude=row["lat"],
            longitude=row["lon"],
            time_zone=row["tz"],
        )
        for code, row in airportsdata.load("IATA").items()
        if row["tz"]  # the package leaves it empty only in Antarctica
    }


@functools.cache
def _cities() -> Mapping[str, tuple[Airport, ...]]:
    airports = _airports()
    codes = {code: list(mac["airports"]) for code, mac in airportsdata.load_iata_macs().items()}
    for city, extra in CITY_ADDITIONS.items():
        listed = codes.setdefault(city, [])
        listed.extend(code for code in extra if code not in listed)
    cities = {
        city: tuple(airports[code] for code in listed if code in airports)
        for city, listed in codes.items()
    }
    return {city: served for city, served in cities.items() if served}


class AirportsdataDirectory:
    """Airports by IATA code and the airports of city codes, in any case.

    Construction reads the package once per process (~70 ms); the city codes are read on the
    first lookup of a code that is not an airport's (~60 ms more).
    """

    def __init__(self) -> None:
        self._airports = _airports()

    def airport(self, iata: str) -> Airport | None:
        """The airport with this IATA code, or None."""
        return self._airports.get(iata.strip().upper())

    def country_of(self, iata: str) -> str | None:
        """The airport's ISO 3166 alpha-2 country, or None for an unknown code."""
        found = self.airport(iata)
        return found.country if found else None

    def serving(self, code: str) -> Sequence[Airport]:
        """The airport itself, or the airports of a city code, or nothing."""
        key = code.strip().upper()
        found = self._airports.get(key)
        if found is not None:
            return (found,)
        return _cities().get(key, ())
