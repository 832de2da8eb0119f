"""A fresh PostgreSQL schema per test, migrated, dropped afterwards (runs cannot collide)."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from adapters.persistence.engine import create_engine
from adapters.persistence.migrate import upgrade
from adapters.persistence.sql_unit_of_work import SqlUnitOfWorkFactory


class postgres_schema:  # noqa: N801 - used like a function
    """A fresh schema (own name per test), migrated; dropped afterwards."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._schema = f"test_{uuid.uuid4().hex[:12]}"

    @property
    def name(self) -> str:
        """The schema's name."""
        return self._schema

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
