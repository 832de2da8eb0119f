"""``/api/v1/offers``: choosing flights makes an offer; it holds its price for a while."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter

from entrypoints.http.api_context import ApiContext
from entrypoints.http.pricing_wire import MoneyOut
from entrypoints.http.problems import api_problem_responses
from funflights_core.api_key import Scope
from funflights_core.flight import CabinClass
from funflights_core.offer import Offer, OfferLine, PriceCheck
from funflights_core.passengers import Passengers

OfferId = Annotated[str, Parameter(description="The offer's id.", max_length=40)]


class OfferIn(msgspec.Struct, forbid_unknown_fields=True):
    """The flights chosen from a search result (one, or two that connect) and the party."""

    flight_ids: Annotated[list[str], msgspec.Meta(min_length=1, max_length=2)]
    cabin: Literal["economy", "premium_economy", "business", "first"] = "economy"
    adults: Annotated[int, msgspec.Meta(ge=1, le=9)] = 1
    children: Annotated[int, msgspec.Meta(ge=0, le=8)] = 0
    infants: Annotated[int, msgspec.Meta(ge=0, le=9)] = 0
    currency: str | None = None
    """ISO 4217; default: your preferred currency, else the tenant's."""


class OfferLineOut(msgspec.Struct):
    """One flight's part of the price: the winning provider's fare, taxes and margin."""

    flight_id: str
    provider: str
    base_fare: MoneyOut
    taxes: MoneyOut
    margin: MoneyOut
    margin_rule_id: str | None
    total: MoneyOut

    @classmethod
    def of(cls, line: OfferLine) -> OfferLineOut:
        """The wire form of a line."""
        return cls(
            line.flight_id,
            line.provider,
            MoneyOut.of(line.base_fare),
            MoneyOut.of(line.taxes),
            MoneyOut.of(line.margin),
            line.margin_rule_id,
            MoneyOut.of(line.total),
        )


class OfferOut(msgspec.Struct):
    """An offer: what booking starts from, until ``expires_at``."""

    id: str
    flight_ids: list[str]
    cabin: str
    adults: int
    children: int
    infants: int
    lines: list[OfferLineOut]
    total: MoneyOut
    created_at: datetime
    expires_at: datetime
    repriced_at: datetime | None

    @classmethod
    def of(cls, offer: Offer) -> OfferOut:
        """The wire form of an offer."""
        party = offer.passengers
        return cls(
            id=offer.id,
            flight_ids=list(offer.flight_ids),
            cabin=offer.cabin.value,
            adults=party.adults,
            children=party.children,
            infants=party.infants,
            lines=[OfferLineOut.of(line) for line in offer.lines],
            total=MoneyOut.of(offer.total),
            created_at=offer.created_at,
            expires_at=offer.expires_at,
            repriced_at=offer.repriced_at,
        )


class PriceCheckOut(msgspec.Struct):
    """The offer priced again: ``unchanged``, or ``changed`` with both prices."""

    status: Literal["unchanged", "changed"]
    old_total: MoneyOut
    new_total: MoneyOut
    offer: OfferOut

    @classmethod
    def of(cls, check: PriceCheck) -> PriceCheckOut:
        """The wire form of a price check."""
        return cls(
            "changed" if check.changed else "unchanged",
            MoneyOut.of(check.old_total),
            MoneyOut.of(check.new_total),
            OfferOut.of(check.offer),
        )


class OffersController(Controller):
    """Offers of the caller's tenant."""

    path = "/api/v1/offers"
    tags = ["flights"]

    @post(
        "/",
        status_code=201,
        summary="Make an offer of chosen flights",
        description="Prices the flights now for the party (best provider fare, the tenant's "
        "margins, your currency) and holds that price until expires_at (20 minutes unless "
        "configured). Booking starts from an offer.",
        responses=api_problem_responses(409, 422, 503),
        opt={"api_key_scope": Scope.SEARCH},
    )
    async def create(self, api: NamedDependency[ApiContext], data: JSONBody[OfferIn]) -> OfferOut:
        """A new offer."""
        offer = await api.services.inventory.offers.create(
            await api.buyer(),
            data.flight_ids,
            cabin=CabinClass(data.cabin),
            passengers=Passengers(data.adults, data.children, data.infants),
            currency=data.currency,
        )
        return OfferOut.of(offer)

    @get(
        "/{offer_id:str}",
        summary="An offer",
        responses=api_problem_responses(404, 410),
        opt={"api_key_scope": Scope.SEARCH},
    )
    async def get_offer(self, api: NamedDependency[ApiContext], offer_id: OfferId) -> OfferOut:
        """A live offer; 410 once it expired."""
        return OfferOut.of(await api.services.inventory.offers.get(await api.buyer(), offer_id))

    @post(
        "/{offer_id:str}/price",
        status_code=200,
        summary="Price an offer again",
        description="Against today's fares and margin rules: unchanged, or changed with the old "
        "and the new price (the new one then holds).",
        responses=api_problem_responses(404, 409, 410, 503),
        opt={"api_key_scope": Scope.SEARCH},
    )
    async def reprice(self, api: NamedDependency[ApiContext], offer_id: OfferId) -> PriceCheckOut:
        """The price check."""
        check = await api.services.inventory.offers.reprice(await api.buyer(), offer_id)
        return PriceCheckOut.of(check)
