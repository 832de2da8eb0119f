"""Use cases of staff on the inventory: add, change and delete flights; all audited."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import attrs

from funflights_core.airport import AirportDirectory
from funflights_core.audit import change_entry
from funflights_core.clock import Clock
from funflights_core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from funflights_core.flight import Cabin, Fare, Flight, FlightStatus, Leg, flight_id
from funflights_core.flight_store import Inventory
from funflights_core.ids import IdGenerator
from funflights_core.staff import Staff
from funflights_core.tenant import DEFAULT_TENANT_ID
from funflights_core.unit_of_work import UnitOfWorkFactory

SUBJECT = "flight"


def flight_fields(flight: Flight) -> dict[str, Any]:
    """A flight as flat JSON-ready fields (the audit log keeps these)."""
    return {
        "id": flight.id,
        "marketing_carrier": flight.marketing_carrier,
        "flight_number": flight.flight_number,
        "operating_carrier": flight.operating_carrier,
        "aircraft": flight.aircraft,
        "status": flight.status.value,
        "legs": [
            [leg.origin, leg.destination, leg.departs_at.isoformat(), leg.arrives_at.isoformat()]
            for leg in flight.legs
        ],
        "cabins": [[c.cabin_class.value, c.capacity, c.seats_available] for c in flight.cabins],
        "fares": [
            [f.provider, f.cabin_class.value, str(f.base_fare), str(f.taxes)] for f in flight.fares
        ],
    }


_CARRIER = re.compile(r"^[A-Z0-9]{2,3}$")
_NUMBER = re.compile(r"^[0-9]{1,4}[A-Z]?$")
_AIRCRAFT = re.compile(r"^[A-Z0-9]{0,4}$")
_CHANGED_CODES = {"operating_carrier": (_CARRIER, "BA"), "aircraft": (_AIRCRAFT, "388")}
LONGEST_LEG = timedelta(hours=20)
SCHEDULE_AHEAD = timedelta(days=731)
"""Staff schedule flights from yesterday to two years ahead."""


@attrs.frozen
class FlightDraft:
    """A flight as staff describe it; ``FlightAdmin.create`` checks it and gives it its id."""

    marketing_carrier: str
    flight_number: str
    legs: tuple[Leg, ...]
    cabins: tuple[Cabin, ...]
    fares: tuple[Fare, ...] = ()
    operating_carrier: str | None = None
    aircraft: str = ""
    status: FlightStatus = FlightStatus.SCHEDULED


def _code(value: str, field: str, pattern: re.Pattern[str], example: str) -> str:
    code = value.strip().upper()
    if not pattern.match(code):
        raise InvalidInput(field, f"use a code such as {example}")
    return code


class FlightAdmin:
    """The platform's staff manage the shared inventory (staff of the default tenant)."""

    def __init__(
        self,
        *,
        database: UnitOfWorkFactory,
        flights: Inventory,
        airports: AirportDirectory,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._database = database
        self._flights = flights
        self._airports = airports
        self._clock = clock
        self._ids = ids

    def checked_legs(self, legs: tuple[Leg, ...]) -> tuple[Leg, ...]:
        """Legs between known airports, with offsets, under 20 hours, in the schedule window."""
        now = self._clock.now()
        for index, leg in enumerate(legs):
            field = f"legs[{index}]"
            if leg.departs_at.tzinfo is None or leg.arrives_at.tzinfo is None:
                raise InvalidInput(field, "give times with an offset, e.g. 2026-07-01T06:30Z")
            for code in (leg.origin, leg.destination):
                if self._airports.airport(code) is None:
                    raise InvalidInput(field, f"{code!r} is not a known airport")
            if not timedelta(0) < leg.arrives_at - leg.departs_at <= LONGEST_LEG:
                raise InvalidInput(field, "a leg lands after take-off, within 20 hours")
            if not now - timedelta(days=1) <= leg.departs_at <= now + SCHEDULE_AHEAD:
                raise InvalidInput(field, "schedule flights from yesterday to two years")
        return legs

    def _id_of(self, carrier: str, number: str, legs: tuple[Leg, ...]) -> str:
        origin = self._airports.airport(legs[0].origin)
        if origin is None:  # checked_legs refuses it first
            raise InvalidInput("legs[0]", f"{legs[0].origin!r} is not a known airport")
        return flight_id(carrier, number, origin.iata, origin.local(legs[0].departs_at).date())

    async def create(self, staff: Staff, draft: FlightDraft) -> Flight:
        """A new flight from a draft; ``Conflict`` if one with its id exists."""
        _platform(staff)
        legs = self.checked_legs(draft.legs)
        carrier = _code(draft.marketing_carrier, "marketing_carrier", _CARRIER, "BA")
        number = _code(draft.flight_number, "flight_number", _NUMBER, "117")
        flight = Flight(
            id=self._id_of(carrier, number, legs),
            marketing_carrier=carrier,
            flight_number=number,
            operating_carrier=_code(
                draft.operating_carrier or carrier, "operating_carrier", _CARRIER, "BA"
            ),
            aircraft=_code(draft.aircraft, "aircraft", _AIRCRAFT, "388"),
            legs=legs,
            cabins=draft.cabins,
            fares=draft.fares,
            status=draft.status,
        )
        if await self._flights.flight(flight.id) is not None:
            raise Conflict(f"flight {flight.id} exists; change it instead")
        await self._flights.upsert([flight])
        await self._audit(staff, flight.id, None, flight)
        return flight

    async def update(self, staff: Staff, flight_id: str, **changes: Any) -> Flight:
        """The flight with schedule, carriers, status, cabins or fares changed.

        Cabins keep the seats already sold; fares replace those of the providers they name.
        """
        _platform(staff)
        before = await self._stored(flight_id)
        if "legs" in changes:
            legs = self.checked_legs(changes["legs"])
            if self._id_of(before.marketing_carrier, before.flight_number, legs) != flight_id:
                raise InvalidInput("legs", "another origin or local date is another flight")
        for name, (pattern, example) in _CHANGED_CODES.items():
            if name in changes:
                changes = {**changes, name: _code(str(changes[name]), name, pattern, example)}
        if "cabins" in changes:
            # Cabins not sent stay as they are (their fares still need them).
            sent = {cabin.cabin_class for cabin in changes["cabins"]}
            kept = tuple(c for c in before.cabins if c.cabin_class not in sent)
            changes = {**changes, "cabins": (*changes["cabins"], *kept)}
        incoming = attrs.evolve(before, **changes)  # the Flight validates itself
        after = before.merged_with(incoming, staff=True)
        if after == before:
            return before
        await self._flights.upsert([after], staff=True)
        stored = await self._stored(flight_id)
        await self._audit(staff, flight_id, before, stored)
        return stored

    async def delete(self, staff: Staff, flight_id: str) -> Flight:
        """Remove a flight that has sold no seat (one with bookings must be cancelled)."""
        _platform(staff)
        before = await self._stored(flight_id)
        if any(cabin.seats_available < cabin.capacity for cabin in before.cabins):
            raise Conflict(f"flight {flight_id} has sold seats: cancel it instead")
        await self._flights.remove(flight_id)
        await self._audit(staff, flight_id, before, None)
        return before

    async def _stored(self, flight_id: str) -> Flight:
        flight = await self._flights.flight(flight_id)
        if flight is None:
            raise NotFound(f"no flight {flight_id}")
        return flight

    async def _audit(
        self, staff: Staff, flight_id: str, before: Flight | None, after: Flight | None
    ) -> None:
        async with self._database.for_tenant(staff.tenant_id) as uow:
            await uow.audit.add(
                change_entry(
                    self._ids.new_id(),
                    staff,
                    SUBJECT,
                    flight_id,
                    self._clock.now(),
                    None if before is None else flight_fields(before),
                    None if after is None else flight_fields(after),
                )
            )
            await uow.commit()


def _platform(staff: Staff) -> None:
    if staff.tenant_id != DEFAULT_TENANT_ID:
        raise PermissionDenied("flights are managed by the platform's staff")
