"""Wire formats of flight search and inventory (/api/v1/flights): msgspec structs."""

from __future__ import annotations

import datetime as dt
from datetime import datetime

import attrs
import msgspec

from entrypoints.http.pricing_wire import MoneyOut
from funflights_core.airline import ReferenceData
from funflights_core.airport import AirportDirectory
from funflights_core.flight import Cabin, Flight, Leg
from funflights_core.flight_search import Facets, PricedItinerary, SearchPage
from funflights_core.money import Money
from funflights_core.seat_map import SeatMap

_DESCRIBED = 100_000
"""Flights whose wire form a Places keeps (about a day's worth of the demo schedule)."""


@attrs.frozen
class Places:
    """What the wire needs to describe flights: airports (local times) and airline names."""

    airports: AirportDirectory
    reference: ReferenceData
    _described: dict[int, tuple[Flight, FlightOut]] = attrs.field(
        factory=dict, init=False, eq=False, repr=False
    )

    def described(self, flight: Flight) -> FlightOut:
        """The wire form of ``flight``, made once per flight object: searches of one route
        show the same flights page after page (the object is kept with it, so its id is
        not reused while the entry lives)."""
        known = self._described.get(id(flight))
        if known is not None and known[0] is flight:
            return known[1]
        if len(self._described) >= _DESCRIBED:
            self._described.clear()
        described = FlightOut.of(flight, self)
        self._described[id(flight)] = (flight, described)
        return described

    def local(self, code: str, moment: datetime) -> datetime:
        """``moment`` as the airport's clocks show it (UTC if the airport is unknown)."""
        airport = self.airports.airport(code)
        return moment if airport is None else airport.local(moment)

    def airline(self, code: str) -> str | None:
        """The airline's name, if known."""
        airline = self.reference.airline(code)
        return None if airline is None else airline.name

    def aircraft(self, code: str) -> str | None:
        """The aircraft type's name, if known."""
        aircraft = self.reference.aircraft(code)
        return None if aircraft is None else aircraft.name


def _minutes(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() // 60)


class LegOut(msgspec.Struct):
    """One take-off and landing: times in UTC and as each airport's clocks show them."""

    origin: str
    destination: str
    departs_at: datetime
    departs_local: datetime
    arrives_at: datetime
    arrives_local: datetime
    duration_minutes: int

    @classmethod
    def of(cls, leg: Leg, places: Places) -> LegOut:
        """The wire form of a leg."""
        return cls(
            leg.origin,
            leg.destination,
            leg.departs_at,
            places.local(leg.origin, leg.departs_at),
            leg.arrives_at,
            places.local(leg.destination, leg.arrives_at),
            _minutes(leg.departs_at, leg.arrives_at),
        )


class FlightOut(msgspec.Struct):
    """A flight as a traveller reads it."""

    id: str
    designator: str
    marketing_carrier: str
    marketing_carrier_name: str | None
    operating_carrier: str
    aircraft: str
    aircraft_name: str | None
    origin: str
    destination: str
    departs_at: datetime
    departs_local: datetime
    arrives_at: datetime
    arrives_local: datetime
    duration_minutes: int
    stops: int
    status: str
    legs: list[LegOut]

    @classmethod
    def of(cls, flight: Flight, places: Places) -> FlightOut:
        """The wire form of a flight."""
        return cls(
            id=flight.id,
            designator=flight.designator,
            marketing_carrier=flight.marketing_carrier,
            marketing_carrier_name=places.airline(flight.marketing_carrier),
            operating_carrier=flight.operating_carrier,
            aircraft=flight.aircraft,
            aircraft_name=places.aircraft(flight.aircraft),
            origin=flight.origin,
            destination=flight.destination,
            departs_at=flight.departs_at,
            departs_local=places.local(flight.origin, flight.departs_at),
            arrives_at=flight.arrives_at,
            arrives_local=places.local(flight.destination, flight.arrives_at),
            duration_minutes=_minutes(flight.departs_at, flight.arrives_at),
            stops=flight.stops,
            status=flight.status.value,
            legs=[LegOut.of(leg, places) for leg in flight.legs],
        )


class RatingOut(msgspec.Struct):
    """Travellers' reviews of the flights (none yet: reviews come with trips)."""

    average: str | None
    count: int


class ResultOut(msgspec.Struct):
    """One itinerary: its flights, the price for the whole party, seats left when few."""

    id: str
    flights: list[FlightOut]
    duration_minutes: int
    stops: int
    price: MoneyOut
    """What the party pays in all, margins and taxes included."""
    seats_left: int | None
    """Shown when few seats are left (9 or fewer)."""
    rating: RatingOut

    @classmethod
    def of(cls, result: PricedItinerary, places: Places) -> ResultOut:
        """The wire form of a result."""
        itinerary = result.itinerary
        return cls(
            id=itinerary.id,
            flights=[places.described(f) for f in itinerary.flights],
            duration_minutes=_minutes(itinerary.departs_at, itinerary.arrives_at),
            stops=itinerary.stops,
            price=MoneyOut.of(result.total),
            seats_left=result.few_seats_left,
            rating=RatingOut(None, 0),
        )


class FacetsOut(msgspec.Struct):
    """Counts over every result that passed the filters."""

    airlines: dict[str, int]
    stops: dict[str, int]
    min_price: MoneyOut | None
    max_price: MoneyOut | None

    @classmethod
    def of(cls, facets: Facets) -> FacetsOut:
        """The wire form of facets."""
        return cls(
            airlines=facets.airlines,
            stops={str(stops): count for stops, count in facets.stops.items()},
            min_price=None if facets.min_price is None else MoneyOut.of(facets.min_price),
            max_price=None if facets.max_price is None else MoneyOut.of(facets.max_price),
        )


class SliceOut(msgspec.Struct):
    """The results of one slice of a journey (outbound, return, or a multi-city leg)."""

    origin: str
    destination: str
    date: dt.date
    currency: str
    total: int
    results: list[ResultOut]
    facets: FacetsOut
    next_cursor: str | None

    @classmethod
    def of(
        cls, origin: str, destination: str, day: dt.date, page: SearchPage, places: Places
    ) -> SliceOut:
        """The wire form of a search page."""
        return cls(
            origin=origin.upper(),
            destination=destination.upper(),
            date=day,
            currency=page.currency,
            total=page.total,
            results=[ResultOut.of(r, places) for r in page.results],
            facets=FacetsOut.of(page.facets),
            next_cursor=page.next_cursor,
        )


_encode = msgspec.json.Encoder().encode


def encode_slice(
    origin: str, destination: str, day: dt.date, page: SearchPage, places: Places
) -> bytes:
    """A search page as the JSON of a SliceOut."""
    return _encode(SliceOut.of(origin, destination, day, page, places))


class SearchOut(msgspec.Struct):
    """Search results, one slice per requested slice (a return search has two)."""

    slices: list[SliceOut]


class SeatOut(msgspec.Struct):
    """A seat and whether it can be chosen."""

    seat: str
    available: bool


class SeatRowOut(msgspec.Struct):
    """A row of a seat map."""

    row: int
    seats: list[SeatOut]


class CabinAvailabilityOut(msgspec.Struct):
    """A cabin: seats left, the price from (one adult), and its seat map."""

    cabin: str
    capacity: int
    seats_left: int
    price_from: MoneyOut | None
    """For one adult, margins and taxes included; None when nothing is on sale."""
    seat_map: list[SeatRowOut]

    @classmethod
    def of(
        cls, cabin: Cabin, seats_left: int, price: Money | None, seat_map: SeatMap
    ) -> CabinAvailabilityOut:
        """The wire form of a cabin's availability."""
        return cls(
            cabin=cabin.cabin_class.value,
            capacity=cabin.capacity,
            seats_left=seats_left,
            price_from=None if price is None else MoneyOut.of(price),
            seat_map=[
                SeatRowOut(row.number, [SeatOut(s.designator, s.available) for s in row.seats])
                for row in seat_map.rows
            ],
        )


class AvailabilityOut(msgspec.Struct):
    """What can be sold on a flight now, cabin by cabin."""

    flight_id: str
    status: str
    cabins: list[CabinAvailabilityOut]
