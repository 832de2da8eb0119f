"""The migrations build exactly the schema the row classes describe (SQLite, PostgreSQL)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.engine import create_engine
from adapters.persistence.migrate import current_revision, head_revision, upgrade
from adapters.persistence.rows import Base
from postgres_schema import postgres_schema

POSTGRES_URL = os.environ.get("FUNFLIGHTS_TEST_DATABASE_URL")


async def differences(engine: AsyncEngine) -> list[object]:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
            )
        )


async def test_sqlite_schema_matches_the_rows(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    await upgrade(engine)

    assert await current_revision(engine) == head_revision()
    assert await differences(engine) == []
    await engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(POSTGRES_URL is None, reason="FUNFLIGHTS_TEST_DATABASE_URL is not set")
async def test_postgres_schema_matches_the_rows() -> None:
    assert POSTGRES_URL is not None
    async with postgres_schema(POSTGRES_URL) as factory:
        assert await differences(factory.engine) == []
