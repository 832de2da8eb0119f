"""``/api/v1/flights``: search (one-way, return, multi-city) and flight details."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal, cast

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import MediaType
from litestar.params import JSONBody, Parameter

from entrypoints.http.api_context import ApiContext
from entrypoints.http.flights_wire import (
    AvailabilityOut,
    CabinAvailabilityOut,
    FlightOut,
    Places,
    SearchOut,
)
from entrypoints.http.problems import api_problem_responses
from funflights_core.api_key import Scope
from funflights_core.errors import InvalidInput, NotFound
from funflights_core.flight import CabinClass, Flight
from funflights_core.flight_search import SearchFilters, SearchRequest, SortOrder
from funflights_core.itinerary import Itinerary
from funflights_core.passengers import Passengers
from funflights_core.price_quotes import Buyer
from funflights_core.seat_map import SeatMap, seat_maps

Code = Annotated[str, Parameter(min_length=3, max_length=3, description="Airport or city code.")]
Cabin = Literal["economy", "premium_economy", "business", "first"]
Sort = Literal["best", "cheapest", "fastest", "earliest"]
Count = Annotated[int, Parameter(ge=0, le=9)]
Clock = Annotated[str | None, Parameter(max_length=5, description="Local time, HH:MM.")]
Codes = Annotated[
    str | None, Parameter(max_length=200, description="Airline codes, comma-separated.")
]
Amount = Annotated[str | None, Parameter(max_length=25, description="Decimal, e.g. 450.00.")]


def _clock(value: str | None, field: str) -> dt.time | None:
    if value is None:
        return None
    try:
        moment = dt.time.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, "use a local time such as 06:30") from None
    if moment.tzinfo is not None:
        raise InvalidInput(field, "a local time has no offset: use 06:30")
    return moment


def _amount(value: str | None, field: str) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidInput(field, "use a decimal amount such as 450.00") from None
    if not amount.is_finite() or amount < 0:
        raise InvalidInput(field, "use an amount of 0 or more")
    return amount


def _codes(value: str | None) -> frozenset[str]:
    return frozenset(code.strip().upper() for code in (value or "").split(",") if code.strip())


class FiltersIn(msgspec.Struct, forbid_unknown_fields=True):
    """What to narrow results to (all optional)."""

    min_price: str | None = None
    max_price: str | None = None
    depart_after: str | None = None
    depart_before: str | None = None
    arrive_after: str | None = None
    arrive_before: str | None = None
    # Bounds are checked in ``filters`` (a 422 naming the field): Litestar's OpenAPI does
    # not carry constraints on optional values.
    max_duration_minutes: int | None = None
    airlines: Annotated[list[str], msgspec.Meta(max_length=50)] = []
    exclude_airlines: Annotated[list[str], msgspec.Meta(max_length=50)] = []
    max_stops: int | None = None

    def filters(self) -> SearchFilters:
        """The core's filters, validated."""
        if self.max_duration_minutes is not None and not 1 <= self.max_duration_minutes <= 10_000:
            raise InvalidInput("max_duration_minutes", "use 1 to 10000 minutes")
        if self.max_stops is not None and not 0 <= self.max_stops <= 3:
            raise InvalidInput("max_stops", "use 0 to 3")
        return SearchFilters(
            min_price=_amount(self.min_price, "min_price"),
            max_price=_amount(self.max_price, "max_price"),
            depart_after=_clock(self.depart_after, "depart_after"),
            depart_before=_clock(self.depart_before, "depart_before"),
            arrive_after=_clock(self.arrive_after, "arrive_after"),
            arrive_before=_clock(self.arrive_before, "arrive_before"),
            max_duration=None
            if self.max_duration_minutes is None
            else dt.timedelta(minutes=self.max_duration_minutes),
            airlines=_codes(",".join(self.airlines)),
            exclude_airlines=_codes(",".join(self.exclude_airlines)),
            max_stops=self.max_stops,
        )


class SliceIn(msgspec.Struct, forbid_unknown_fields=True):
    """One slice of a multi-city journey."""

    origin: Annotated[str, msgspec.Meta(min_length=3, max_length=3)]
    destination: Annotated[str, msgspec.Meta(min_length=3, max_length=3)]
    date: dt.date


class SearchIn(msgspec.Struct, forbid_unknown_fields=True):
    """A multi-city search: up to six slices, one party, one cabin."""

    slices: Annotated[list[SliceIn], msgspec.Meta(min_length=1, max_length=6)]
    cabin: Cabin = "economy"
    adults: Annotated[int, msgspec.Meta(ge=1, le=9)] = 1
    children: Annotated[int, msgspec.Meta(ge=0, le=8)] = 0
    infants: Annotated[int, msgspec.Meta(ge=0, le=9)] = 0
    currency: str | None = None
    """ISO 4217 (checked: a 422 naming it)."""
    sort: Sort = "best"
    limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 50
    filters: FiltersIn | None = None


class FlightsController(Controller):
    """Flights: what travellers search most."""

    path = "/api/v1/flights"
    tags = ["flights"]

    @get(
        "/search",
        summary="Search flights",
        description="Direct flights and one-stop connections between two airports or city "
        "codes on a date (the origin's local date), priced for you with the tenant's current "
        "margins, in your currency. With return_date, a second slice holds the return flights.",
        responses=api_problem_responses(422, 503),
        opt={"api_key_scope": Scope.SEARCH},
    )
    async def search(
        self,
        api: NamedDependency[ApiContext],
        origin: Code,
        destination: Code,
        date: Annotated[dt.date, Parameter(description="Departure date (origin's local date).")],
        return_date: Annotated[dt.date | None, Parameter(description="Return date.")] = None,
        cabin: Annotated[Cabin, Parameter(description="Cabin class.")] = "economy",
        adults: Annotated[int, Parameter(ge=1, le=9)] = 1,
        children: Count = 0,
        infants: Count = 0,
        currency: Annotated[str | None, Parameter(description="ISO 4217 code.")] = None,
        min_price: Amount = None,
        max_price: Amount = None,
        depart_after: Clock = None,
        depart_before: Clock = None,
        arrive_after: Clock = None,
        arrive_before: Clock = None,
        max_duration_minutes: Annotated[int | None, Parameter(description="1 to 10000.")] = None,
        airlines: Codes = None,
        exclude_airlines: Codes = None,
        max_stops: Annotated[int | None, Parameter(description="0 to 3.")] = None,
        sort: Annotated[Sort, Parameter(description="best: shortest, then cheapest.")] = "best",
        limit: Annotated[int, Parameter(ge=1, le=100)] = 50,
        cursor: Annotated[str | None, Parameter(max_length=500)] = None,
        return_cursor: Annotated[str | None, Parameter(max_length=500)] = None,
    ) -> Response[SearchOut]:
        """One page per slice, with facets."""
        filters = FiltersIn(
            min_price=min_price,
            max_price=max_price,
            depart_after=depart_after,
            depart_before=depart_before,
            arrive_after=arrive_after,
            arrive_before=arrive_before,
            max_duration_minutes=max_duration_minutes,
            airlines=sorted(_codes(airlines)),
            exclude_airlines=sorted(_codes(exclude_airlines)),
            max_stops=max_stops,
        ).filters()
        if return_date is not None and return_date < date:
            raise InvalidInput("return_date", "must not be before the departure date")
        legs = [(origin, destination, date, cursor)]
        if return_date is not None:
            legs.append((destination, origin, return_date, return_cursor))
        party = Passengers(adults, children, infants)
        buyer = await api.buyer()
        slices = []
        for slice_origin, slice_destination, day, slice_cursor in legs:
            request = SearchRequest(
                origin=slice_origin,
                destination=slice_destination,
                departure=day,
                cabin=CabinClass(cabin),
                passengers=party,
                currency=currency,
                filters=filters,
                sort=SortOrder(sort),
                limit=limit,
                cursor=slice_cursor,
            )
            slices.append(await _slice(api, buyer, request))
        return _answer(slices)

    @post(
        "/search",
        status_code=200,
        summary="Search a multi-city journey",
        description="Up to six slices; each is searched like GET /search (first page each).",
        responses=api_problem_responses(422, 503),
        opt={"api_key_scope": Scope.SEARCH},
    )
    async def search_slices(
        self, api: NamedDependency[ApiContext], data: JSONBody[SearchIn]
    ) -> Response[SearchOut]:
        """One page per slice."""
        filters = (data.filters or FiltersIn()).filters()
        party = Passengers(data.adults, data.children, data.infants)
        buyer = await api.buyer()
        slices = []
        for piece in data.slices:
            request = SearchRequest(
                origin=piece.origin,
                destination=piece.destination,
                departure=piece.date,
                cabin=CabinClass(data.cabin),
                passengers=party,
                currency=data.currency,
                filters=filters,
                sort=SortOrder(data.sort),
                limit=data.limit,
            )
            slices.append(await _slice(api, buyer, request))
        return _answer(slices)

    @get(
        "/{flight_id:str}",
        summary="One flight",
        responses=api_problem_responses(404),
        opt={"api_key_scope": Scope.SEARCH},
    )
    async def flight(
        self,
        api: NamedDependency[ApiContext],
        flight_id: Annotated[str, Parameter(max_length=40)],
    ) -> FlightOut:
        """A flight's schedule, carriers and aircraft."""
        inventory = api.services.inventory
        found = await inventory.flights.flight(flight_id)
        if found is None:
            raise NotFound(f"no flight {flight_id}")
        return FlightOut.of(found, Places(inventory.airports, inventory.reference))

    @get(
        "/{flight_id:str}/availability",
        summary="Seats left, prices and seat maps of a flight's cabins",
        responses=api_problem_responses(404, 503),
        opt={"api_key_scope": Scope.SEARCH},
    )
    async def availability(
        self,
        api: NamedDependency[ApiContext],
        flight_id: Annotated[str, Parameter(max_length=40)],
    ) -> AvailabilityOut:
        """Each cabin: seats left, the price for one adult, and which seats can be chosen."""
        found = await api.services.inventory.flights.flight(flight_id)
        if found is None:
            raise NotFound(f"no flight {flight_id}")
        return await _availability(api, found)


async def _availability(api: ApiContext, flight: Flight) -> AvailabilityOut:
    buyer = await api.buyer()
    search = api.services.inventory.search
    # Seat numbers given to bookings (of any tenant: the flight's seats are shared).
    taken = await api.services.bookings.seat_numbers_taken(buyer, flight.id)
    cabins = []
    for cabin, seat_map in zip(flight.cabins, _maps_in_cabin_order(flight, taken), strict=True):
        price = None
        if flight.fares_for(cabin.cabin_class) and flight.seats_left(cabin.cabin_class):
            priced = await search.price(
                buyer, Itinerary((flight,)), cabin=cabin.cabin_class, passengers=Passengers()
            )
            price = priced.total
        cabins.append(
            CabinAvailabilityOut.of(cabin, flight.seats_left(cabin.cabin_class), price, seat_map)
        )
    return AvailabilityOut(flight.id, flight.status.value, cabins)


def _maps_in_cabin_order(flight: Flight, taken: frozenset[str]) -> list[SeatMap]:
    by_class = {seat_map.cabin_class: seat_map for seat_map in seat_maps(flight, taken)}
    return [by_class[cabin.cabin_class] for cabin in flight.cabins]


async def _slice(api: ApiContext, buyer: Buyer, request: SearchRequest) -> bytes:
    """One slice's page as JSON (kept, shared or computed)."""
    return await api.services.pages.slice(buyer, request)


def _answer(slices: list[bytes]) -> Response[SearchOut]:
    """``{"slices": [...]}`` from encoded slices (documented as SearchOut)."""
    body = b'{"slices":[' + b",".join(slices) + b"]}"
    # The body is SearchOut already encoded: the annotation is what OpenAPI documents.
    response: Response[bytes] = Response(content=body, media_type=MediaType.JSON)
    return cast("Response[SearchOut]", response)
