"""Use cases of offers: choose flights from a search, read the offer, price it again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import attrs

from funflights_core.clock import Clock
from funflights_core.errors import Conflict, Gone, InvalidInput, NotFound
from funflights_core.flight import CabinClass, Flight
from funflights_core.flight_inventory import FlightInventory
from funflights_core.flight_search import SALE_LEAD, FlightSearch, PricedItinerary
from funflights_core.ids import IdGenerator
from funflights_core.itinerary import ConnectionRules, Itinerary
from funflights_core.offer import Offer, OfferLine, PriceCheck
from funflights_core.passengers import Passengers
from funflights_core.price_quotes import Buyer
from funflights_core.unit_of_work import UnitOfWorkFactory

DEFAULT_TTL = timedelta(minutes=20)
KEPT_EXPIRED = timedelta(days=1)
"""How long an expired offer is kept (answering 410) before the worker deletes it."""


def _lines(priced: PricedItinerary) -> tuple[OfferLine, ...]:
    return tuple(
        OfferLine(
            flight_id=flight.id,
            provider=price.chosen.provider,
            base_fare=price.chosen.base_fare,
            taxes=price.chosen.taxes,
            margin=price.margin,
            margin_rule_id=price.margin_rule_id,
            total=price.total,
        )
        for flight, price in zip(priced.itinerary.flights, priced.prices, strict=True)
    )


class OfferService:
    """Offers of each tenant: created from chosen flights, priced at creation and on demand."""

    def __init__(
        self,
        *,
        database: UnitOfWorkFactory,
        inventory: FlightInventory,
        search: FlightSearch,
        clock: Clock,
        ids: IdGenerator,
        ttl: timedelta = DEFAULT_TTL,
        connections: ConnectionRules | None = None,
    ) -> None:
        self._database = database
        self._inventory = inventory
        self._search = search
        self._clock = clock
        self._ids = ids
        self._ttl = ttl
        self._connections = connections or ConnectionRules()

    async def create(
        self,
        buyer: Buyer,
        flight_ids: Sequence[str],
        *,
        cabin: CabinClass,
        passengers: Passengers,
        currency: str | None = None,
    ) -> Offer:
        """An offer for the flights (in travel order), priced now, held for the TTL."""
        itinerary = await self._itinerary(flight_ids)
        priced = await self._search.price(
            buyer, itinerary, cabin=cabin, passengers=passengers, currency=currency
        )
        now = self._clock.now()
        offer = Offer(
            id=self._ids.new_id(),
            tenant_id=buyer.tenant.id,
            customer_id=buyer.customer_id,
            flight_ids=tuple(f.id for f in itinerary.flights),
            cabin=cabin,
            passengers=passengers,
            currency=priced.total.currency.code,
            lines=_lines(priced),
            total=priced.total,
            created_at=now,
            expires_at=now + self._ttl,
        )
        async with self._database.for_tenant(buyer.tenant.id, one_statement=True) as uow:
            await uow.offers.add(offer)
            await uow.commit()
        return offer

    async def get(self, buyer: Buyer, offer_id: str) -> Offer:
        """A live offer; ``NotFound`` if there is none (or it is another customer's),
        ``Gone`` once it expired. A visitor's offer is open to whoever holds its id."""
        async with self._database.for_tenant(buyer.tenant.id, one_statement=True) as uow:
            offer = await uow.offers.get(offer_id)
        if offer is None or offer.customer_id not in (None, buyer.customer_id):
            raise NotFound(f"no offer {offer_id}")
        if offer.expired(self._clock.now()):
            raise Gone(f"offer {offer_id} expired at {offer.expires_at.isoformat()}; search again")
        return offer

    async def reprice(self, buyer: Buyer, offer_id: str) -> PriceCheck:
        """The offer priced against today's fares and rules; a new price replaces the old."""
        return (await self.checked(buyer, offer_id))[0]

    async def checked(self, buyer: Buyer, offer_id: str) -> tuple[PriceCheck, Itinerary]:
        """``reprice``, with the flights it priced (booking reads them once, here)."""
        offer = await self.get(buyer, offer_id)
        itinerary = await self._itinerary(offer.flight_ids)
        priced = await self._search.price(
            buyer,
            itinerary,
            cabin=offer.cabin,
            passengers=offer.passengers,
            currency=offer.currency,
        )
        if priced.total == offer.total:
            return PriceCheck(offer, offer.total, offer.total), itinerary
        repriced = attrs.evolve(
            offer, lines=_lines(priced), total=priced.total, repriced_at=self._clock.now()
        )
        async with self._database.for_tenant(buyer.tenant.id) as uow:
            await uow.offers.replace(repriced)
            await uow.commit()
        return PriceCheck(repriced, offer.total, priced.total), itinerary

    async def forget_expired(self, kept_for: timedelta = KEPT_EXPIRED) -> int:
        """Delete every tenant's offers expired more than ``kept_for`` ago: how many.

        Until then an expired offer answers 410 (search again) rather than 404.
        """
        async with self._database.platform() as platform:
            tenants = [tenant.id for tenant in await platform.tenants.all()]
        moment = self._clock.now() - kept_for
        forgotten = 0
        for tenant_id in tenants:
            async with self._database.for_tenant(tenant_id) as uow:
                forgotten += await uow.offers.forget_expired_before(moment)
                await uow.commit()
        return forgotten

    async def _itinerary(self, flight_ids: Sequence[str]) -> Itinerary:
        if not 1 <= len(flight_ids) <= 2:
            raise InvalidInput("flight_ids", "choose one flight, or two that connect")
        flights: list[Flight] = []
        for flight_id in flight_ids:
            flight = await self._inventory.flight(flight_id)
            if flight is None:
                raise InvalidInput("flight_ids", f"there is no flight {flight_id}")
            flights.append(flight)
        if flights[0].departs_at <= self._clock.now() + SALE_LEAD:
            raise Conflict(f"flight {flights[0].id} leaves too soon to be sold")
        if len(flights) == 2 and not self._connections.allows(flights[0], flights[1]):
            raise InvalidInput("flight_ids", "the second flight does not connect with the first")
        return Itinerary(tuple(flights))
