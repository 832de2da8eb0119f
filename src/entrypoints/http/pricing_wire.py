"""Wire formats of the pricing API (/api/v1): margin rules, coupons, quotes, rates, loyalty."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec

from funflights_core.audit import AuditEntry
from funflights_core.coupon_fields import coupon_fields
from funflights_core.coupons import CouponStatus
from funflights_core.exchange import Conversion, RateTable
from funflights_core.loyalty import LedgerEntry, Tier
from funflights_core.loyalty_accounts import LoyaltySummary
from funflights_core.margin_book import Explanation
from funflights_core.margin_rule import MarginRule
from funflights_core.margin_rule_fields import rule_fields
from funflights_core.money import Currency, Money
from funflights_core.pricing import PriceBreakdown, ProviderQuote

Cabin = Literal["economy", "premium_economy", "business", "first"]
Code3 = Annotated[str, msgspec.Meta(min_length=3, max_length=3, description="ISO 4217 code.")]
Airport = Annotated[str, msgspec.Meta(min_length=3, max_length=3, description="IATA airport.")]
Carrier = Annotated[str, msgspec.Meta(min_length=2, max_length=2, description="IATA airline.")]
FlightNo = Annotated[str, msgspec.Meta(min_length=1, max_length=5, description="e.g. 117.")]
Text = Annotated[str, msgspec.Meta(max_length=500)]
Amount = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]{1,12}(\.[0-9]{1,12})?$",
        description='A decimal amount written as a string, e.g. "412.50".',
    ),
]
Unset = msgspec.UnsetType
UNSET = msgspec.UNSET


def sent_fields(struct: msgspec.Struct) -> dict[str, Any]:
    """A request struct's fields, without those left out of a PATCH."""
    return {
        name: value
        for name in struct.__struct_fields__
        if (value := getattr(struct, name)) is not UNSET
    }


class MarginRuleIn(msgspec.Struct, forbid_unknown_fields=True):
    """A margin rule. The fields it names set its level: carrier + flight_number (a flight),
    carrier (an airline), origin + destination (a route), country, or none (the default)."""

    percent: Amount | None = None
    """Percent of the base fare: "5" adds 5%."""
    fixed_per_passenger: Amount | None = None
    minimum: Amount | None = None
    maximum: Amount | None = None
    currency: Code3 | None = None
    carrier: Carrier | None = None
    flight_number: FlightNo | None = None
    origin: Airport | None = None
    destination: Airport | None = None
    country: Annotated[str, msgspec.Meta(min_length=2, max_length=2)] | None = None
    country_side: Literal["origin", "destination", "either"] | None = None
    cabin: Cabin | None = None
    travel_from: date | None = None
    travel_until: date | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    priority: Annotated[int, msgspec.Meta(ge=-1000, le=1000)] | None = None
    description: Text | None = None

    def fields(self) -> dict[str, Any]:
        """The fields of the rule."""
        return sent_fields(self)


class MarginRulePatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """Fields to change; absent ones stay, null clears one."""

    percent: Amount | Unset | None = UNSET
    fixed_per_passenger: Amount | Unset | None = UNSET
    minimum: Amount | Unset | None = UNSET
    maximum: Amount | Unset | None = UNSET
    currency: Code3 | Unset | None = UNSET
    carrier: Carrier | Unset | None = UNSET
    flight_number: FlightNo | Unset | None = UNSET
    origin: Airport | Unset | None = UNSET
    destination: Airport | Unset | None = UNSET
    country: Annotated[str, msgspec.Meta(min_length=2, max_length=2)] | Unset | None = UNSET
    country_side: Literal["origin", "destination", "either"] | Unset | None = UNSET
    cabin: Cabin | Unset | None = UNSET
    travel_from: date | Unset | None = UNSET
    travel_until: date | Unset | None = UNSET
    valid_from: datetime | Unset | None = UNSET
    valid_until: datetime | Unset | None = UNSET
    priority: Annotated[int, msgspec.Meta(ge=-1000, le=1000)] | Unset | None = UNSET
    description: Text | Unset | None = UNSET

    def fields(self) -> dict[str, Any]:
        """The fields that were sent: only those change."""
        return sent_fields(self)


class MarginRuleOut(msgspec.Struct):
    """A stored margin rule (``percent`` in percent; amounts as decimal strings)."""

    id: str
    level: str
    percent: str
    fixed_per_passenger: str | None
    minimum: str | None
    maximum: str | None
    currency: str | None
    carrier: str | None
    flight_number: str | None
    origin: str | None
    destination: str | None
    country: str | None
    country_side: str
    cabin: str | None
    travel_from: str | None
    travel_until: str | None
    valid_from: str | None
    valid_until: str | None
    priority: int
    description: str
    created_at: str

    @classmethod
    def of(cls, rule: MarginRule) -> MarginRuleOut:
        """The wire form of a rule."""
        return cls(**rule_fields(rule))


class ConsideredRuleOut(msgspec.Struct):
    """A rule looked at while explaining a price, and why it won or lost."""

    rule: MarginRuleOut
    reason: str


class ExplanationOut(msgspec.Struct):
    """Which rule prices a flight, and every candidate with its reason."""

    chosen: MarginRuleOut | None
    considered: list[ConsideredRuleOut]

    @classmethod
    def of(cls, explanation: Explanation) -> ExplanationOut:
        """The wire form of an explanation."""
        chosen = explanation.chosen
        return cls(
            chosen=None if chosen is None else MarginRuleOut.of(chosen),
            considered=[
                ConsideredRuleOut(MarginRuleOut.of(rule), reason)
                for rule, reason in explanation.considered
            ],
        )


class AuditEntryOut(msgspec.Struct):
    """One change: who, when, what it was before and after."""

    id: str
    action: str
    actor: str
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        """The wire form of an audit entry."""
        before, after = entry.before_fields(), entry.after_fields()
        return cls(
            id=entry.id,
            action=entry.action,
            actor=entry.actor,
            at=entry.at,
            before=None if before is None else dict(before),
            after=None if after is None else dict(after),
        )


CouponCode = Annotated[str, msgspec.Meta(min_length=3, max_length=40, description="The code.")]
# Items are checked by the core (each bad one named); Litestar does not carry item
# constraints into OpenAPI, so the wire leaves them open.
AirlineList = Annotated[list[str], msgspec.Meta(max_length=200, description='e.g. ["BA"].')]
RouteList = Annotated[list[str], msgspec.Meta(max_length=500, description='e.g. ["LHR-JFK"].')]
CabinList = Annotated[list[Cabin], msgspec.Meta(max_length=4)]
Limit = Annotated[int, msgspec.Meta(ge=1, le=100_000_000)]


class CouponIn(msgspec.Struct, forbid_unknown_fields=True):
    """A coupon: percent_off ("10" is 10%) or amount_off (in currency), and its conditions."""

    code: CouponCode
    percent_off: Amount | None = None
    amount_off: Amount | None = None
    currency: Code3 | None = None
    minimum_spend: Amount | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    airlines: AirlineList | None = None
    routes: RouteList | None = None
    cabins: CabinList | None = None
    total_uses: Limit | None = None
    uses_per_customer: Limit | None = None
    combinable: bool = False
    below_cost_allowed: bool = False
    """A promotion the platform funds: it may take a price below the providers' cost."""
    description: Text | None = None

    def fields(self) -> dict[str, Any]:
        """Every field but the code."""
        return {name: getattr(self, name) for name in self.__struct_fields__ if name != "code"}


class CouponPatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """Coupon fields to change; absent ones stay, null clears one."""

    percent_off: Amount | Unset | None = UNSET
    amount_off: Amount | Unset | None = UNSET
    currency: Code3 | Unset | None = UNSET
    minimum_spend: Amount | Unset | None = UNSET
    valid_from: datetime | Unset | None = UNSET
    valid_until: datetime | Unset | None = UNSET
    airlines: AirlineList | Unset | None = UNSET
    routes: RouteList | Unset | None = UNSET
    cabins: CabinList | Unset | None = UNSET
    total_uses: Limit | Unset | None = UNSET
    uses_per_customer: Limit | Unset | None = UNSET
    combinable: bool | Unset = UNSET
    below_cost_allowed: bool | Unset = UNSET
    description: Text | Unset | None = UNSET

    def fields(self) -> dict[str, Any]:
        """The fields that were sent."""
        return sent_fields(self)


class CouponOut(msgspec.Struct):
    """A stored coupon and how often it was used."""

    code: str
    percent_off: str | None
    amount_off: str | None
    currency: str | None
    minimum_spend: str | None
    valid_from: str | None
    valid_until: str | None
    airlines: list[str]
    routes: list[str]
    cabins: list[str]
    total_uses: int | None
    uses_per_customer: int | None
    combinable: bool
    below_cost_allowed: bool
    description: str
    uses: int

    @classmethod
    def of(cls, status: CouponStatus) -> CouponOut:
        """The wire form of a coupon."""
        return cls(**coupon_fields(status.coupon), uses=status.uses)


class ProviderQuoteIn(msgspec.Struct, forbid_unknown_fields=True):
    """What one provider asks for the flight, for all passengers."""

    provider: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    base_fare: Amount
    taxes: Amount
    currency: Code3


class QuoteIn(msgspec.Struct, forbid_unknown_fields=True):
    """A flight, the providers' quotes for it, and what the customer brings."""

    carrier: Carrier
    flight_number: FlightNo
    origin: Airport
    destination: Airport
    departure: date
    quotes: Annotated[list[ProviderQuoteIn], msgspec.Meta(min_length=1, max_length=20)]
    cabin: Cabin = "economy"
    passengers: Annotated[int, msgspec.Meta(ge=1, le=9)] = 1
    currency: Code3 | None = None
    """The currency to pay in; default: your preferred one, else the tenant's."""
    coupon: CouponCode | None = None
    coupons: Annotated[list[str], msgspec.Meta(max_length=5)] = []
    """More codes to combine with ``coupon``; each must allow combining."""
    redeem_points: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)] = 0


class MoneyOut(msgspec.Struct):
    """An amount: ``amount`` rounded to the currency's minor units, as a string."""

    amount: str
    currency: str

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        """Rounded for showing."""
        return cls(str(money.rounded().amount), money.currency.code)


class ProviderQuoteOut(msgspec.Struct):
    """A provider's quote as priced."""

    provider: str
    base_fare: MoneyOut
    taxes: MoneyOut
    cost: MoneyOut

    @classmethod
    def of(cls, quote: ProviderQuote) -> ProviderQuoteOut:
        """The wire form of a quote."""
        return cls(
            quote.provider,
            MoneyOut.of(quote.base_fare),
            MoneyOut.of(quote.taxes),
            MoneyOut.of(quote.cost),
        )


class ConversionOut(msgspec.Struct):
    """The exchange applied: enough to reproduce the total exactly."""

    mid_rate: str
    spread: str
    applied_rate: str
    source: str
    as_of: datetime

    @classmethod
    def of(cls, conversion: Conversion) -> ConversionOut:
        """The wire form of a conversion."""
        return cls(
            str(conversion.mid_rate),
            str(conversion.spread),
            str(conversion.applied_rate),
            conversion.source,
            conversion.as_of,
        )


class CouponLineOut(msgspec.Struct):
    """The coupon asked for: its discount, or why it does not apply."""

    code: str
    discount: MoneyOut
    refused: str | None
    capped_at_margin: bool
    """The discount was cut to the margin: a price never goes below the providers' cost."""


class LoyaltyLineOut(msgspec.Struct):
    """Points redeemed toward the price and what they pay."""

    points: int
    value: MoneyOut


class QuoteOut(msgspec.Struct):
    """A price and its lines. Lines are in the fare's currency; ``total`` in yours."""

    chosen: ProviderQuoteOut
    other_quotes: list[ProviderQuoteOut]
    margin: MoneyOut
    margin_rule_id: str | None
    coupons: list[CouponLineOut]
    """Each coupon asked for, in order: its discount, or why it did not apply."""
    loyalty: LoyaltyLineOut | None
    subtotal: MoneyOut
    """Base fare + taxes + margin - coupon - points, in the fare's currency."""
    exchange: ConversionOut | None
    total: MoneyOut

    @classmethod
    def of(cls, price: PriceBreakdown) -> QuoteOut:
        """The wire form of a breakdown."""
        loyalty = None
        if price.loyalty_points:
            loyalty = LoyaltyLineOut(price.loyalty_points, MoneyOut.of(price.loyalty_value))
        return cls(
            chosen=ProviderQuoteOut.of(price.chosen),
            other_quotes=[ProviderQuoteOut.of(q) for q in price.others],
            margin=MoneyOut.of(price.margin),
            margin_rule_id=price.margin_rule_id,
            coupons=[
                CouponLineOut(c.code, MoneyOut.of(c.discount), c.refused, c.capped)
                for c in price.coupon_lines
            ],
            loyalty=loyalty,
            subtotal=MoneyOut.of(price.subtotal),
            exchange=None if price.conversion is None else ConversionOut.of(price.conversion),
            total=MoneyOut.of(price.total),
        )


class CurrencyOut(msgspec.Struct):
    """A currency prices can be shown and paid in."""

    code: str
    minor_units: int
    cash_increment: str | None

    @classmethod
    def of(cls, currency: Currency) -> CurrencyOut:
        """The wire form of a currency."""
        increment = currency.cash_increment
        cash = None if increment is None else str(increment)
        return cls(currency.code, currency.minor_units, cash)


class RatesOut(msgspec.Struct):
    """Mid-market rates: one ``base`` buys ``rates[code]`` of each currency."""

    base: str
    source: str
    as_of: datetime
    rates: dict[str, str]

    @classmethod
    def of(cls, table: RateTable, base: str) -> RatesOut:
        """The table's rates re-based on ``base`` (decimal division, 28 significant digits)."""
        codes = sorted({table.base, *table.rates} - {base})
        rates = {code: str(+table.mid_rate(base, code)) for code in codes}
        return cls(base, table.source, table.as_of, rates)


class TierOut(msgspec.Struct):
    """A tier of the programme."""

    name: str
    min_spend_usd: str
    points_per_usd: str

    @classmethod
    def of(cls, tier: Tier) -> TierOut:
        """The wire form of a tier."""
        return cls(tier.name, str(tier.min_spend), str(tier.points_per_unit))


class LedgerEntryOut(msgspec.Struct):
    """One movement of points."""

    id: str
    kind: str
    points: int
    at: datetime
    booking_id: str | None

    @classmethod
    def of(cls, entry: LedgerEntry) -> LedgerEntryOut:
        """The wire form of an entry."""
        return cls(entry.id, entry.kind.value, entry.points, entry.at, entry.booking_id)


class LoyaltyOut(msgspec.Struct):
    """Your points, tier and latest ledger entries (newest first)."""

    programme: str
    balance: int
    balance_usd: str
    tier: TierOut
    next_tier: TierOut | None
    spend_12_months_usd: str
    entries: list[LedgerEntryOut]
    next_offset: int | None

    @classmethod
    def of(cls, summary: LoyaltySummary, offset: int) -> LoyaltyOut:
        """The wire form of a summary page."""
        return cls(
            programme=summary.programme,
            balance=summary.balance,
            balance_usd=str(summary.balance_usd),
            tier=TierOut.of(summary.tier),
            next_tier=None if summary.next_tier is None else TierOut.of(summary.next_tier),
            spend_12_months_usd=str(summary.spend_12_months.quantize(Decimal("0.01"))),
            entries=[LedgerEntryOut.of(e) for e in summary.entries],
            next_offset=offset + len(summary.entries) if summary.more else None,
        )
