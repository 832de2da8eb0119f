"""Two providers writing one flight at once: each one's fares survive (PostgreSQL)."""

from __future__ import annotations

import asyncio
import os

import attrs
import pytest
from test_contract_flight_inventory import CURRENCIES, EUR, a_flight

from adapters.persistence.sql_flights import SqlFlights
from funflights_core.flight import CabinClass, Fare
from funflights_core.money import Money
from postgres_schema import postgres_schema

POSTGRES_URL = os.environ.get("FUNFLIGHTS_TEST_DATABASE_URL")


@pytest.mark.postgres
@pytest.mark.skipif(POSTGRES_URL is None, reason="FUNFLIGHTS_TEST_DATABASE_URL is not set")
async def test_concurrent_providers_keep_each_others_fares() -> None:
    assert POSTGRES_URL is not None
    async with postgres_schema(POSTGRES_URL) as database:
        flights = SqlFlights(database.engine, CURRENCIES)
        await flights.upsert([a_flight()])
        for round_ in range(10):
            copies = [
                attrs.evolve(
                    a_flight(),
                    fares=(
                        Fare(
                            provider,
                            CabinClass.ECONOMY,
                            Money.of(400 + round_, EUR),
                            Money.of(80, EUR),
                        ),
                    ),
                )
                for provider in ("p2", "p3")
            ]
            await asyncio.gather(*(flights.upsert([copy]) for copy in copies))
            stored = await flights.flight(a_flight().id)
            assert stored is not None
            economy = {f.provider: f.base_fare for f in stored.fares_for(CabinClass.ECONOMY)}
            assert economy["p2"] == economy["p3"] == Money.of(400 + round_, EUR)
