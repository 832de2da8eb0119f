"""``/api/v1/admin/flights``: the platform's staff add, change and delete flights (audited)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, delete, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from entrypoints.http.api_context import ApiContext
from entrypoints.http.flights_wire import FlightOut, Places
from entrypoints.http.pricing_wire import UNSET, Unset, sent_fields
from entrypoints.http.problems import api_problem_responses
from funflights_core.errors import InvalidInput
from funflights_core.flight import Cabin, CabinClass, Fare, FlightStatus, Leg
from funflights_core.flight_admin import FlightDraft
from funflights_core.money import CurrencyCatalogue, Money
from funflights_core.staff import staff_member

CabinName = Literal["economy", "premium_economy", "business", "first"]
Code2 = Annotated[str, msgspec.Meta(min_length=2, max_length=3)]
Code3 = Annotated[str, msgspec.Meta(min_length=3, max_length=3)]


class LegIn(msgspec.Struct, forbid_unknown_fields=True):
    """A take-off and landing, times with their offsets (UTC recommended)."""

    origin: Code3
    destination: Code3
    departs_at: datetime
    arrives_at: datetime


class CabinIn(msgspec.Struct, forbid_unknown_fields=True):
    """A cabin's capacity (and, for a new flight, seats still for sale)."""

    cabin: CabinName
    capacity: Annotated[int, msgspec.Meta(ge=1, le=1000)]
    seats_available: int | None = None


class FareIn(msgspec.Struct, forbid_unknown_fields=True):
    """A provider's fare for one adult in a cabin, amounts as decimal strings."""

    provider: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    cabin: CabinName
    base_fare: Annotated[str, msgspec.Meta(max_length=25)]
    taxes: Annotated[str, msgspec.Meta(max_length=25)]
    currency: Code3


class FlightIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new flight; its id follows from carrier, number, origin and local departure date."""

    marketing_carrier: Code2
    flight_number: Annotated[str, msgspec.Meta(min_length=1, max_length=5)]
    legs: Annotated[list[LegIn], msgspec.Meta(min_length=1, max_length=4)]
    cabins: Annotated[list[CabinIn], msgspec.Meta(min_length=1, max_length=4)]
    fares: Annotated[list[FareIn], msgspec.Meta(max_length=40)] = []
    operating_carrier: Code2 | None = None
    aircraft: Annotated[str, msgspec.Meta(max_length=4)] = ""
    status: Literal["scheduled", "cancelled"] = "scheduled"


class FlightPatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """What changes: the schedule (legs), cabins' capacity, fares (per provider), status."""

    legs: list[LegIn] | Unset = UNSET
    cabins: list[CabinIn] | Unset = UNSET
    fares: list[FareIn] | Unset = UNSET
    operating_carrier: str | Unset = UNSET
    aircraft: str | Unset = UNSET
    status: Literal["scheduled", "cancelled"] | Unset = UNSET


def _legs(legs: list[LegIn]) -> tuple[Leg, ...]:
    # The core checks them (airports, offsets, lengths, window): this only maps the wire.
    return tuple(
        Leg(leg.origin.upper(), leg.destination.upper(), leg.departs_at, leg.arrives_at)
        for leg in legs
    )


def _cabins(cabins: list[CabinIn]) -> tuple[Cabin, ...]:
    return tuple(
        Cabin(
            CabinClass(c.cabin),
            c.capacity,
            c.capacity if c.seats_available is None else c.seats_available,
        )
        for c in cabins
    )


def _fares(fares: list[FareIn], currencies: CurrencyCatalogue) -> tuple[Fare, ...]:
    made = []
    for index, fare in enumerate(fares):
        currency = currencies.currency(fare.currency)
        try:
            base, taxes = Decimal(fare.base_fare), Decimal(fare.taxes)
        except InvalidOperation:
            raise InvalidInput(f"fares[{index}]", "amounts are decimal strings") from None
        if not (base.is_finite() and taxes.is_finite()) or max(base, taxes) >= 10**9:
            raise InvalidInput(f"fares[{index}]", "amounts must be finite and below 10^9")
        made.append(
            Fare(
                fare.provider, CabinClass(fare.cabin), Money(base, currency), Money(taxes, currency)
            )
        )
    return tuple(made)


class FlightsAdminController(Controller):
    """The shared inventory, managed by the platform's staff (of the default tenant)."""

    path = "/api/v1/admin/flights"
    tags = ["inventory admin"]

    @post(
        "/",
        status_code=201,
        summary="Add a flight",
        responses=api_problem_responses(409, 422),
    )
    async def create(self, api: NamedDependency[ApiContext], data: JSONBody[FlightIn]) -> FlightOut:
        """A new flight (audited)."""
        staff = staff_member(api.caller.signed_in())
        inventory = api.services.inventory
        draft = FlightDraft(
            marketing_carrier=data.marketing_carrier,
            flight_number=data.flight_number,
            legs=_legs(data.legs),
            cabins=_cabins(data.cabins),
            fares=_fares(data.fares, api.services.pricing.currencies),
            operating_carrier=data.operating_carrier,
            aircraft=data.aircraft,
            status=FlightStatus(data.status),
        )
        created = await inventory.admin.create(staff, draft)
        return FlightOut.of(created, Places(inventory.airports, inventory.reference))

    @patch(
        "/{flight_id:str}",
        summary="Change a flight",
        description="Only what is sent changes. Cabins keep the seats already sold; fares "
        "replace those of the providers they name. Audited.",
        responses=api_problem_responses(404, 409, 422),
    )
    async def update(
        self,
        api: NamedDependency[ApiContext],
        flight_id: Annotated[str, Parameter(max_length=40)],
        data: JSONBody[FlightPatchIn],
    ) -> FlightOut:
        """The changed flight."""
        staff = staff_member(api.caller.signed_in())
        inventory = api.services.inventory
        sent = sent_fields(data)
        changes: dict[str, Any] = {}
        if "legs" in sent and isinstance(data.legs, list):
            changes["legs"] = _legs(data.legs)
        if "cabins" in sent:
            changes["cabins"] = _cabins(data.cabins) if isinstance(data.cabins, list) else ()
        if "fares" in sent and isinstance(data.fares, list):
            changes["fares"] = _fares(data.fares, api.services.pricing.currencies)
        for name in ("operating_carrier", "aircraft"):
            if name in sent:
                changes[name] = str(sent[name])
        if "status" in sent:
            changes["status"] = FlightStatus(str(sent["status"]))
        changed = await inventory.admin.update(staff, flight_id, **changes)
        return FlightOut.of(changed, Places(inventory.airports, inventory.reference))

    @delete(
        "/{flight_id:str}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete a flight with no seat sold",
        description="A flight with sold seats is refused (409): cancel it with PATCH instead.",
        responses=api_problem_responses(404, 409),
    )
    async def remove(
        self,
        api: NamedDependency[ApiContext],
        flight_id: Annotated[str, Parameter(max_length=40)],
    ) -> None:
        """The flight is gone (audited)."""
        staff = staff_member(api.caller.signed_in())
        await api.services.inventory.admin.delete(staff, flight_id)
