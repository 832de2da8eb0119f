"""Airports, and the AirportDirectory port that finds them by airport or city code."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

import attrs


@attrs.frozen
class Airport:
    """An airport with an IATA code, where it is and which time its clocks show."""

    iata: str
    name: str
    city: str
    country: str
    """ISO 3166 alpha-2."""
    latitude: float
    """Degrees; geography, not money, so a float is exact enough."""
    longitude: float
    time_zone: str
    """IANA name, e.g. Europe/London."""

    def distance_km(self, other: Airport) -> float:
        """Great-circle distance to another airport (haversine, mean Earth radius)."""
        lat1, lat2 = math.radians(self.latitude), math.radians(other.latitude)
        dlat = lat2 - lat1
        dlon = math.radians(other.longitude - self.longitude)
        a = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
        return 2 * 6371.0 * math.asin(math.sqrt(a))

    def local(self, moment: datetime) -> datetime:
        """``moment`` (aware) as the airport's clocks show it."""
        return moment.astimezone(ZoneInfo(self.time_zone))


class AirportDirectory(Protocol):
    """Airports by IATA code, and the airports a city code (LON, NYC) stands for."""

    def airport(self, iata: str) -> Airport | None:
        """The airport with this IATA code, or None."""
        ...

    def country_of(self, iata: str) -> str | None:
        """The country of the airport, or None for an unknown code."""
        ...

    def serving(self, code: str) -> Sequence[Airport]:
        """The airports an airport or city code stands for (empty if it is neither)."""
        ...
