"""Benchmark of the pricing core (figures printed, nothing asserted).

Prices per second for offers priced by ``Pricer`` with 10,000 active margin rules (flight,
airline, route, country and default levels), 50 currencies and a coupon, on one core
(target: at least 50,000 per second).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from adapters.clocks import ManualClock
from adapters.fx.fixed_rates import FixedRates
from adapters.money.babel_currencies import BabelCurrencies
from funflights_core.coupon import Coupon
from funflights_core.exchange import CurrencyExchange
from funflights_core.margin_book import MarginBook
from funflights_core.margin_rule import CountrySide, FlightFacts, MarginRule
from funflights_core.money import Money
from funflights_core.pricing import Pricer, PricingContext, ProviderQuote

NOW = datetime(2030, 1, 2, 12, tzinfo=UTC)
TARGET = 50_000
CURRENCY_CODES = [
    "USD",
    "JPY",
    "GBP",
    "CHF",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "HUF",
    "RON",
    "BGN",
    "TRY",
    "ISK",
    "AUD",
    "NZD",
    "CAD",
    "MXN",
    "BRL",
    "ARS",
    "CLP",
    "COP",
    "PEN",
    "ZAR",
    "EGP",
    "MAD",
    "NGN",
    "KES",
    "INR",
    "PKR",
    "BDT",
    "LKR",
    "THB",
    "MYR",
    "SGD",
    "IDR",
    "PHP",
    "VND",
    "KRW",
    "CNY",
    "HKD",
    "TWD",
    "ILS",
    "AED",
    "SAR",
    "QAR",
    "KWD",
    "BHD",
    "OMR",
]


def carrier(n: int) -> str:
    """The n-th made-up two-character airline code (A0, A1, ...)."""
    return f"{chr(65 + n // 10)}{n % 10}"


def airport(n: int) -> str:
    """The n-th made-up three-letter airport code (AAA, AAB, ...)."""
    return "".join(chr(65 + (n // 26**k) % 26) for k in (2, 1, 0))


def country(n: int) -> str:
    """The n-th made-up two-letter country code (AA, AB, ...)."""
    return airport(n)[1:]


def rules(count: int, rng: random.Random) -> list[MarginRule]:
    """A mix of levels, as a large tenant would have."""
    eur = BabelCurrencies().currency("EUR")
    carriers = [carrier(n) for n in range(60)]
    airports = [airport(n) for n in range(300)]
    countries = [country(n) for n in range(80)]
    made: list[MarginRule] = []
    for n in range(count):
        kind = n % 5
        fields: dict[str, object] = {}
        if kind == 0:
            fields = {"carrier": rng.choice(carriers), "flight_number": str(rng.randint(1, 999))}
        elif kind == 1:
            fields = {"carrier": rng.choice(carriers), "cabin": rng.choice([None, "business"])}
        elif kind == 2:
            fields = {"origin": rng.choice(airports), "destination": rng.choice(airports)}
        elif kind == 3:
            fields = {
                "country": rng.choice(countries),
                "country_side": rng.choice(list(CountrySide)),
            }
        made.append(
            MarginRule(
                id=f"r{n}",
                tenant_id="default",
                created_at=NOW - timedelta(minutes=n),
                percent=Decimal(rng.randint(0, 150)) / 1000,
                fixed_per_passenger=Money.of(rng.randint(0, 20), eur),
                valid_until=NOW + timedelta(days=30),
                priority=rng.randint(0, 3),
                **fields,  # type: ignore[arg-type]
            )
        )
    return made


async def run(count: int, rule_count: int) -> None:
    rng = random.Random(7)
    currencies = BabelCurrencies()
    eur = currencies.currency("EUR")
    clock = ManualClock(NOW)
    rates = {code: Decimal(rng.randint(50, 20000)) / 100 for code in CURRENCY_CODES}
    exchange = CurrencyExchange(
        sources=[FixedRates(rates, clock=clock)],
        currencies=currencies,
        clock=clock,
        max_age=timedelta(days=1),
    )
    started = time.perf_counter()
    book = MarginBook(rules(rule_count, rng))
    built = time.perf_counter() - started
    pricer = Pricer(margins=book, exchange=exchange)
    coupon = Coupon(
        "SPRING10", "default", percent_off=Decimal("0.10"), minimum_spend=Money.of(100, eur)
    )
    work = []
    for _ in range(1000):
        flight = FlightFacts(
            carrier(rng.randint(0, 59)),
            str(rng.randint(1, 999)),
            airport(rng.randint(0, 299)),
            airport(rng.randint(0, 299)),
            country(rng.randint(0, 79)),
            country(rng.randint(0, 79)),
            date(2030, 3, 1),
            rng.choice(["economy", "business"]),
        )
        quotes = [
            ProviderQuote(
                f"p{k}", Money.of(rng.randint(50, 2000), eur), Money.of(rng.randint(10, 200), eur)
            )
            for k in range(3)
        ]
        context = PricingContext(
            flight, rng.randint(1, 4), rng.choice(CURRENCY_CODES), NOW, coupon=coupon
        )
        work.append((quotes, context))
    for quotes, context in work[:200]:
        await pricer.price(quotes, context)
    started = time.perf_counter()
    for n in range(count):
        quotes, context = work[n % len(work)]
        await pricer.price(quotes, context)
    elapsed = time.perf_counter() - started
    rate = count / elapsed
    verdict = "ok" if rate >= TARGET else "MISSED"
    print(
        f"[pricing] {rule_count} rules indexed in {built * 1000:.0f} ms; "
        f"{len(CURRENCY_CODES) + 1} currencies; a coupon"
    )
    print(
        f"[pricing] {rate:,.0f} prices/s on one core ({elapsed / count * 1e6:.1f} us each; "
        f"target >= {TARGET:,}) -> {verdict}"
    )


def main() -> None:
    """Run the pricing benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prices", type=int, default=50_000)
    parser.add_argument("--rules", type=int, default=10_000)
    options = parser.parse_args()
    asyncio.run(run(options.prices, options.rules))


if __name__ == "__main__":
    main()
