"""DuffelSource against recorded Duffel payloads, served through httpx.MockTransport.

The payloads are the fixtures of Duffel's own Python client (duffelhq/duffel-api-python, MIT),
unchanged; offers made for a case are copies of the recorded offer with a few fields edited.
As recorded, the offer does not add up (base 30.20 + tax 40.80 is not its total 45.00), and its
segment departs and arrives at the same local time, which the two airports' time zones turn
into a five-hour flight.
"""

from __future__ import annotations

import copy
import gzip
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.airports.in_memory_directory import InMemoryDirectory
from adapters.money.fixed_currencies import FixedCurrencies
from adapters.providers.duffel_source import ASSUMED_SEATS, DuffelSource
from funflights_core.airport import Airport
from funflights_core.errors import ProviderUnavailable
from funflights_core.flight import CabinClass, Flight
from funflights_core.flight_source import FlightSource, SyncWindow

PAYLOADS = Path(__file__).parent / "duffel_payloads"
"""Duffel's recorded API answers (MIT, see LICENSE there), copied from shared/data/duffel."""

TOKEN = "duffel_test_s3cr3t-t0ken"
DAY = date(2020, 6, 13)
LHR_JFK = SyncWindow(DAY, 1, [("LHR", "JFK")])

Json = dict[str, Any]
Handler = Callable[[httpx.Request], httpx.Response]


def recorded(name: str) -> Json:
    assert PAYLOADS is not None
    loaded: Json = json.loads((PAYLOADS / name).read_text())
    return loaded


def recorded_offer(total: str | None = "71.00") -> Json:
    """The recorded offer; by default with the total its base and tax add up to."""
    offer: Json = recorded("create-offer-request.json")["data"]["offers"][0]
    if total is not None:
        offer["total_amount"] = total
    return offer


def answer(*offers: Json) -> Json:
    """The recorded offer request, answering with these offers."""
    body = recorded("create-offer-request.json")
    body["data"]["offers"] = list(offers)
    return body


def place(iata: str, zone: str | None) -> Json:
    airport: Json = copy.deepcopy(recorded_offer()["slices"][0]["segments"][0]["origin"])
    airport.update(iata_code=iata, time_zone=zone, name=iata, city=None, icao_code=None)
    return airport


def segment(
    origin: tuple[str, str | None],
    destination: tuple[str, str | None],
    departs: str,
    arrives: str,
    *,
    flight: tuple[str, str] = ("BA", "1234"),
    operator: str = "BA",
    aircraft: str | None = "380",
) -> Json:
    """The recorded segment, moved: airports (code, zone), local times, flight, operator."""
    seg: Json = copy.deepcopy(recorded_offer()["slices"][0]["segments"][0])
    seg["origin"], seg["destination"] = place(*origin), place(*destination)
    seg["departing_at"], seg["arriving_at"] = departs, arrives
    seg["marketing_carrier"]["iata_code"], seg["marketing_carrier_flight_number"] = flight
    seg["operating_carrier"]["iata_code"] = operator
    seg["aircraft"] = None if aircraft is None else {**seg["aircraft"], "iata_code": aircraft}
    return seg


LHR = ("LHR", "Europe/London")
JFK = ("JFK", "America/New_York")
LAX = ("LAX", "America/Los_Angeles")
AA100 = segment(
    JFK, LAX, "2020-06-13T19:00:00", "2020-06-13T22:00:00", flight=("AA", "100"), operator="AA"
)


def offer_of(*segments: Json, base: str, tax: str, cabin: str = "economy") -> Json:
    """The recorded offer with these segments (one slice), amounts and cabin."""
    offer = recorded_offer()
    segs = copy.deepcopy(list(segments)) or offer["slices"][0]["segments"]
    for seg in segs:
        for passenger in seg["passengers"]:
            passenger["cabin_class"] = cabin
    offer["slices"][0]["segments"] = segs
    total = Decimal(base) + Decimal(tax)
    offer.update(base_amount=base, tax_amount=tax, total_amount=str(total))
    return offer


class Duffel:
    """A fake Duffel: answers each request with the next answer, and keeps the requests."""

    def __init__(self, *answers: Json | Handler) -> None:
        self.requests: list[httpx.Request] = []
        self._answers = list(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self._answers.pop(0) if len(self._answers) > 1 else self._answers[0]
        if callable(reply):
            return reply(request)
        return httpx.Response(201, json=reply)

    def source(self, **options: Any) -> DuffelSource:
        client = httpx.AsyncClient(transport=httpx.MockTransport(self))
        options.setdefault("currencies", FixedCurrencies())
        return DuffelSource(client, access_token=TOKEN, **options)


async def batches(source: FlightSource, window: SyncWindow = LHR_JFK) -> list[list[Flight]]:
    return [list(batch) async for batch in source.flights(window)]


async def only_flights(source: FlightSource, window: SyncWindow = LHR_JFK) -> list[Flight]:
    (batch,) = await batches(source, window)
    return batch


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# The request


async def test_an_offer_request_per_route_and_day_with_the_token_and_version() -> None:
    duffel = Duffel(answer())
    source = duffel.source(cabin=CabinClass.BUSINESS, base_url="https://duffel.example/")

    await batches(source)

    (request,) = duffel.requests
    assert request.method == "POST"
    assert request.url.scheme == "https"
    assert request.url.host == "duffel.example"
    assert request.url.path == "/air/offer_requests"
    assert dict(request.url.params) == {"return_offers": "true"}
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Duffel-Version"] == "v2"
    assert request.headers["Accept-Encoding"] == "gzip"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {
        "data": {
            "slices": [{"origin": "LHR", "destination": "JFK", "departure_date": "2020-06-13"}],
            "passengers": [{"type": "adult"}],
            "cabin_class": "business",
        }
    }


async def test_without_a_cabin_any_cabin_is_asked_for_and_each_passenger_is_an_adult() -> None:
    duffel = Duffel(answer())

    await batches(duffel.source(passengers=3))

    body = json.loads(duffel.requests[0].content)["data"]
    assert "cabin_class" not in body
    assert body["passengers"] == [{"type": "adult"}] * 3
    assert duffel.requests[0].url.host == "api.duffel.com"


async def test_several_routes_and_days_make_a_request_and_a_batch_each() -> None:
    duffel = Duffel(answer())
    window = SyncWindow(DAY, 3, [("LHR", "JFK"), ("lhr", "cdg")])

    found = await batches(duffel.source(), window)

    assert found == [[]] * 6
    asked = [json.loads(r.content)["data"]["slices"][0] for r in duffel.requests]
    assert [(s["origin"], s["destination"], s["departure_date"]) for s in asked] == [
        ("LHR", "JFK", "2020-06-13"),
        ("LHR", "JFK", "2020-06-14"),
        ("LHR", "JFK", "2020-06-15"),
        ("LHR", "CDG", "2020-06-13"),
        ("LHR", "CDG", "2020-06-14"),
        ("LHR", "CDG", "2020-06-15"),
    ]


async def test_a_window_without_routes_is_refused_without_asking() -> None:
    duffel = Duffel(answer())

    with pytest.raises(ProviderUnavailable, match="route"):
        await batches(duffel.source(), SyncWindow(DAY, 1, None))
    assert duffel.requests == []


def test_a_token_is_needed_and_at_most_nine_passengers() -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(Duffel(answer())))
    with pytest.raises(ValueError, match="token"):
        DuffelSource(client, access_token=" ", currencies=FixedCurrencies())
    with pytest.raises(ValueError, match="passengers"):
        DuffelSource(client, access_token=TOKEN, currencies=FixedCurrencies(), passengers=10)


async def test_a_gzipped_answer_is_read() -> None:
    content = gzip.compress(json.dumps(answer(recorded_offer())).encode())
    gzipped = Duffel(
        lambda _: httpx.Response(201, content=content, headers={"Content-Encoding": "gzip"})
    )

    (flight,) = await only_flights(gzipped.source())

    assert flight.id == "BA1234-LHR-20200613"


# The recorded payloads


async def test_the_recorded_offer_as_recorded_is_skipped_for_amounts_that_do_not_add_up() -> None:
    source = Duffel(recorded("create-offer-request.json")).source()

    assert await only_flights(source) == []
    assert source.skipped == {"amounts do not add up": 1}


async def test_the_recorded_list_of_offers_is_skipped_for_its_two_slices() -> None:
    # get-offers.json: one offer of two slices (LHR-JFK twice), for one price.
    source = Duffel(answer(*recorded("get-offers.json")["data"])).source()

    assert await only_flights(source) == []
    assert source.skipped == {"not one slice": 1}


async def test_the_recorded_offer_maps_to_its_flight_in_utc_with_the_fare_per_adult() -> None:
    source = Duffel(answer(recorded_offer())).source()

    (flight,) = await only_flights(source)

    assert flight.id == "BA1234-LHR-20200613"
    assert (flight.marketing_carrier, flight.flight_number) == ("BA", "1234")
    assert flight.operating_carrier == "BA"
    assert flight.aircraft == "380"
    (leg,) = flight.legs
    assert (leg.origin, leg.destination) == ("LHR", "JFK")
    # 16:38:02 at both ends: London is UTC+1 in June (BST), New York UTC-4 (EDT).
    assert leg.departs_at == utc("2020-06-13T15:38:02")
    assert leg.arrives_at == utc("2020-06-13T20:38:02")
    assert flight.cabin(CabinClass.ECONOMY) is not None
    assert flight.seats_left(CabinClass.ECONOMY) == ASSUMED_SEATS == 9
    (fare,) = flight.fares
    assert (fare.provider, fare.cabin_class) == ("duffel", CabinClass.ECONOMY)
    assert fare.base_fare.amount == Decimal("30.20")
    assert fare.taxes.amount == Decimal("40.80")
    assert fare.base_fare.currency.code == fare.taxes.currency.code == "GBP"
    assert source.skipped == {}


async def test_a_provider_name_names_the_fares() -> None:
    (flight,) = await only_flights(Duffel(answer(recorded_offer())).source(name="duffel-eu"))

    assert flight.fares[0].provider == "duffel-eu"


async def test_the_fare_is_per_adult() -> None:
    offer = recorded_offer(total="142.00")
    offer.update(base_amount="60.40", tax_amount="81.60")
    offer["passengers"] = [{"type": "adult", "id": "pas_1"}, {"type": "adult", "id": "pas_2"}]

    (flight,) = await only_flights(Duffel(answer(offer)).source(passengers=2))

    assert flight.fares[0].base_fare.amount == Decimal("30.20")
    assert flight.fares[0].taxes.amount == Decimal("40.80")


async def test_a_missing_tax_is_what_the_total_leaves() -> None:
    offer = recorded_offer()
    offer.update(tax_amount=None, tax_currency=None)

    (flight,) = await only_flights(Duffel(answer(offer)).source())

    assert flight.fares[0].taxes.amount == Decimal("40.80")


async def test_flight_numbers_lose_leading_zeros_and_a_missing_aircraft_is_blank() -> None:
    departs, arrives = "2020-06-13T16:38:02", "2020-06-13T16:38:02"
    odd = segment(LHR, JFK, departs, arrives, flight=("BA", "0117"), aircraft=None)

    (flight,) = await only_flights(Duffel(answer(offer_of(odd, base="1", tax="0"))).source())

    assert flight.id == "BA117-LHR-20200613"
    assert flight.aircraft == ""


# Connections, through flights, stops


async def test_a_connection_is_two_flights_sharing_the_fare_by_time_in_the_air() -> None:
    # BA1234 is in the air 5 h, AA100 6 h (23:00Z to 05:00Z): the fare splits 5:6.
    ba = recorded_offer()["slices"][0]["segments"][0]
    offer = offer_of(ba, AA100, base="100.01", tax="50.00")

    first, second = await only_flights(Duffel(answer(offer)).source())

    assert first.id == "BA1234-LHR-20200613"
    assert second.id == "AA100-JFK-20200613"
    assert (second.operating_carrier, second.aircraft) == ("AA", "380")
    assert second.legs[0].departs_at == utc("2020-06-13T23:00:00")
    assert second.legs[0].arrives_at == utc("2020-06-14T05:00:00")
    assert [f.fares[0].base_fare.amount for f in (first, second)] == [
        Decimal("45.46"),
        Decimal("54.55"),
    ]
    assert [f.fares[0].taxes.amount for f in (first, second)] == [
        Decimal("22.73"),
        Decimal("27.27"),
    ]
    assert sum(f.fares[0].base_fare.amount for f in (first, second)) == Decimal("100.01")
    assert sum(f.fares[0].taxes.amount for f in (first, second)) == Decimal("50.00")


async def test_segments_under_one_flight_number_are_one_flight_with_the_whole_fare() -> None:
    ba = recorded_offer()["slices"][0]["segments"][0]
    onward = segment(JFK, LAX, "2020-06-13T19:00:00", "2020-06-13T22:00:00")

    (flight,) = await only_flights(Duffel(answer(offer_of(ba, onward, base="9", tax="1"))).source())

    assert flight.id == "BA1234-LHR-20200613"
    assert [(leg.origin, leg.destination) for leg in flight.legs] == [
        ("LHR", "JFK"),
        ("JFK", "LAX"),
    ]
    assert flight.fares[0].base_fare.amount == Decimal("9.00")
    assert flight.fares[0].taxes.amount == Decimal("1.00")


async def test_a_technical_stop_is_a_leg_more() -> None:
    stopping = segment(LHR, JFK, "2020-06-13T16:38:02", "2020-06-13T20:00:00")
    shannon = place("SNN", "Europe/Dublin")
    stopping["stops"] = [
        {
            "id": "sto_1",
            "airport": shannon,
            "arriving_at": "2020-06-13T17:40:00",
            "departing_at": "2020-06-13T18:40:00",
            "duration": "PT1H",
        }
    ]

    (flight,) = await only_flights(Duffel(answer(offer_of(stopping, base="9", tax="1"))).source())

    assert [(leg.origin, leg.destination) for leg in flight.legs] == [
        ("LHR", "SNN"),
        ("SNN", "JFK"),
    ]
    assert [(leg.departs_at, leg.arrives_at) for leg in flight.legs] == [
        (utc("2020-06-13T15:38:02"), utc("2020-06-13T16:40:00")),
        (utc("2020-06-13T17:40:00"), utc("2020-06-14T00:00:00")),
    ]


# Several offers for one flight


async def test_the_cheapest_offer_per_flight_and_cabin_is_kept() -> None:
    dear, cheap = recorded_offer(), recorded_offer(total="61.00")
    cheap["base_amount"] = "20.20"
    business = offer_of(base="400", tax="40.80", cabin="business")

    (flight,) = await only_flights(Duffel(answer(dear, cheap, business)).source())

    assert [c.cabin_class for c in flight.cabins] == [CabinClass.ECONOMY, CabinClass.BUSINESS]
    (economy,) = flight.fares_for(CabinClass.ECONOMY)
    assert economy.base_fare.amount == Decimal("20.20")
    (premium,) = flight.fares_for(CabinClass.BUSINESS)
    assert premium.base_fare.amount == Decimal("400.00")


async def test_an_offer_in_another_currency_than_the_first_is_not_compared() -> None:
    euros = recorded_offer(total="1.00")
    euros.update(base_amount="1.00", tax_amount="0.00")
    euros.update(base_currency="EUR", tax_currency="EUR", total_currency="EUR")
    source = Duffel(answer(recorded_offer(), euros)).source()

    (flight,) = await only_flights(source)

    assert flight.fares[0].base_fare.currency.code == "GBP"
    assert source.skipped == {"currency differs from an earlier offer": 1}


async def test_a_fare_for_the_flight_alone_beats_a_share_of_a_connection() -> None:
    ba = recorded_offer()["slices"][0]["segments"][0]
    connection = offer_of(ba, AA100, base="10.00", tax="1.00")

    first, second = await only_flights(Duffel(answer(connection, recorded_offer())).source())

    assert first.id == "BA1234-LHR-20200613"
    assert first.fares[0].base_fare.amount == Decimal("30.20")
    assert second.fares[0].base_fare.amount == Decimal("5.45")


async def test_a_flight_met_again_in_a_later_batch_keeps_its_best_fare() -> None:
    ba = recorded_offer()["slices"][0]["segments"][0]
    duffel = Duffel(answer(recorded_offer()), answer(offer_of(ba, AA100, base="10", tax="1")))
    window = SyncWindow(DAY, 1, [("LHR", "JFK"), ("LHR", "LAX")])

    direct, connecting = await batches(duffel.source(), window)

    assert [f.id for f in direct] == ["BA1234-LHR-20200613"]
    assert [f.id for f in connecting] == ["BA1234-LHR-20200613", "AA100-JFK-20200613"]
    assert connecting[0].fares == direct[0].fares


# Time zones


def airport(iata: str, zone: str) -> Airport:
    return Airport(iata, iata, iata, "GB", 0.0, 0.0, zone)


async def test_the_payloads_time_zone_wins_over_the_directorys() -> None:
    tokyo = InMemoryDirectory([airport("LHR", "Asia/Tokyo"), airport("JFK", "Asia/Tokyo")])

    (flight,) = await only_flights(Duffel(answer(recorded_offer())).source(airports=tokyo))

    assert flight.departs_at == utc("2020-06-13T15:38:02")


async def test_without_a_zone_in_the_payload_the_directory_gives_it() -> None:
    offer = recorded_offer()
    for end in ("origin", "destination"):
        offer["slices"][0]["segments"][0][end]["time_zone"] = None
    directory = InMemoryDirectory(
        [airport("LHR", "Europe/London"), airport("JFK", "America/New_York")]
    )

    (flight,) = await only_flights(Duffel(answer(offer)).source(airports=directory))

    assert (flight.departs_at, flight.arrives_at) == (
        utc("2020-06-13T15:38:02"),
        utc("2020-06-13T20:38:02"),
    )


# Offers that cannot be mapped whole are skipped and counted


def _edit(path: str, value: Any) -> Callable[[Json], None]:
    def edit(offer: Json) -> None:
        *keys, last = path.split(".")
        target: Any = offer
        for key in keys:
            target = target[int(key)] if key.isdigit() else target[key]
        target[last] = value

    return edit


SEGMENT = "slices.0.segments.0"


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        # The recorded local times, in one time zone: it lands as it takes off.
        (_edit(f"{SEGMENT}.destination.time_zone", "Europe/London"), "invalid schedule"),
        (_edit(f"{SEGMENT}.destination.iata_code", "LHR"), "invalid schedule"),
        (_edit(f"{SEGMENT}.origin.time_zone", None), "no time zone"),
        (_edit(f"{SEGMENT}.origin.time_zone", "Mars/Olympus"), "no time zone"),
        (_edit(f"{SEGMENT}.departing_at", "13/06/2020 16:38"), "unreadable time"),
        (_edit(f"{SEGMENT}.passengers.0.cabin_class", "premium"), "unknown cabin class"),
        (_edit(f"{SEGMENT}.passengers", []), "cabin class unclear"),
        (_edit(f"{SEGMENT}.marketing_carrier.iata_code", None), "no carrier or flight number"),
        (_edit(f"{SEGMENT}.departing_at", 1592062682), "unreadable offer"),
        (_edit("total_amount", None), "unreadable offer"),
        (_edit("total_amount", "NaN"), "amounts do not add up"),
        (_edit("tax_amount", "-40.80"), "amounts do not add up"),
        (_edit("base_currency", "USD"), "mixed currencies"),
        (
            lambda offer: offer.update(
                total_currency="AUD", base_currency="AUD", tax_currency="AUD"
            ),
            "unknown currency",
        ),
        (_edit("partial", True), "partial offer"),
        (_edit("passengers.0.type", "child"), "not only adults"),
        (_edit("slices", []), "not one slice"),
        (_edit("slices.0.segments", []), "no segments"),
    ],
)
async def test_an_offer_that_cannot_be_mapped_is_skipped_and_counted(
    edit: Callable[[Json], None], reason: str
) -> None:
    odd = recorded_offer()
    edit(odd)
    source = Duffel(answer(odd, offer_of(AA100, base="1", tax="0"))).source()

    (flight,) = await only_flights(source)

    assert flight.id == "AA100-JFK-20200613"
    assert source.skipped == {reason: 1}


async def test_a_missing_cabin_class_is_the_one_asked_for() -> None:
    offer = recorded_offer()
    offer["slices"][0]["segments"][0]["passengers"] = []

    (flight,) = await only_flights(Duffel(answer(offer)).source(cabin=CabinClass.FIRST))

    assert flight.fares[0].cabin_class is CabinClass.FIRST


async def test_a_flight_twice_in_one_offer_is_skipped() -> None:
    ba = recorded_offer()["slices"][0]["segments"][0]
    back = segment(JFK, LHR, "2020-06-13T17:00:00", "2020-06-13T23:00:00", flight=("AA", "1"))
    again = segment(LHR, JFK, "2020-06-13T23:30:00", "2020-06-14T01:00:00")
    source = Duffel(answer(offer_of(ba, back, again, base="1", tax="0"))).source()

    assert await only_flights(source) == []
    assert source.skipped == {"a flight twice in one offer": 1}


async def test_skips_are_counted_per_window() -> None:
    source = Duffel(recorded("create-offer-request.json")).source()

    await batches(source, SyncWindow(DAY, 2, [("LHR", "JFK")]))
    assert source.skipped == {"amounts do not add up": 2}
    await batches(source)
    assert source.skipped == {"amounts do not add up": 1}


# Errors


def status(code: int, body: Json | None = None, headers: dict[str, str] | None = None) -> Handler:
    return lambda _: httpx.Response(code, json=body or {}, headers=headers)


def raising(error: type[httpx.RequestError]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("boom", request=request)

    return handler


DUFFEL_401 = {
    "errors": [
        {
            "type": "authentication_error",
            "code": "invalid_authentication",
            "title": "Invalid authentication",
            "message": f"The access token {TOKEN} is not valid",
        }
    ],
    "meta": {"status": 401, "request_id": "FZW0H3HdJwKk5HMAAKxB"},
}


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (status(500, {"errors": [{"code": "internal_server_error"}]}), "HTTP 500, internal_ser"),
        (status(502), "HTTP 502"),
        (status(401, DUFFEL_401), "refused the access token \\(HTTP 401, invalid_authentication"),
        (status(422, {"errors": [{"code": f"bad {TOKEN}"}]}), "answered HTTP 422$"),
        (
            status(429, headers={"Retry-After": "30"}),
            "rate limited by Duffel \\(HTTP 429, retry after 30s",
        ),
        (status(429), "rate limited"),
        (lambda _: httpx.Response(201, content=b"<html>"), "unreadable answer"),
        (lambda _: httpx.Response(201, json={"data": []}), "unreadable answer"),
        (
            lambda _: httpx.Response(201, content=b"x", headers={"Content-Encoding": "gzip"}),
            "unreadable answer",
        ),
        (raising(httpx.DecodingError), "unreadable answer \\(DecodingError"),
        (raising(httpx.ReadTimeout), "timed out after 30s"),
        (raising(httpx.ConnectError), "unreachable \\(ConnectError"),
    ],
)
async def test_a_failed_request_is_unavailable_saying_why_never_with_the_token(
    reply: Handler, reason: str
) -> None:
    source = Duffel(reply).source()

    with pytest.raises(ProviderUnavailable, match=reason) as caught:
        await batches(source)

    assert caught.value.reason.startswith("duffel offer request LHR-JFK on 2020-06-13: ")
    assert TOKEN not in str(caught.value)
    # Nothing chained: the request, with its Authorization header, stays out of tracebacks.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__


async def test_batches_before_a_failure_stand() -> None:
    duffel = Duffel(answer(recorded_offer()), status(503))
    flights = duffel.source().flights(SyncWindow(DAY, 2, [("LHR", "JFK")]))

    first = await anext(flights)
    with pytest.raises(ProviderUnavailable, match="HTTP 503"):
        await anext(flights)

    assert [f.id for f in first] == ["BA1234-LHR-20200613"]
