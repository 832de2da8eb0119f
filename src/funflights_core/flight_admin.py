"""Use cases of staff on the inventory: add, change and delete flights; all audited."""

from __future__ import annotations

from typing import Any

import attrs

from funflights_core.audit import change_entry
from funflights_core.clock import Clock
from funflights_core.errors import Conflict, NotFound, PermissionDenied
from funflights_core.flight import Flight
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


class FlightAdmin:
    """The platform's staff manage the shared inventory (staff of the default tenant)."""

    def __init__(
        self, *, database: UnitOfWorkFactory, flights: Inventory, clock: Clock, ids: IdGenerator
    ) -> None:
        self._database = database
        self._flights = flights
        self._clock = clock
        self._ids = ids

    async def create(self, staff: Staff, flight: Flight) -> Flight:
        """A new flight; ``Conflict`` if one with its id exists."""
        _platform(staff)
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
