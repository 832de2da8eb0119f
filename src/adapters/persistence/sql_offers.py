"""Offers in SQL: the priced itinerary as one JSON document per row, scoped to a tenant."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, cast

import msgspec
from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.rows import OfferRow
from adapters.persistence.sql_margin_rules import changed
from adapters.persistence.statements import run
from funflights_core.flight import CabinClass
from funflights_core.money import CurrencyCatalogue, Money
from funflights_core.offer import Offer, OfferLine
from funflights_core.passengers import Passengers


class _Line(msgspec.Struct):
    flight_id: str
    provider: str
    base_fare: str
    taxes: str
    fare_currency: str
    margin: str
    margin_rule_id: str | None
    total: str


class _Document(msgspec.Struct):
    flight_ids: list[str]
    cabin: str
    adults: int
    children: int
    infants: int
    currency: str
    total: str
    lines: list[_Line]
    repriced_at: datetime | None


_decode = msgspec.json.Decoder(_Document).decode
_OFFERS = cast(Table, OfferRow.__table__)
_ADD = insert(_OFFERS)
_GET = select(_OFFERS).where(
    _OFFERS.c.tenant_id == bindparam("w_tenant"), _OFFERS.c.id == bindparam("w_id")
)


def _document(offer: Offer) -> str:
    party = offer.passengers
    document = _Document(
        flight_ids=list(offer.flight_ids),
        cabin=offer.cabin.value,
        adults=party.adults,
        children=party.children,
        infants=party.infants,
        currency=offer.currency,
        total=str(offer.total.amount),
        lines=[
            _Line(
                flight_id=line.flight_id,
                provider=line.provider,
                base_fare=str(line.base_fare.amount),
                taxes=str(line.taxes.amount),
                fare_currency=line.base_fare.currency.code,
                margin=str(line.margin.amount),
                margin_rule_id=line.margin_rule_id,
                total=str(line.total.amount),
            )
            for line in offer.lines
        ],
        repriced_at=offer.repriced_at,
    )
    return msgspec.json.encode(document).decode()


class SqlOfferRepository:
    """OfferRepository over an SQLAlchemy session, scoped to one tenant."""

    def __init__(
        self, session: AsyncSession, tenant_id: str, currencies: CurrencyCatalogue
    ) -> None:
        self._session = session
        self._tenant_id = tenant_id
        self._currencies = currencies

    async def add(self, offer: Offer) -> None:
        """Store a new offer."""
        if offer.tenant_id != self._tenant_id:
            raise ValueError("an offer can only be stored in its own tenant")
        await run(
            self._session,
            _ADD,
            {
                "id": offer.id,
                "tenant_id": offer.tenant_id,
                "customer_id": offer.customer_id,
                "created_at": offer.created_at,
                "expires_at": offer.expires_at,
                "document": _document(offer),
            },
        )

    async def get(self, offer_id: str) -> Offer | None:
        """The offer with this id, in this tenant (expired ones too)."""
        found = await run(self._session, _GET, {"w_tenant": self._tenant_id, "w_id": offer_id})
        row = found.one_or_none()
        return None if row is None else self._offer(row)

    async def replace(self, offer: Offer) -> bool:
        """Replace a stored offer (a new price); False if there is none."""
        result = await self._session.execute(
            update(OfferRow)
            .where(OfferRow.tenant_id == self._tenant_id, OfferRow.id == offer.id)
            .values(document=_document(offer), expires_at=offer.expires_at)
            .execution_options(synchronize_session=False)
        )
        return changed(result) == 1

    async def forget_expired_before(self, moment: datetime) -> int:
        """Delete the offers that expired before ``moment``; how many."""
        result = await self._session.execute(
            delete(OfferRow)
            .where(OfferRow.tenant_id == self._tenant_id, OfferRow.expires_at < moment)
            .execution_options(synchronize_session=False)
        )
        return changed(result)

    def _offer(self, row: Any) -> Offer:
        document = _decode(row.document)
        currency = self._currencies.currency(document.currency)

        def money(amount: str, code: str | None = None) -> Money:
            unit = currency if code is None else self._currencies.currency(code)
            return Money(Decimal(amount), unit)

        return Offer(
            id=row.id,
            tenant_id=row.tenant_id,
            customer_id=row.customer_id,
            flight_ids=tuple(document.flight_ids),
            cabin=CabinClass(document.cabin),
            passengers=Passengers(document.adults, document.children, document.infants),
            currency=document.currency,
            lines=tuple(
                OfferLine(
                    flight_id=line.flight_id,
                    provider=line.provider,
                    base_fare=money(line.base_fare, line.fare_currency),
                    taxes=money(line.taxes, line.fare_currency),
                    margin=money(line.margin, line.fare_currency),
                    margin_rule_id=line.margin_rule_id,
                    total=money(line.total),
                )
                for line in document.lines
            ),
            total=money(document.total),
            created_at=row.created_at,
            expires_at=row.expires_at,
            repriced_at=document.repriced_at,
        )
