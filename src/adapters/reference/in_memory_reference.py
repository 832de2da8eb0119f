"""The fake ReferenceData: the airlines and aircraft types it is given."""

from __future__ import annotations

from collections.abc import Iterable

from funflights_core.airline import AircraftType, Airline


class InMemoryReference:
    """Looks codes up (in any case) among the given airlines and aircraft types."""

    def __init__(
        self, *, airlines: Iterable[Airline] = (), aircraft: Iterable[AircraftType] = ()
    ) -> None:
        self._airlines = {a.iata.upper(): a for a in airlines}
        self._aircraft = {a.iata.upper(): a for a in aircraft}

    def airline(self, iata: str) -> Airline | None:
        """The given airline with this IATA code, or None."""
        return self._airlines.get(iata.strip().upper())

    def aircraft(self, iata: str) -> AircraftType | None:
        """The given aircraft type with this IATA code, or None."""
        return self._aircraft.get(iata.strip().upper())
