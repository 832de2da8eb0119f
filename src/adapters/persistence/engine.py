"""Async engines for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def create_engine(
    url: str, *, schema: str | None = None, pool_size: int | None = None
) -> AsyncEngine:
    """An engine for ``url``; ``schema`` (PostgreSQL only) becomes the search path;
    ``pool_size``: PostgreSQL connections kept open (SQLAlchemy's 5 unless given)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    connect_args: dict[str, Any] = {}
    if schema is not None:
        connect_args["server_settings"] = {"search_path": schema}
    # hide_parameters: a database error's message (and a logged traceback) must not carry
    # emails, hashes or token digests.
    sizing: dict[str, Any] = {} if pool_size is None else {"pool_size": pool_size}
    engine = create_async_engine(url, connect_args=connect_args, hide_parameters=True, **sizing)
    _ping_when_idle(engine)
    return engine


IDLE_BEFORE_PING_S = 10.0
"""A pooled connection unused this long is checked before it is handed out."""


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a connection on checkout only when it sat idle: SQLAlchemy's pool_pre_ping asks
    on every checkout (three round trips with asyncpg, ~12% of a booking's server time),
    while a connection in steady use has just proved itself. A server restarted under
    steady load fails the requests on the dropped connections once; the pool then
    replaces all of them."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("checked_in_at")
        if since is None or time.monotonic() - since < IDLE_BEFORE_PING_S:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:
            # The pool drops this connection and checks out another (its documented recipe).
            raise DisconnectionError("the pooled connection is gone") from exc


def _sqlite_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

    # The sqlite3 driver begins transactions itself, late, and cannot do SAVEPOINTs
    # reliably; SQLAlchemy's documented recipe takes that over. BEGIN IMMEDIATE takes the
    # write lock at once, so two writers queue instead of failing to upgrade a read lock.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
