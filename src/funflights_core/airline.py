"""Airlines and aircraft types, and the ReferenceData port that lists them."""

from __future__ import annotations

from typing import Protocol

import attrs


@attrs.frozen
class Airline:
    """An airline with an IATA code."""

    iata: str
    name: str
    country: str
    """The country's name as the source gives it (OpenFlights uses names, not codes)."""


@attrs.frozen
class AircraftType:
    """A type of aircraft, by its IATA code (e.g. 388 for the Airbus A380-800)."""

    iata: str
    name: str


class ReferenceData(Protocol):
    """Airlines and aircraft types (from a maintained source, shipped with the product)."""

    def airline(self, iata: str) -> Airline | None:
        """The active airline with this IATA code, or None."""
        ...

    def aircraft(self, iata: str) -> AircraftType | None:
        """The aircraft type with this IATA code, or None."""
        ...
