"""Who travels: adults, children and infants, and what they pay of an adult fare."""

from __future__ import annotations

from decimal import Decimal

import attrs

from funflights_core.errors import InvalidInput
from funflights_core.flight import Fare
from funflights_core.pricing import ProviderQuote

CHILD_SHARE = Decimal("0.75")
"""A child (2-11) pays this share of the adult base fare, and full taxes."""
INFANT_SHARE = Decimal("0.10")
"""An infant (under 2, on a lap) pays this share of the adult base fare, and no taxes."""
MAX_SEATED = 9


@attrs.frozen
class Passengers:
    """A party: at least one adult; infants sit on an adult's lap."""

    adults: int = 1
    children: int = 0
    infants: int = 0

    def __attrs_post_init__(self) -> None:
        if self.adults < 1:
            raise InvalidInput("adults", "at least one adult travels")
        if self.children < 0 or self.infants < 0:
            raise InvalidInput("children", "counts must not be negative")
        if self.adults + self.children > MAX_SEATED:
            raise InvalidInput("children", f"at most {MAX_SEATED} seated passengers at once")
        if self.infants > self.adults:
            raise InvalidInput("infants", "each infant sits on an adult's lap")

    @property
    def seats(self) -> int:
        """Seats the party needs (infants need none)."""
        return self.adults + self.children

    @property
    def count(self) -> int:
        """Everyone, infants included (fixed margins are per passenger)."""
        return self.adults + self.children + self.infants

    def quote(self, fare: Fare) -> ProviderQuote:
        """What the provider asks for the whole party at this adult fare."""
        shares = self.adults + CHILD_SHARE * self.children + INFANT_SHARE * self.infants
        return ProviderQuote(
            fare.provider, fare.base_fare * shares, fare.taxes * (self.adults + self.children)
        )
