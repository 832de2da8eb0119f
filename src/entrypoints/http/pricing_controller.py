"""Prices and reference data: ``/api/v1/pricing/quote``, ``/currencies``, ``/fx/rates``,
and the signed-in customer's ``/loyalty/me``."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter

from entrypoints.http.api_context import ApiContext
from entrypoints.http.pricing_wire import (
    CurrencyOut,
    LoyaltyOut,
    QuoteIn,
    QuoteOut,
    RatesOut,
)
from entrypoints.http.problems import api_problem_responses
from funflights_core.api_key import Scope
from funflights_core.errors import InvalidInput
from funflights_core.money import Money
from funflights_core.price_quotes import QuoteRequest
from funflights_core.pricing import ProviderQuote


class PricingController(Controller):
    """What a flight costs, in which currencies, at which rates."""

    path = "/api/v1"
    tags = ["pricing"]

    @post(
        "/pricing/quote",
        status_code=200,
        summary="Price a flight",
        description="The cheapest provider quote, the tenant's margin rule, your coupon and "
        "loyalty points, converted into your currency with the rate, its source and date. "
        "Anyone may ask; signed-in customers get their preferred currency and may use points.",
        responses=api_problem_responses(422, 429, 503),
        opt={"api_key_scope": Scope.SEARCH},
    )
    async def quote(self, api: NamedDependency[ApiContext], data: JSONBody[QuoteIn]) -> QuoteOut:
        """The breakdown of what the caller would pay now."""
        pricing = api.services.pricing
        # The wire format admits only non-negative decimal strings.
        quotes = [
            ProviderQuote(
                q.provider,
                Money.of(q.base_fare, currency := pricing.exchange.currency(q.currency)),
                Money.of(q.taxes, currency),
            )
            for q in data.quotes
        ]
        request = QuoteRequest(
            carrier=data.carrier,
            flight_number=data.flight_number,
            origin=data.origin,
            destination=data.destination,
            departure=data.departure,
            quotes=quotes,
            cabin=data.cabin,
            passengers=data.passengers,
            currency=data.currency,
            coupon=data.coupon,
            coupons=data.coupons,
            redeem_points=data.redeem_points,
        )
        return QuoteOut.of(await pricing.quotes.quote(await api.buyer(), request))

    @get(
        "/currencies",
        summary="Currencies prices can be shown and paid in",
        responses=api_problem_responses(503),
        opt={"api_key_scope": Scope.SEARCH},
    )
    async def currencies(self, api: NamedDependency[ApiContext]) -> list[CurrencyOut]:
        """The currencies the exchange has rates for, with their minor units."""
        pricing = api.services.pricing
        table = await pricing.exchange.table()
        codes = sorted({table.base, *table.rates})
        return [CurrencyOut.of(pricing.currencies.currency(code)) for code in codes]

    @get(
        "/fx/rates",
        summary="Mid-market exchange rates",
        description="The rates prices are converted at, before the tenant's spread.",
        responses=api_problem_responses(422, 503),
        opt={"api_key_scope": Scope.SEARCH},
    )
    async def rates(
        self,
        api: NamedDependency[ApiContext],
        base: Annotated[
            str, Parameter(min_length=3, max_length=3, description="Default: EUR.")
        ] = "EUR",
    ) -> RatesOut:
        """Every rate against ``base``."""
        pricing = api.services.pricing
        try:
            code = pricing.currencies.currency(base).code
        except InvalidInput as exc:
            raise InvalidInput("base", exc.reason) from None
        table = await pricing.exchange.table()
        if code != table.base and code not in table.rates:
            raise InvalidInput("base", f"{table.source} has no rate for {code}")
        return RatesOut.of(table, code)

    @get(
        "/loyalty/me",
        summary="Your loyalty points, tier and ledger",
        responses=api_problem_responses(422),
    )
    async def loyalty(
        self,
        api: NamedDependency[ApiContext],
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> LoyaltyOut:
        """Balance (and its USD value), tier, progress and a page of entries."""
        claims = api.caller.signed_in()
        summary = await api.services.pricing.loyalty.summary(
            api.caller.tenant, claims.subject, offset=offset, limit=limit
        )
        return LoyaltyOut.of(summary, offset)
