"""The RateSource contract: the bundled ECB rates, a fixed table and a live HTTP feed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from adapters.clocks import ManualClock
from adapters.fx.ecb_bundled_rates import EcbBundledRates
from adapters.fx.fixed_rates import FixedRates
from adapters.fx.http_rates import HttpRates
from funflights_core.errors import RateUnavailable
from funflights_core.exchange import RateSource

FEED = (
    b'{"base": "EUR", "date": "2030-01-02", '
    b'"rates": {"USD": 1.0812, "JPY": 163.2, "GBP": "0.8561", "CHF": 0.9394}}'
)


def http_source(body: bytes = FEED, status: int = 200) -> HttpRates:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, content=body))
    return HttpRates(
        url="https://rates.example/latest", client=httpx.AsyncClient(transport=transport)
    )


@pytest.fixture(params=["ecb", "fixed", "http"])
def source(request: pytest.FixtureRequest) -> RateSource:
    if request.param == "ecb":
        return EcbBundledRates()
    if request.param == "fixed":
        rates = {"USD": Decimal("1.0812"), "JPY": Decimal("163.2"), "GBP": Decimal("0.8561")}
        return FixedRates(rates, clock=ManualClock(datetime(2030, 1, 2, tzinfo=UTC)))
    return http_source()


async def test_a_table_against_the_euro_with_exact_rates(source: RateSource) -> None:
    table = await source.table()

    assert table.base == "EUR"
    assert table.as_of.tzinfo is not None
    for code in ("USD", "JPY", "GBP"):
        assert isinstance(table.rates[code], Decimal)
        assert table.rates[code] > 0
    assert table.mid_rate("EUR", "EUR") == 1
    assert table.mid_rate("USD", "GBP") == table.rates["GBP"] / table.rates["USD"]
    with pytest.raises(RateUnavailable):
        table.mid_rate("EUR", "XXX")


async def test_http_rates_keep_the_feeds_digits() -> None:
    table = await http_source().table()

    assert table.rates["USD"] == Decimal("1.0812")
    assert table.rates["GBP"] == Decimal("0.8561")
    assert table.as_of == datetime(2030, 1, 2, 15, tzinfo=UTC)
    assert table.source == "rate feed rates.example"


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (FEED, 503, "HTTP 503"),
        (b"<html>", 200, "unreadable"),
        (b'{"base": "EUR", "date": "2030-01-02", "rates": {"USD": -1}}', 200, "not positive"),
        (b'{"base": "EUR", "date": "2030-01-02", "rates": {"USD": "NaN"}}', 200, "not positive"),
        (b'{"base": "EUR", "date": "2030-01-02", "rates": {"USD": "Infinity"}}', 200, "not pos"),
    ],
)
async def test_a_broken_feed_is_unavailable_saying_why(
    body: bytes, status: int, reason: str
) -> None:
    with pytest.raises(RateUnavailable, match=reason):
        await http_source(body, status).table()


async def test_an_unreachable_feed_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    source = HttpRates(
        url="https://rates.example/latest",
        client=httpx.AsyncClient(transport=httpx.MockTransport(refuse)),
    )

    with pytest.raises(RateUnavailable, match="unreachable"):
        await source.table()
