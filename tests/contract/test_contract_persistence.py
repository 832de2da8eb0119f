"""The persistence contract run against the fake, SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from persistence_contract import PersistenceContract
from sqlalchemy import text

from adapters.persistence.engine import create_engine
from adapters.persistence.in_memory import InMemoryDatabase
from adapters.persistence.migrate import upgrade
from adapters.persistence.sql_unit_of_work import SqlUnitOfWorkFactory
from funflights_core.unit_of_work import UnitOfWorkFactory

POSTGRES_URL = os.environ.get("FUNFLIGHTS_TEST_DATABASE_URL")


class TestInMemoryPersistence(PersistenceContract):
    @pytest.fixture
    async def database(self) -> AsyncIterator[UnitOfWorkFactory]:
        return InMemoryDatabase()


class TestSqlitePersistence(PersistenceContract):
    @pytest.fixture
    async def database(self, tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        await upgrade(engine)
        yield SqlUnitOfWorkFactory(engine)
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(POSTGRES_URL is None, reason="FUNFLIGHTS_TEST_DATABASE_URL is not set")
class TestPostgresPersistence(PersistenceContract):
    @pytest.fixture
    async def database(self) -> AsyncIterator[UnitOfWorkFactory]:
        assert POSTGRES_URL is not None
        async with postgres_schema(POSTGRES_URL) as factory:
            yield factory


class postgres_schema:  # noqa: N801 - used like a function
    """A fresh schema (own name per test), migrated; dropped afterwards."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._schema = f"test_{uuid.uuid4().hex[:12]}"

    async def __aenter__(self) -> SqlUnitOfWorkFactory:
        admin = create_engine(self._url)
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{self._schema}"'))
        await admin.dispose()
        self._engine = create_engine(self._url, schema=self._schema)
        await upgrade(self._engine)
        return SqlUnitOfWorkFactory(self._engine)

    async def __aexit__(self, *_: object) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{self._schema}" CASCADE'))
        await self._engine.dispose()
