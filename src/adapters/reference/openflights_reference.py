"""ReferenceData from the OpenFlights airlines and aircraft types bundled with the package.

The tables are derived by ``scripts/derive_openflights.py`` (ODbL 1.0; see
``adapters/demo_data/OPENFLIGHTS-LICENSE.md``).
"""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources

from funflights_core.airline import AircraftType, Airline

_PACKAGE = "adapters.demo_data"


@functools.cache
def _table(name: str) -> tuple[tuple[str, ...], ...]:
    text = resources.files(_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text))
    next(reader)  # header
    return tuple(tuple(row) for row in reader)


class OpenFlightsReference:
    """The ~980 active airlines with an IATA code and ~220 aircraft types (read once)."""

    def __init__(self) -> None:
        self._airlines = {
            iata: Airline(iata=iata, name=name, country=country)
            for iata, name, country in _table("airlines.csv")
        }
        self._aircraft = {
            iata: AircraftType(iata=iata, name=name) for iata, name in _table("aircraft.csv")
        }

    def airline(self, iata: str) -> Airline | None:
        """The active airline with this IATA code (any case), or None."""
        return self._airlines.get(iata.strip().upper())

    def aircraft(self, iata: str) -> AircraftType | None:
        """The aircraft type with this IATA code (any case), or None."""
        return self._aircraft.get(iata.strip().upper())
