"""The persistence contract run against the fake, SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from offers_persistence_contract import OffersPersistenceContract
from persistence_contract import PersistenceContract
from pricing_persistence_contract import PricingPersistenceContract

from adapters.persistence.engine import create_engine
from adapters.persistence.in_memory import InMemoryDatabase
from adapters.persistence.migrate import upgrade
from adapters.persistence.sql_unit_of_work import SqlUnitOfWorkFactory
from funflights_core.unit_of_work import UnitOfWorkFactory
from postgres_schema import postgres_schema

POSTGRES_URL = os.environ.get("FUNFLIGHTS_TEST_DATABASE_URL")


class AllContracts(PersistenceContract, PricingPersistenceContract, OffersPersistenceContract):
    """Every repository's contract, for one database."""


class TestInMemoryPersistence(
    PersistenceContract, PricingPersistenceContract, OffersPersistenceContract
):
    @pytest.fixture
    async def database(self) -> AsyncIterator[UnitOfWorkFactory]:
        return InMemoryDatabase()


class TestSqlitePersistence(
    PersistenceContract, PricingPersistenceContract, OffersPersistenceContract
):
    @pytest.fixture
    async def database(self, tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        await upgrade(engine)
        yield SqlUnitOfWorkFactory(engine)
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(POSTGRES_URL is None, reason="FUNFLIGHTS_TEST_DATABASE_URL is not set")
class TestPostgresPersistence(
    PersistenceContract, PricingPersistenceContract, OffersPersistenceContract
):
    @pytest.fixture
    async def database(self) -> AsyncIterator[UnitOfWorkFactory]:
        assert POSTGRES_URL is not None
        async with postgres_schema(POSTGRES_URL) as factory:
            yield factory
