"""The PostgreSQL pool: connections are checked only after sitting idle, and one the server
dropped meanwhile is replaced rather than failing the request that gets it."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence import engine as engines
from adapters.persistence.engine import create_engine
from entrypoints.settings import Settings

POSTGRES_URL = os.environ.get("FUNFLIGHTS_TEST_DATABASE_URL")
needs_postgres = pytest.mark.skipif(
    POSTGRES_URL is None, reason="FUNFLIGHTS_TEST_DATABASE_URL is not set"
)


async def _backend(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


@needs_postgres
async def test_a_connection_dropped_while_idle_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert POSTGRES_URL is not None
    engine = create_engine(POSTGRES_URL)
    admin = create_engine(POSTGRES_URL)
    try:
        first = await _backend(engine)
        assert await _backend(engine) == first  # pooled, and not pinged in steady use
        async with admin.begin() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        monkeypatch.setattr(engines, "IDLE_BEFORE_PING_S", 0.0)

        replaced = await _backend(engine)

        assert replaced != first
    finally:
        await engine.dispose()
        await admin.dispose()


@needs_postgres
async def test_without_the_idle_check_the_dropped_connection_fails_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What the check is for: the same drop, found by a request instead of the pool.
    assert POSTGRES_URL is not None
    monkeypatch.setattr(engines, "IDLE_BEFORE_PING_S", 3600.0)
    engine = create_engine(POSTGRES_URL)
    admin = create_engine(POSTGRES_URL)
    try:
        first = await _backend(engine)
        async with admin.begin() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})

        with pytest.raises(Exception):  # noqa: B017, PT011 - the driver's own disconnect error
            await _backend(engine)
        assert await _backend(engine) != first  # and the pool starts afresh
    finally:
        await engine.dispose()
        await admin.dispose()


def test_the_pool_keeps_as_many_connections_as_configured() -> None:
    # No connection is made to build an engine: this runs without a server.
    url = "postgresql+asyncpg://nobody@127.0.0.1:1/none"
    assert create_engine(url).sync_engine.pool.size() == 5  # type: ignore[attr-defined]
    sized = create_engine(url, pool_size=20)
    assert sized.sync_engine.pool.size() == 20  # type: ignore[attr-defined]
    assert Settings().database_pool_size == 20
