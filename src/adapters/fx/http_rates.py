"""RateSource: a live JSON rate feed over HTTP (``{"base", "date", "rates"}``, e.g. Frankfurter)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import msgspec

from funflights_core.errors import RateUnavailable
from funflights_core.exchange import RateTable


class _Feed(msgspec.Struct):
    base: str
    date: date
    rates: dict[str, Decimal]


_decoder = msgspec.json.Decoder(_Feed, float_hook=Decimal)


class HttpRates:
    """Fetches the table from a configurable URL through the shared (injected) client."""

    def __init__(self, *, url: str, client: httpx.AsyncClient, timeout_s: float = 5.0) -> None:
        self._url = url
        self._client = client
        self._timeout_s = timeout_s

    async def table(self) -> RateTable:
        """The feed's current table; ``RateUnavailable`` saying why when it cannot be had."""
        try:
            response = await self._client.get(self._url, timeout=self._timeout_s)
        except httpx.HTTPError as exc:
            raise RateUnavailable(f"rate feed unreachable ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise RateUnavailable(f"rate feed answered HTTP {response.status_code}")
        try:
            feed = _decoder.decode(response.content)
        except msgspec.DecodeError:
            raise RateUnavailable("rate feed sent an unreadable table") from None
        if any(not rate.is_finite() or rate <= 0 for rate in feed.rates.values()):
            raise RateUnavailable("rate feed sent a rate that is not positive")
        as_of = datetime(feed.date.year, feed.date.month, feed.date.day, 15, tzinfo=UTC)
        host = httpx.URL(self._url).host
        return RateTable(feed.base.upper(), feed.rates, f"rate feed {host}", as_of)
