"""Async engines for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def create_engine(url: str, *, schema: str | None = None) -> AsyncEngine:
    """An engine for ``url``; ``schema`` (PostgreSQL only) becomes the search path."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    connect_args: dict[str, Any] = {}
    if schema is not None:
        connect_args["server_settings"] = {"search_path": schema}
    # hide_parameters: a database error's message (and a logged traceback) must not carry
    # emails, hashes or token digests.
    return create_async_engine(
        url, pool_pre_ping=True, connect_args=connect_args, hide_parameters=True
    )


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
