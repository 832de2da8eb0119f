"""Use case: the price a customer would pay for a flight, with every line explained."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import attrs

from funflights_core.airport_countries import AirportCountries
from funflights_core.attempt_counter import AttemptCounter
from funflights_core.clock import Clock
from funflights_core.coupons import CouponService
from funflights_core.errors import InvalidInput, NotFound, TooManyAttempts
from funflights_core.exchange import CurrencyExchange
from funflights_core.loyalty_accounts import LoyaltyService
from funflights_core.margin_books import MarginBooks
from funflights_core.margin_rule import FlightFacts
from funflights_core.pricing import PriceBreakdown, Pricer, PricingContext, ProviderQuote
from funflights_core.tenant import Tenant, currency_code

MAX_COUPONS = 5
"""Coupons one price may combine."""
UNKNOWN_COUPONS_ALLOWED = 10
UNKNOWN_COUPONS_WINDOW_S = 600
"""Unknown codes a buyer may try in the window before quotes with coupons answer 429."""


@attrs.frozen
class Buyer:
    """Who asks for the price: a tenant's visitor, or one of its signed-in customers."""

    tenant: Tenant
    customer_id: str | None = None
    preferred_currency: str | None = None
    address: str = ""
    """Where an anonymous buyer calls from (guessing coupon codes is limited per address)."""
    reseller: bool = False
    """A reseller calling with its API key: ``customer_id`` is the key's id."""

    @property
    def actor(self) -> str:
        """How the audit and a booking's history name this buyer."""
        return f"{'reseller' if self.reseller else 'customer'}:{self.customer_id}"


@attrs.frozen
class QuoteRequest:
    """A flight, its provider quotes, and what the customer brings (coupon, points)."""

    carrier: str
    flight_number: str
    origin: str
    destination: str
    departure: date
    quotes: Sequence[ProviderQuote]
    cabin: str = "economy"
    passengers: int = 1
    currency: str | None = None
    """The currency to pay in; default: the customer's preferred one, else the tenant's."""
    coupon: str | None = None
    coupons: Sequence[str] = ()
    """More codes to combine with ``coupon`` (each must allow combining)."""
    redeem_points: int = 0


class QuoteService:
    """Prices a flight for a buyer with the tenant's current rules, coupons and points."""

    def __init__(
        self,
        *,
        books: MarginBooks,
        exchange: CurrencyExchange,
        coupons: CouponService,
        loyalty: LoyaltyService,
        airports: AirportCountries,
        clock: Clock,
        counter: AttemptCounter | None = None,
    ) -> None:
        self._books = books
        self._exchange = exchange
        self._coupons = coupons
        self._loyalty = loyalty
        self._airports = airports
        self._clock = clock
        self._counter = counter

    def facts(self, request: QuoteRequest) -> FlightFacts:
        """What margin rules look at, with the airports' countries; ``InvalidInput`` if unknown."""
        countries = []
        for field, code in (("origin", request.origin), ("destination", request.destination)):
            country = self._airports.country_of(code.strip().upper())
            if country is None:
                raise InvalidInput(field, f"{code!r} is not a known airport")
            countries.append(country)
        return FlightFacts(
            carrier=request.carrier.strip().upper(),
            flight_number=request.flight_number.strip().upper(),
            origin=request.origin.strip().upper(),
            destination=request.destination.strip().upper(),
            origin_country=countries[0],
            destination_country=countries[1],
            departure=request.departure,
            cabin=request.cabin,
        )

    async def quote(self, buyer: Buyer, request: QuoteRequest) -> PriceBreakdown:
        """The breakdown of what the buyer would pay now."""
        tenant = buyer.tenant
        if request.departure < self._clock.now().date():
            raise InvalidInput("departure", "is in the past")
        facts = self.facts(request)
        currency = currency_code(
            request.currency or buyer.preferred_currency or tenant.default_currency, "currency"
        )
        self._exchange.currency(currency)  # an unknown currency is the caller's mistake
        asked = (request.coupon or "", *request.coupons)
        codes = list(dict.fromkeys(c.strip().upper() for c in asked if c.strip()))
        if len(codes) > MAX_COUPONS:
            raise InvalidInput("coupons", f"use at most {MAX_COUPONS} coupons at once")
        coupons, uses = [], {}
        guesses = f"unknown-coupons:{tenant.id}:{buyer.customer_id or buyer.address}"
        if codes and self._counter is not None:
            tried = await self._counter.peek(guesses)
            if tried.count >= UNKNOWN_COUPONS_ALLOWED:
                raise TooManyAttempts(tried.resets_in_s)
        for code in codes:
            try:
                coupon, use = await self._coupons.for_customer(tenant.id, code, buyer.customer_id)
            except NotFound:
                if self._counter is not None:
                    await self._counter.hit(guesses, window_s=UNKNOWN_COUPONS_WINDOW_S)
                field = "coupon" if code == (request.coupon or "").strip().upper() else "coupons"
                raise InvalidInput(field, f"there is no coupon {code}") from None
            coupons.append(coupon)
            uses[coupon.code] = use
        if request.redeem_points:
            if buyer.customer_id is None:
                raise InvalidInput("redeem_points", "sign in to use loyalty points")
            balance = await self._loyalty.balance(tenant.id, buyer.customer_id)
            if request.redeem_points > balance:
                raise InvalidInput("redeem_points", f"only {balance} points are available")
        context = PricingContext(
            flight=facts,
            passengers=request.passengers,
            customer_currency=currency,
            at=self._clock.now(),
            coupons=tuple(coupons),
            coupon_uses=uses,
            spread=tenant.exchange_spread,
            redeem_points=request.redeem_points,
            point_value_usd=tenant.point_value_usd,
        )
        pricer = Pricer(margins=await self._books.book(tenant.id), exchange=self._exchange)
        return await pricer.price(request.quotes, context)
