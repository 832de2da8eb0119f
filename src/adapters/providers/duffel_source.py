"""FlightSource over Duffel's flights API: one offer request per route and departure day.

Duffel sells *offers*: an itinerary (slices of segments) at one price for all its passengers.
The core wants *flights* (one flight number on one date), each with this provider's fare per
adult, and builds connections itself; so each offer is cut into its flights:

- a slice's segments are grouped into runs sharing the marketing carrier and flight number;
  each run is one Flight (a through flight is one run of two segments, a connection two runs
  of one), and a segment's technical ``stops`` become extra legs;
- the offer's ``base_amount`` and ``tax_amount`` (for all passengers) are divided by the
  number of adults, then split across the offer's flights in proportion to their time in the
  air (the sum of their legs; waits between flights do not count) with ``Money.allocate``:
  each amount's parts add up to the per-adult amount to the minor unit. Airlines prorate by
  distance and fare rules, which offers do not disclose; duration is in every offer and
  tracks distance closely enough for a price to compare;
- a fare taken whole from an offer for that flight alone beats a prorated share of a
  connecting offer, whatever the amounts (nobody can book the flight alone at a share);
  among fares of one kind, the cheapest wins. A flight met again in a later batch of the
  window comes out again with the best fares of both;
- offers carry no seat counts (only seat maps do, one more request per offer, which a sync
  cannot afford; ``available_services`` lists baggage, not seats), so each cabin is given
  ``ASSUMED_SEATS`` seats, all available: an offer request asks for at most nine passengers,
  and an offer means at least the requested seats are there;
- times are local to each airport, without an offset: the ``time_zone`` the payload gives the
  airport wins, else the AirportDirectory's; a local time the clocks skip or repeat resolves as
  ``zoneinfo`` does with ``fold=0``. A time that does carry an offset is taken as written.

An offer that cannot be mapped whole (amounts that do not add up, no time zone to be found, a
segment landing before it takes off, ...) is skipped, never mapped in part (its price covers
all of it); ``skipped`` counts the reasons over the last window, and each batch logs them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
import httpx
import msgspec

from funflights_core.airport import AirportDirectory
from funflights_core.errors import InvalidInput, ProviderUnavailable
from funflights_core.flight import Cabin, CabinClass, Fare, Flight, Leg, flight_id
from funflights_core.flight_source import SyncWindow
from funflights_core.money import CurrencyCatalogue, Money

ASSUMED_SEATS = 9
"""Seats given to each cabin of a flight Duffel offers: it reports none (see the module)."""

MAX_PASSENGERS = 9
"""The most passengers one Duffel offer request may ask for."""

DUFFEL_VERSION = "v2"

_log = logging.getLogger(__name__)


# The payload, as far as it is used. Amounts are decimal strings; times are text, read per
# segment, so that one odd offer is skipped rather than the whole answer refused.


class _Place(msgspec.Struct):
    iata_code: str
    time_zone: str | None = None


class _Carrier(msgspec.Struct):
    iata_code: str | None = None


class _Aircraft(msgspec.Struct):
    iata_code: str | None = None


class _SegmentPassenger(msgspec.Struct):
    cabin_class: str | None = None


class _Stop(msgspec.Struct):
    airport: _Place
    arriving_at: str
    departing_at: str


class _Segment(msgspec.Struct):
    origin: _Place
    destination: _Place
    departing_at: str
    arriving_at: str
    marketing_carrier: _Carrier
    marketing_carrier_flight_number: str | None = None
    operating_carrier: _Carrier | None = None
    aircraft: _Aircraft | None = None
    passengers: list[_SegmentPassenger] = []
    stops: list[_Stop] = []


class _Slice(msgspec.Struct):
    segments: list[_Segment]


class _OfferPassenger(msgspec.Struct):
    type: str | None = None


class _Offer(msgspec.Struct):
    total_amount: Decimal
    total_currency: str
    id: str = "?"
    base_amount: Decimal | None = None
    base_currency: str | None = None
    tax_amount: Decimal | None = None
    tax_currency: str | None = None
    passengers: list[_OfferPassenger] = []
    slices: list[_Slice] = []
    partial: bool = False


class _OfferRequest(msgspec.Struct):
    offers: list[msgspec.Raw] | None = None


class _Envelope(msgspec.Struct):
    data: _OfferRequest


class _Error(msgspec.Struct):
    code: str | None = None


class _Errors(msgspec.Struct):
    errors: list[_Error] = []


_envelope_decoder = msgspec.json.Decoder(_Envelope)
_offer_decoder = msgspec.json.Decoder(_Offer)
_errors_decoder = msgspec.json.Decoder(_Errors)
_ERROR_CODE = re.compile(r"[a-z0-9_]{1,64}")
_FLIGHT_NUMBER = re.compile(r"0*(\d{1,4})([A-Z]?)")


class _Skip(Exception):
    """An offer that cannot be mapped whole: ``reason`` counts it, ``detail`` is logged."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@attrs.frozen
class _Piece:
    """One flight of an offer with its share of the offer's fare."""

    flight: Flight
    fare: Fare
    prorated: bool


@attrs.define
class _Best:
    """A flight's schedule (first seen) and its best fare per cabin so far in the window."""

    schedule: Flight
    fares: dict[CabinClass, tuple[Fare, bool]] = attrs.field(factory=dict)

    def offer(self, fare: Fare, prorated: bool) -> bool:
        """Keep the fare if it beats the cabin's; False if it was in another currency."""
        held = self.fares.get(fare.cabin_class)
        if held is None:
            self.fares[fare.cabin_class] = (fare, prorated)
            return True
        kept, kept_prorated = held
        if kept.base_fare.currency.code != fare.base_fare.currency.code:
            return False
        if (prorated, _total(fare)) < (kept_prorated, _total(kept)):
            self.fares[fare.cabin_class] = (fare, prorated)
        return True

    def flight(self) -> Flight:
        order = list(CabinClass)
        classes = sorted(self.fares, key=order.index)
        return attrs.evolve(
            self.schedule,
            cabins=tuple(Cabin(c, ASSUMED_SEATS, ASSUMED_SEATS) for c in classes),
            fares=tuple(self.fares[c][0] for c in classes),
        )


def _total(fare: Fare) -> Decimal:
    return fare.base_fare.amount + fare.taxes.amount


class DuffelSource:
    """Asks Duffel for offers route by route and day by day; one batch per route-day.

    The HTTP client is injected (shared, with its own limits); the access token only ever
    goes into the Authorization header, never into a message.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        access_token: str,
        currencies: CurrencyCatalogue,
        base_url: str = "https://api.duffel.com",
        cabin: CabinClass | None = None,
        passengers: int = 1,
        name: str = "duffel",
        airports: AirportDirectory | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        if not access_token.strip():
            raise ValueError("a Duffel access token is needed")
        if not 1 <= passengers <= MAX_PASSENGERS:
            raise ValueError(f"a Duffel offer request takes 1 to {MAX_PASSENGERS} passengers")
        self._client = client
        self._currencies = currencies
        self._url = f"{base_url.rstrip('/')}/air/offer_requests"
        self._headers = {
            "Authorization": f"Bearer {access_token.strip()}",
            "Duffel-Version": DUFFEL_VERSION,
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            "Content-Type": "application/json",
        }
        self._cabin = cabin
        self._passengers = passengers
        self._name = name
        self._airports = airports
        self._timeout_s = timeout_s
        self._skipped: Counter[str] = Counter()

    @property
    def name(self) -> str:
        """The provider's name, as fares name it."""
        return self._name

    @property
    def skipped(self) -> Mapping[str, int]:
        """Offers the last window skipped, by reason."""
        return dict(self._skipped)

    async def flights(self, window: SyncWindow) -> AsyncIterator[Sequence[Flight]]:
        """For each route, for each day: the flights Duffel offers, as one batch.

        Duffel is a search API: a window without routes is refused. Any failure of a request
        raises ``ProviderUnavailable`` (batches already yielded stand).
        """
        if window.routes is None:
            raise ProviderUnavailable(f"{self._name}: Duffel is searched by route; name the routes")
        self._skipped = Counter()
        seen: dict[str, _Best] = {}
        for origin, destination in window.routes:
            for offset in range(window.days):
                day = window.start + timedelta(days=offset)
                what = f"{self._name} offer request {origin}-{destination} on {day}"
                offers = await self._offer_request(origin, destination, day, what)
                yield self._batch(offers, seen, what)

    async def _offer_request(
        self, origin: str, destination: str, day: date, what: str
    ) -> list[msgspec.Raw]:
        search: dict[str, object] = {
            "slices": [
                {
                    "origin": origin.strip().upper(),
                    "destination": destination.strip().upper(),
                    "departure_date": day.isoformat(),
                }
            ],
            "passengers": [{"type": "adult"} for _ in range(self._passengers)],
        }
        if self._cabin is not None:
            search["cabin_class"] = self._cabin.value
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await self._client.post(
                    self._url,
                    params={"return_offers": "true"},
                    content=msgspec.json.encode({"data": search}),
                    headers=self._headers,
                    timeout=self._timeout_s,
                )
        except (TimeoutError, httpx.TimeoutException):
            raise ProviderUnavailable(f"{what}: timed out after {self._timeout_s:g}s") from None
        except httpx.TransportError as exc:
            raise ProviderUnavailable(
                f"{what}: Duffel unreachable ({type(exc).__name__})"
            ) from None
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"{what}: unreadable answer ({type(exc).__name__})") from None
        if response.status_code not in (200, 201):
            raise ProviderUnavailable(f"{what}: {_refusal(response)}")
        try:
            envelope = _envelope_decoder.decode(response.content)
        except msgspec.DecodeError:
            raise ProviderUnavailable(f"{what}: Duffel sent an unreadable answer") from None
        return envelope.data.offers or []

    def _batch(self, offers: list[msgspec.Raw], seen: dict[str, _Best], what: str) -> list[Flight]:
        touched: dict[str, _Best] = {}
        skipped: Counter[str] = Counter()
        for raw in offers:
            try:
                pieces = self._pieces(raw)
            except _Skip as skip:
                skipped[skip.reason] += 1
                _log.debug("%s: offer skipped, %s %s", what, skip.reason, skip.detail)
                continue
            for piece in pieces:
                best = seen.setdefault(piece.flight.id, _Best(piece.flight))
                if not best.offer(piece.fare, piece.prorated):
                    skipped["currency differs from an earlier offer"] += 1
                touched[piece.flight.id] = best
        if skipped:
            self._skipped.update(skipped)
            _log.warning(
                "%s: skipped %d of %d offers (%s)",
                what,
                skipped.total(),
                len(offers),
                ", ".join(f"{reason}: {n}" for reason, n in sorted(skipped.items())),
            )
        flights = [best.flight() for best in touched.values() if best.fares]
        return sorted(flights, key=lambda flight: (flight.departs_at, flight.id))

    def _pieces(self, raw: msgspec.Raw) -> list[_Piece]:
        try:
            offer = _offer_decoder.decode(raw)
        except msgspec.DecodeError as exc:
            raise _Skip("unreadable offer", str(exc)) from None
        if offer.partial:
            raise _Skip("partial offer", offer.id)
        if len(offer.slices) != 1:
            raise _Skip("not one slice", f"{offer.id} has {len(offer.slices)}")
        adults = self._adults(offer)
        base, taxes = self._amounts(offer)
        flights = [self._flight(run) for run in _runs(offer.slices[0].segments)]
        if not flights:
            raise _Skip("no segments", offer.id)
        if len({flight.id for flight in flights}) != len(flights):
            raise _Skip("a flight twice in one offer", offer.id)
        weights = [_air_seconds(flight) for flight in flights]
        bases = Money(base.amount / adults, base.currency).allocate(weights)
        taxes_each = Money(taxes.amount / adults, taxes.currency).allocate(weights)
        prorated = len(flights) > 1
        return [
            _Piece(
                flight,
                Fare(self._name, flight.cabins[0].cabin_class, flight_base, flight_taxes),
                prorated,
            )
            for flight, flight_base, flight_taxes in zip(flights, bases, taxes_each, strict=True)
        ]

    def _adults(self, offer: _Offer) -> int:
        kinds = [passenger.type for passenger in offer.passengers]
        if any(kind not in (None, "adult") for kind in kinds):
            raise _Skip("not only adults", offer.id)
        return len(kinds) or self._passengers

    def _amounts(self, offer: _Offer) -> tuple[Money, Money]:
        """The offer's base and taxes for all passengers; they must add up to its total."""
        code = offer.total_currency.strip().upper()
        codes = {code, *(c.strip().upper() for c in (offer.base_currency, offer.tax_currency) if c)}
        if len(codes) > 1:
            raise _Skip("mixed currencies", f"{offer.id}: {sorted(codes)}")
        try:
            currency = self._currencies.currency(code)
        except InvalidInput:
            raise _Skip("unknown currency", f"{offer.id}: {code!r}") from None
        total, base, taxes = offer.total_amount, offer.base_amount, offer.tax_amount
        if not all(a.is_finite() for a in (total, base, taxes) if a is not None):
            raise _Skip("amounts do not add up", f"{offer.id}: not a number")
        # Duffel may leave the tax out (the airline gave no breakdown): the rest is tax; with
        # neither part given, the whole price counts as the base fare.
        if base is None:
            base = total if taxes is None else total - taxes
        if taxes is None:
            taxes = total - base
        if base < 0 or taxes < 0 or base + taxes != total:
            raise _Skip("amounts do not add up", f"{offer.id}: {base} + {taxes} != {total}")
        return Money(base, currency), Money(taxes, currency)

    def _flight(self, run: list[_Segment]) -> Flight:
        first = run[0]
        carrier = (first.marketing_carrier.iata_code or "").strip().upper()
        number = _flight_number(first.marketing_carrier_flight_number or "")
        if not carrier or not number:
            raise _Skip("no carrier or flight number")
        legs: list[Leg] = []
        for segment in run:
            legs.extend(self._legs(segment))
        departs_on = _parse(first.departing_at).date()
        operating = first.operating_carrier.iata_code if first.operating_carrier else None
        aircraft = first.aircraft.iata_code if first.aircraft else None
        try:
            return Flight(
                id=flight_id(carrier, number, legs[0].origin, departs_on),
                marketing_carrier=carrier,
                flight_number=number,
                operating_carrier=(operating or carrier).strip().upper(),
                aircraft=(aircraft or "").strip(),
                legs=tuple(legs),
                cabins=(Cabin(self._cabin_class(run), ASSUMED_SEATS, ASSUMED_SEATS),),
            )
        except InvalidInput as exc:
            raise _Skip("invalid schedule", f"{carrier}{number}: {exc}") from None

    def _legs(self, segment: _Segment) -> list[Leg]:
        """The segment's legs in UTC: one, or one more per technical stop."""
        places = [segment.origin, *(stop.airport for stop in segment.stops), segment.destination]
        leaves = [segment.departing_at, *(stop.departing_at for stop in segment.stops)]
        lands = [*(stop.arriving_at for stop in segment.stops), segment.arriving_at]
        return [
            Leg(
                origin=places[n].iata_code.strip().upper(),
                destination=places[n + 1].iata_code.strip().upper(),
                departs_at=self._utc(leaves[n], places[n]),
                arrives_at=self._utc(lands[n], places[n + 1]),
            )
            for n in range(len(places) - 1)
        ]

    def _utc(self, text: str, place: _Place) -> datetime:
        moment = _parse(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self._zone(place))
        return moment.astimezone(UTC)

    def _zone(self, place: _Place) -> ZoneInfo:
        names = [place.time_zone]
        if self._airports is not None:
            airport = self._airports.airport(place.iata_code)
            names.append(airport.time_zone if airport else None)
        for name in names:
            if name:
                try:
                    return ZoneInfo(name)
                except (ZoneInfoNotFoundError, ValueError):
                    continue
        raise _Skip("no time zone", place.iata_code)

    def _cabin_class(self, run: list[_Segment]) -> CabinClass:
        named = {p.cabin_class for segment in run for p in segment.passengers if p.cabin_class}
        if not named and self._cabin is not None:
            return self._cabin
        if len(named) != 1:
            raise _Skip("cabin class unclear", ", ".join(sorted(named)))
        try:
            return CabinClass(named.pop())
        except ValueError:
            raise _Skip("unknown cabin class") from None


def _runs(segments: list[_Segment]) -> list[list[_Segment]]:
    """Consecutive segments under one marketing carrier and flight number, together."""
    runs: list[list[_Segment]] = []
    for segment in segments:
        if runs and _designator(runs[-1][-1]) == _designator(segment):
            runs[-1].append(segment)
        else:
            runs.append([segment])
    return runs


def _designator(segment: _Segment) -> tuple[str, str]:
    return (
        (segment.marketing_carrier.iata_code or "").strip().upper(),
        _flight_number(segment.marketing_carrier_flight_number or ""),
    )


def _flight_number(text: str) -> str:
    """Without leading zeros (``0117`` is ``117``, as timetables print it and ids need)."""
    normal = text.strip().upper()
    match = _FLIGHT_NUMBER.fullmatch(normal)
    return f"{int(match[1])}{match[2]}" if match else normal


def _parse(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise _Skip("unreadable time", repr(text)) from None


def _air_seconds(flight: Flight) -> int:
    """Time in the air (its legs; ground time at stops not counted), the proration weight."""
    return sum(int(leg.duration.total_seconds()) for leg in flight.legs)


def _refusal(response: httpx.Response) -> str:
    """Why Duffel said no, from the status and its error code (never the request's headers)."""
    status = response.status_code
    code = ""
    try:
        errors = _errors_decoder.decode(response.content).errors
    except msgspec.DecodeError:
        errors = []
    if errors and errors[0].code and _ERROR_CODE.fullmatch(errors[0].code):
        code = f", {errors[0].code}"
    if status == 429:
        wait = response.headers.get("retry-after", "").strip()
        after = f", retry after {wait}s" if wait.isdigit() else ""
        return f"rate limited by Duffel (HTTP 429{code}{after})"
    if status in (401, 403):
        return f"Duffel refused the access token (HTTP {status}{code})"
    return f"Duffel answered HTTP {status}{code}"
