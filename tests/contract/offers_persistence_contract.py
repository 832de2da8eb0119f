"""The offer repository's contract (mixed into the persistence test classes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs

from adapters.money.babel_currencies import BabelCurrencies
from funflights_core.flight import CabinClass
from funflights_core.money import Money
from funflights_core.offer import Offer, OfferLine
from funflights_core.passengers import Passengers
from funflights_core.tenant import Tenant, auth_methods
from funflights_core.unit_of_work import UnitOfWorkFactory

CURRENCIES = BabelCurrencies()
EUR, JPY = CURRENCIES.currency("EUR"), CURRENCIES.currency("JPY")
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def an_offer(offer_id: str = "offer-1", tenant_id: str = "default") -> Offer:
    return Offer(
        id=offer_id,
        tenant_id=tenant_id,
        customer_id="user-1",
        flight_ids=("EI154-LHR-20260601", "EI105-DUB-20260601"),
        cabin=CabinClass.BUSINESS,
        passengers=Passengers(adults=2, children=1, infants=1),
        currency="JPY",
        lines=(
            OfferLine(
                "EI154-LHR-20260601",
                "p1",
                Money.of("60.10", EUR),
                Money.of("80.05", EUR),
                Money.of("3.333", EUR),
                "rule-1",
                Money.of("25034.123", JPY),
            ),
            OfferLine(
                "EI105-DUB-20260601",
                "p2",
                Money.of("250", EUR),
                Money.of("80", EUR),
                Money.of("0", EUR),
                None,
                Money.of("54000", JPY),
            ),
        ),
        total=Money.of("79034.123", JPY),
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=20),
    )


class OffersPersistenceContract:
    """What every offer repository does."""

    async def test_an_offer_round_trips_exactly(self, database: UnitOfWorkFactory) -> None:
        offer = an_offer()
        async with database.for_tenant("default") as uow:
            await uow.offers.add(offer)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.offers.get(offer.id) == offer
            assert await uow.offers.get("nope") is None

    async def test_a_new_price_replaces_the_old(self, database: UnitOfWorkFactory) -> None:
        offer = an_offer()
        repriced = attrs.evolve(offer, total=Money.of("80000", JPY), repriced_at=NOW)
        async with database.for_tenant("default") as uow:
            await uow.offers.add(offer)
            assert await uow.offers.replace(repriced)
            assert not await uow.offers.replace(an_offer("other"))
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.offers.get(offer.id) == repriced

    async def test_offers_long_expired_are_forgotten(self, database: UnitOfWorkFactory) -> None:
        async with database.for_tenant("default") as uow:
            for n, minutes in enumerate((-60, -1, 5)):
                later = NOW + timedelta(minutes=minutes)
                await uow.offers.add(
                    attrs.evolve(an_offer(f"offer-{n}"), created_at=later, expires_at=later)
                )
            await uow.commit()
        async with database.for_tenant("other") as uow:
            assert await uow.offers.forget_expired_before(NOW) == 0  # not its offers
        async with database.for_tenant("default") as uow:
            assert await uow.offers.forget_expired_before(NOW) == 2
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.offers.get("offer-0") is None
            assert await uow.offers.get("offer-2") is not None

    async def test_offers_stay_in_their_tenant_and_need_a_commit(
        self, database: UnitOfWorkFactory
    ) -> None:
        async with database.platform() as uow:
            await uow.tenants.add(
                Tenant(
                    id="acme",
                    name="Acme",
                    domains=(),
                    default_currency="GBP",
                    locale="en",
                    loyalty_programme="M",
                    point_value_usd=CURRENCIES.currency("USD").quantum,
                    auth_methods=auth_methods(["password"]),
                    created_at=NOW,
                )
            )
            await uow.commit()
        async with database.for_tenant("acme") as uow:
            await uow.offers.add(an_offer("theirs", "acme"))
            await uow.commit()
        async with database.for_tenant("default") as uow:
            await uow.offers.add(an_offer("uncommitted"))
        async with database.for_tenant("default") as uow:
            assert await uow.offers.get("theirs") is None
            assert not await uow.offers.replace(an_offer("theirs"))
            assert await uow.offers.get("uncommitted") is None
