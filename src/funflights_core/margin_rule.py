"""Margin rules: how much the platform adds to a fare, most specific rule first."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import attrs

from funflights_core.money import Currency, Money


class RuleLevel(enum.IntEnum):
    """How specific a rule is; a lower value wins."""

    FLIGHT = 1
    AIRLINE = 2
    ROUTE = 3
    COUNTRY = 4
    TENANT_DEFAULT = 5


class CountrySide(enum.StrEnum):
    """Which end of a journey a country rule looks at."""

    ORIGIN = "origin"
    DESTINATION = "destination"
    EITHER = "either"


@attrs.frozen
class FlightFacts:
    """What pricing knows about the flight being priced."""

    carrier: str
    flight_number: str
    origin: str
    destination: str
    origin_country: str
    destination_country: str
    departure: date
    cabin: str = "economy"


@attrs.frozen
class MarginRule:
    """One rule. Its level follows from the fields it names (see ``level``)."""

    id: str
    tenant_id: str
    created_at: datetime
    percent: Decimal = Decimal(0)
    """A share of the base fare: 0.05 is 5%."""
    fixed_per_passenger: Money | None = None
    minimum: Money | None = None
    maximum: Money | None = None
    carrier: str | None = None
    flight_number: str | None = None
    origin: str | None = None
    destination: str | None = None
    country: str | None = None
    country_side: CountrySide = CountrySide.EITHER
    cabin: str | None = None
    travel_from: date | None = None
    travel_until: date | None = None
    """With a flight number: the departure dates the rule covers (inclusive)."""
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    """When the rule is in force (``valid_until`` excluded)."""
    priority: int = 0
    description: str = ""

    @property
    def amounts_currency(self) -> str | None:
        """The currency of the rule's fixed amounts, if it has any."""
        for amount in (self.fixed_per_passenger, self.minimum, self.maximum):
            if amount is not None:
                return amount.currency.code
        return None

    def in_currency(self, currency: Currency, rate: Decimal) -> MarginRule:
        """The rule with its fixed amounts converted at ``rate`` (``currency`` per unit)."""

        def convert(amount: Money | None) -> Money | None:
            return None if amount is None else Money(amount.amount * rate, currency)

        return attrs.evolve(
            self,
            fixed_per_passenger=convert(self.fixed_per_passenger),
            minimum=convert(self.minimum),
            maximum=convert(self.maximum),
        )

    @property
    def level(self) -> RuleLevel:
        """The most specific thing the rule names."""
        if self.carrier is not None and self.flight_number is not None:
            return RuleLevel.FLIGHT
        if self.carrier is not None:
            return RuleLevel.AIRLINE
        if self.origin is not None and self.destination is not None:
            return RuleLevel.ROUTE
        if self.country is not None:
            return RuleLevel.COUNTRY
        return RuleLevel.TENANT_DEFAULT

    def applies(self, facts: FlightFacts, at: datetime) -> bool:
        """Whether the rule is in force at ``at`` and covers the flight."""
        if self.valid_from is not None and at < self.valid_from:
            return False
        if self.valid_until is not None and at >= self.valid_until:
            return False
        if self.cabin is not None and self.cabin != facts.cabin:
            return False
        if self.travel_from is not None and facts.departure < self.travel_from:
            return False
        if self.travel_until is not None and facts.departure > self.travel_until:
            return False
        return self._covers(facts)

    def _covers(self, facts: FlightFacts) -> bool:
        level = self.level
        if level is RuleLevel.FLIGHT:
            return (self.carrier, self.flight_number) == (facts.carrier, facts.flight_number)
        if level is RuleLevel.AIRLINE:
            return self.carrier == facts.carrier
        if level is RuleLevel.ROUTE:
            return (self.origin, self.destination) == (facts.origin, facts.destination)
        if level is RuleLevel.COUNTRY:
            origin = self.country == facts.origin_country
            destination = self.country == facts.destination_country
            if self.country_side is CountrySide.ORIGIN:
                return origin
            if self.country_side is CountrySide.DESTINATION:
                return destination
            return origin or destination
        return True

    def margin(self, base_fare: Money, passengers: int) -> Money:
        """The margin on a base fare (the fare of all passengers), within minimum and maximum."""
        amount = base_fare * self.percent
        if self.fixed_per_passenger is not None:
            amount = amount + self.fixed_per_passenger * passengers
        if self.minimum is not None and amount < self.minimum:
            amount = self.minimum
        if self.maximum is not None and amount > self.maximum:
            amount = self.maximum
        return amount
