"""An offer: chosen flights, a party and a price, held for a while for booking to start from."""

from __future__ import annotations

from datetime import datetime

import attrs

from funflights_core.flight import CabinClass
from funflights_core.money import Money
from funflights_core.passengers import Passengers


@attrs.frozen
class OfferLine:
    """What one flight of the offer costs the party, and how (kept for audit)."""

    flight_id: str
    provider: str
    """The provider whose fare was the best."""
    base_fare: Money
    taxes: Money
    margin: Money
    margin_rule_id: str | None
    total: Money
    """In the offer's currency."""


@attrs.frozen
class Offer:
    """A priced itinerary for one party, valid until ``expires_at``."""

    id: str
    tenant_id: str
    customer_id: str | None
    flight_ids: tuple[str, ...]
    cabin: CabinClass
    passengers: Passengers
    currency: str
    lines: tuple[OfferLine, ...]
    total: Money
    created_at: datetime
    expires_at: datetime
    repriced_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        """Whether the offer can no longer be booked (price it again as a new offer)."""
        return now >= self.expires_at


@attrs.frozen
class PriceCheck:
    """An offer priced again: unchanged, or changed with the old and the new price."""

    offer: Offer
    old_total: Money
    new_total: Money

    @property
    def changed(self) -> bool:
        """Whether the price moved."""
        return self.old_total != self.new_total
