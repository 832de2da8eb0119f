"""Pre-built statements sent straight on asyncpg (``statements.run``) behave as SQLAlchemy
would: inside the unit of work's transaction, with its conversions, its exceptions, and a
dropped connection invalidated and replaced."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import cast

import pytest
from sqlalchemy import Numeric, Table, bindparam, func, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from adapters.persistence import engine as engines
from adapters.persistence import statements
from adapters.persistence.engine import create_engine
from adapters.persistence.rows import LoyaltyEntryRow
from adapters.persistence.sql_unit_of_work import SqlUnitOfWorkFactory
from adapters.persistence.statements import run
from postgres_schema import postgres_schema

POSTGRES_URL = os.environ.get("FUNFLIGHTS_TEST_DATABASE_URL")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(POSTGRES_URL is None, reason="FUNFLIGHTS_TEST_DATABASE_URL is not set"),
]

ENTRIES = cast(Table, LoyaltyEntryRow.__table__)
ADD = insert(ENTRIES)
MINE = select(ENTRIES.c.id, ENTRIES.c.at, ENTRIES.c.spend_amount).where(
    ENTRIES.c.customer_id == bindparam("who")
)
POINTS = select(ENTRIES.c.points).where(ENTRIES.c.customer_id == bindparam("who"))
SPENT = select(func.sum(ENTRIES.c.spend_amount.cast(Numeric())).label("total")).where(
    ENTRIES.c.customer_id == bindparam("who")
)
AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def entry(customer: str, amount: str = "10.10", **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "tenant_id": "default",
        "customer_id": customer,
        "kind": "earn",
        "points": 10,
        "at": AT,
        "booking_id": "B1",
        "spend_amount": Decimal(amount),
        "spend_currency": "USD",
    }
    return values | changes


async def _backend(database: SqlUnitOfWorkFactory) -> int:
    async with database.for_tenant("default") as uow:
        return int((await uow.session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_it_takes_the_asyncpg_path_and_converts_values_both_ways() -> None:
    assert POSTGRES_URL is not None
    async with postgres_schema(POSTGRES_URL) as database:
        async with database.for_tenant("default") as uow:
            await run(uow.session, ADD, entry("c1", "0.10"))
            await run(
                uow.session,
                ADD,
                entry("c1", "1.05", at=AT.astimezone(timezone(timedelta(hours=5)))),
            )
            rows = (await run(uow.session, MINE, {"who": "c1"})).all()
            total = (await run(uow.session, SPENT, {"who": "c1"})).scalar_one_or_none()
            await uow.commit()
        assert [row.spend_amount for row in rows] == [Decimal("0.10"), Decimal("1.05")]
        assert {row.at for row in rows} == {AT}  # aware, in UTC, whatever zone went in
        assert all(row.at.tzinfo is not None for row in rows)
        assert total == Decimal("1.15")
        assert isinstance(total, Decimal)
        compiled = list(statements._COMPILED[MINE].values())
        assert compiled
        assert compiled[0] is not None  # not SQLAlchemy's execution path


async def test_it_runs_inside_the_transaction_of_the_unit_of_work() -> None:
    assert POSTGRES_URL is not None
    async with postgres_schema(POSTGRES_URL) as database:
        async with database.for_tenant("default") as uow:
            await run(uow.session, ADD, entry("c1"))
            assert len((await run(uow.session, MINE, {"who": "c1"})).all()) == 1
            # not committed: leaving the block rolls it back
        async with database.for_tenant("default") as uow:
            assert (await run(uow.session, MINE, {"who": "c1"})).all() == []
        async with database.for_tenant("default", one_statement=True) as uow:
            await run(uow.session, ADD, entry("c2"))  # autocommit: durable on its own
        async with database.for_tenant("default") as uow:
            assert len((await run(uow.session, MINE, {"who": "c2"})).all()) == 1


async def test_errors_are_sqlalchemys_and_the_unit_of_work_still_rolls_back() -> None:
    assert POSTGRES_URL is not None
    async with postgres_schema(POSTGRES_URL) as database:
        first = entry("c1")
        async with database.for_tenant("default") as uow:
            await run(uow.session, ADD, first)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            await run(uow.session, ADD, entry("c1"))
            with pytest.raises(IntegrityError) as raised:
                await run(uow.session, ADD, first)  # the same id
            assert "duplicate key" in str(raised.value.orig)
            assert str(first["id"]) not in str(raised.value)  # parameters are hidden
        async with database.for_tenant("default") as uow:
            assert len((await run(uow.session, MINE, {"who": "c1"})).all()) == 1


async def test_a_connection_the_server_dropped_fails_once_then_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert POSTGRES_URL is not None
    monkeypatch.setattr(engines, "IDLE_BEFORE_PING_S", 3600.0)  # no checkout ping
    async with postgres_schema(POSTGRES_URL) as database:
        first = await _backend(database)
        assert await _backend(database) == first
        admin = create_engine(POSTGRES_URL)
        try:
            async with admin.begin() as connection:
                sql = text("SELECT pg_terminate_backend(:pid)")
                await connection.execute(sql, {"pid": first})
        finally:
            await admin.dispose()

        with pytest.raises(DBAPIError) as raised:
            async with database.for_tenant("default", one_statement=True) as uow:
                await run(uow.session, MINE, {"who": "c1"})
        assert raised.value.connection_invalidated

        assert await _backend(database) != first
        async with database.for_tenant("default", one_statement=True) as uow:
            assert (await run(uow.session, MINE, {"who": "c1"})).all() == []


async def _count(database: SqlUnitOfWorkFactory, customer: str) -> int:
    async with database.for_tenant("default", one_statement=True) as uow:
        return len((await run(uow.session, MINE, {"who": customer})).all())


async def _add_through_the_session(uow: object, customer: str) -> None:
    session = uow.session  # type: ignore[attr-defined]
    await session.execute(ADD, entry(customer))  # SQLAlchemy's own execution path


@pytest.mark.parametrize("session_first", [True, False])
async def test_both_ways_of_running_statements_share_one_transaction(
    session_first: bool,
) -> None:
    assert POSTGRES_URL is not None
    async with postgres_schema(POSTGRES_URL) as database:
        async with database.for_tenant("default") as uow:
            if session_first:
                await _add_through_the_session(uow, "c1")
            await run(uow.session, ADD, entry("c1"))
            if not session_first:
                await _add_through_the_session(uow, "c1")
            # each way sees what the other wrote, before any commit
            assert len((await run(uow.session, MINE, {"who": "c1"})).all()) == 2
        assert await _count(database, "c1") == 0  # both rolled back

        async with database.for_tenant("default") as uow:
            await _add_through_the_session(uow, "c2")
            await run(uow.session, ADD, entry("c2"))
            await uow.commit()
            await run(uow.session, ADD, entry("c2"))  # after a commit, work begins again
            await _add_through_the_session(uow, "c2")
            await uow.rollback()
            await run(uow.session, ADD, entry("c2"))
        assert await _count(database, "c2") == 2  # only what was committed

        async with database.for_tenant("default", one_statement=True) as uow:
            await _add_through_the_session(uow, "c3")  # not a pre-built statement: committed
            await uow.commit()  # as callers do
            await _add_through_the_session(uow, "c3")  # and this one is not
        assert await _count(database, "c3") == 1


async def _add_twice(database: SqlUnitOfWorkFactory, values: dict[str, object]) -> None:
    async with database.for_tenant("default", one_statement=True) as uow:
        await run(uow.session, ADD, values)
        await run(uow.session, ADD, values)


async def test_every_unit_of_work_gives_its_connection_back() -> None:
    assert POSTGRES_URL is not None
    async with postgres_schema(POSTGRES_URL) as database:
        pool = database.engine.sync_engine.pool
        for _ in range(30):
            async with database.for_tenant("default") as uow:
                await run(uow.session, ADD, entry("c1"))
                await _add_through_the_session(uow, "c1")
            with pytest.raises(IntegrityError):
                await _add_twice(database, entry("c1"))
        assert pool.checkedout() == 0  # type: ignore[attr-defined]
        assert await _count(database, "c1") == 30  # the autocommitted first of each pair


async def test_a_statement_built_per_call_is_not_kept_after_it() -> None:
    assert POSTGRES_URL is not None
    async with postgres_schema(POSTGRES_URL) as database:
        async with database.for_tenant("default", one_statement=True) as uow:
            await run(uow.session, MINE, {"who": "c1"})
            before = len(statements._COMPILED)
            for n in range(50):
                built = select(ENTRIES.c.id).where(ENTRIES.c.points == bindparam("n"))
                await run(uow.session, built, {"n": n})
            del built
            gc.collect()
        assert len(statements._COMPILED) <= before + 1
        assert MINE in statements._COMPILED  # a module's own statements stay compiled


async def test_connections_beyond_the_pool_size_are_closed_when_given_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert POSTGRES_URL is not None
    async with postgres_schema(POSTGRES_URL) as database:
        pool = database.engine.sync_engine.pool
        release = asyncio.Event()

        async def busy() -> None:
            async with database.for_tenant("default") as uow:
                await run(uow.session, MINE, {"who": "c1"})
                await release.wait()

        tasks = [asyncio.create_task(busy()) for _ in range(8)]  # 5 pooled, 3 overflow
        await asyncio.sleep(0.3)
        assert pool.checkedout() == 8  # type: ignore[attr-defined]
        release.set()
        with caplog.at_level(logging.ERROR, logger="sqlalchemy.pool"):
            await asyncio.gather(*tasks)
        assert not caplog.records  # the overflow ones were closed (awaited), not dropped
        assert pool.checkedin() == pool.size()  # type: ignore[attr-defined]


async def test_statements_are_prepared_again_after_a_schema_change() -> None:
    assert POSTGRES_URL is not None
    schema = postgres_schema(POSTGRES_URL)
    async with schema:
        # One pooled connection: the one that prepared the statement meets the change.
        engine = create_engine(POSTGRES_URL, schema=schema.name, pool_size=1)
        database = SqlUnitOfWorkFactory(engine)
        try:
            async with database.for_tenant("default") as uow:
                await run(uow.session, POINTS, {"who": "c1"})  # prepared on it
            admin = create_engine(POSTGRES_URL)
            try:
                async with admin.begin() as connection:
                    table = f'"{schema.name}".loyalty_entries'
                    sql = f"ALTER TABLE {table} ALTER COLUMN points TYPE bigint"
                    await connection.execute(text(sql))
            finally:
                await admin.dispose()
            outcomes = []
            for _ in range(3):
                try:
                    async with database.for_tenant("default") as uow:
                        outcomes.append((await run(uow.session, POINTS, {"who": "c1"})).all())
                except DBAPIError:
                    outcomes.append(None)
        finally:
            await engine.dispose()
        assert outcomes[1:] == [[], []]  # at most the first fails


async def test_a_parameter_not_given_is_refused_not_taken_as_null() -> None:
    assert POSTGRES_URL is not None
    async with postgres_schema(POSTGRES_URL) as database, database.for_tenant("default") as uow:
        with pytest.raises(ValueError, match="who"):
            await run(uow.session, MINE, {"whom": "c1"})
