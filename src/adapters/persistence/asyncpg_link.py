"""A unit of work's own PostgreSQL connection, used two ways in one transaction.

SQLAlchemy's session costs ~250 us of CPU a unit of work on top of the statements (its
connection checkout, transaction and close machinery: ~330 us for a one-statement unit of
work against ~130 us for the pool checkout and the statement alone), and a booking opens
about seven. So on asyncpg a unit of work checks a connection out of the engine's pool
itself: the pre-built statements (``statements.run``) go straight to asyncpg on it, and a
SQLAlchemy session bound to the same connection serves every other statement, inside the
same transaction (ADR 0012).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.pool import QueuePool

LINK = "asyncpg_link"
"""The key of a session's ``info`` holding the link it is bound to."""


class AsyncpgLink:
    """One pooled connection: asyncpg for the pre-built statements, a bound session for the
    rest; ``autocommit``: the pre-built statements run without BEGIN (the session's still
    run in a transaction, which ``commit`` ends)."""

    def __init__(self, engine: AsyncEngine, pooled: Any, *, autocommit: bool) -> None:
        self.adapted: Any = pooled.dbapi_connection
        """SQLAlchemy's adapter of the asyncpg connection: its lock, transaction, and cache
        of prepared statements are shared with the session's statements."""
        self.autocommit = autocommit
        self.connection = AsyncConnection(engine, Connection(engine.sync_engine, pooled))
        self.session = AsyncSession(bind=self.connection, expire_on_commit=False)
        self.session.info[LINK] = self

    @classmethod
    async def open(cls, engine: AsyncEngine, *, autocommit: bool) -> AsyncpgLink:
        """A connection checked out of the engine's pool (pinged there if it sat idle)."""
        pooled = await engine.raw_connection()
        try:
            return cls(engine, pooled, autocommit=autocommit)
        except BaseException:
            pooled.close()
            raise

    async def begun(self) -> Any:
        """The adapted connection, in a transaction unless in autocommit."""
        adapted = self.adapted
        if not self.autocommit and adapted._transaction is None:
            await adapted._start_transaction()
        return adapted

    async def commit(self) -> None:
        """Commit what either way of running statements did."""
        if self.session.in_transaction():
            await self.session.commit()  # its connection commits the asyncpg transaction
        await self._end("commit")

    async def rollback(self) -> None:
        """Roll back what either way of running statements did."""
        if self.session.in_transaction():
            await self.session.rollback()
        await self._end("rollback")

    async def close(self) -> None:
        """Roll back what was not committed, and give the connection back to the pool."""
        try:
            await self.rollback()
        finally:
            try:
                if self.session.sync_session.identity_map:
                    await self.session.close()  # objects it loaded are detached
            finally:
                if self._kept_without_io():
                    # Nothing is left to roll back and the pool keeps it, so giving the
                    # connection back does no I/O: done directly, without the two greenlet
                    # switches (~40 us).
                    self.connection.sync_connection.close()  # type: ignore[union-attr]
                else:
                    await self.connection.close()  # closing one the pool does not keep awaits

    def _kept_without_io(self) -> bool:
        if self.adapted._transaction is not None or self.connection.invalidated:
            return False
        pool = self.connection.sync_engine.pool
        # A connection beyond the pool's size (overflow) is closed on return, which awaits.
        # Nothing awaits between this check and the return, so no other can fill the pool.
        return isinstance(pool, QueuePool) and pool.checkedin() < pool.size()

    async def _end(self, how: str) -> None:
        adapted = self.adapted
        transaction = adapted._transaction
        if transaction is None:
            return
        try:
            await getattr(transaction, how)()
        except Exception as error:
            raise await self.translated(error, how.upper(), ()) from error
        finally:
            adapted._transaction = None

    async def translated(self, error: Exception, sql: str, arguments: Sequence[Any]) -> Exception:
        """The error as SQLAlchemy raises it (``IntegrityError`` ...), parameters hidden; a
        connection the server dropped is invalidated, with every connection the pool opened
        before it, as SQLAlchemy does."""
        connection = self.connection
        dialect = connection.dialect
        dbapi = dialect.loaded_dbapi
        try:
            self.adapted._handle_exception(error)  # raises the DBAPI form of the error
        except Exception as dbapi_error:
            error = dbapi_error
        if isinstance(error, dbapi.InvalidCachedStatementError | dbapi.InternalServerError):
            # A schema change made prepared statements stale: as SQLAlchemy does, every
            # connection prepares them again from now on (this one fails once).
            dialect._invalidate_schema_cache()  # type: ignore[attr-defined]
        gone = isinstance(error, dbapi.Error) and dialect.is_disconnect(error, self.adapted, None)
        wrapped = DBAPIError.instance(
            sql,
            list(arguments),
            error,
            dbapi.Error,
            hide_parameters=True,
            connection_invalidated=gone,
            dialect=dialect,
        )
        if gone:
            pooled = connection.sync_connection.connection  # type: ignore[union-attr]
            connection.sync_engine.pool._invalidate(pooled, error)
            await connection.invalidate(error)
        return wrapped
