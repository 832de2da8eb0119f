"""Core statements built once, with bound parameters, run on the unit of work's connection.

A statement built per call (``select(t).where(t.c.id == value)``) and sent through the ORM
session cost ~240-340 us of CPU each in a micro-benchmark on PostgreSQL; built once and run
on the session's connection, ~150 us (asyncpg alone: ~70 us). A booking runs about twenty,
so the hot paths (bookings, seats, outbox, idempotency keys, audit, loyalty, offers, users)
use this module; the rest builds its statements where it needs them.

On PostgreSQL ``run`` goes one step further (ADR 0012): the statement is compiled once with
its parameter order and its columns' type conversions, and each call sends it on the
session's asyncpg connection, inside the session's transaction, skipping SQLAlchemy's
execution context and result machinery (~95 us a statement, a quarter of a booking's
server CPU). Errors come out as SQLAlchemy's own exceptions (``IntegrityError`` ...), and
a connection the server dropped is invalidated as SQLAlchemy would.
"""

from __future__ import annotations

import re
import weakref
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, cast

import attrs
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler

from adapters.persistence.asyncpg_link import LINK, AsyncpgLink

_UNLESS_TAKEN: dict[tuple[str, str], Executable] = {}
_COUNTED = re.compile(r"(?:SELECT|UPDATE|DELETE|INSERT \d+) (\d+)")


class Rows:
    """What a statement gave: its rows (read by attribute or position) and the rows it
    counted (``rowcount``: rows changed by an UPDATE, DELETE or INSERT)."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: Sequence[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        """The rows, in order."""
        return iter(self._rows)

    def all(self) -> list[Any]:
        """Every row."""
        return list(self._rows)

    def first(self) -> Any | None:
        """The first row, or None."""
        return self._rows[0] if self._rows else None

    def one_or_none(self) -> Any | None:
        """The only row, or None when there is none."""
        if len(self._rows) > 1:
            raise ValueError("more than one row where at most one was expected")
        return self._rows[0] if self._rows else None

    def scalar_one_or_none(self) -> Any | None:
        """The first column of the only row, or None when there is none."""
        row = self.one_or_none()
        return None if row is None else row[0]


@attrs.define
class _Compiled:
    """A statement as PostgreSQL gets it, and how values go in and come out."""

    sql: str
    defaults: Mapping[str, Any]
    required: frozenset[str]
    """Parameters without a default value: each call must give them."""
    names: tuple[str, ...]
    binds: tuple[Callable[[Any], Any] | None, ...]
    row: Callable[..., Any]
    types: tuple[Any, ...]
    """The SQLAlchemy type of each result column."""
    results: tuple[Callable[[Any], Any] | None, ...] | None = None
    """Each column's conversion: some depend on the type PostgreSQL reports, so they are
    looked up at the first execution."""

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        """The positional arguments for these parameters (defaults for those not given)."""
        missing = self.required - params.keys()
        if missing:
            # As SQLAlchemy refuses: a misspelt name must not quietly become NULL.
            raise ValueError(f"a value is required for {', '.join(sorted(missing))}")
        values = {**self.defaults, **params}
        return [
            value if bind is None else bind(value)
            for bind, value in zip(self.binds, (values[name] for name in self.names), strict=True)
        ]

    def rows(self, records: Sequence[Any], prepared: Any, dialect: Dialect) -> list[Any]:
        """Records converted as SQLAlchemy would (aware datetimes, exact decimals...)."""
        results = self.results
        if results is None:
            oids = [attribute.type.oid for attribute in prepared.get_attributes()]
            results = tuple(
                kind._cached_result_processor(dialect, oid)
                for kind, oid in zip(self.types, oids, strict=True)
            )
            self.results = results
        make = self.row
        if not any(results):
            return [make(*record) for record in records]
        return [
            make(*(v if f is None else f(v) for f, v in zip(results, record, strict=True)))
            for record in records
        ]


_COMPILED: weakref.WeakKeyDictionary[Executable, dict[frozenset[str], _Compiled | None]] = (
    weakref.WeakKeyDictionary()
)
"""Per statement (kept while the statement lives), per set of parameter names."""


def _compiled(statement: Executable, keys: frozenset[str], dialect: Dialect) -> _Compiled | None:
    """The statement compiled for asyncpg with these parameters (an INSERT or UPDATE sets
    the columns given), or None if it needs SQLAlchemy (lists expanded into IN, values
    rendered or defaults computed at execution)."""
    known = _COMPILED.get(statement)
    if known is None:
        known = _COMPILED[statement] = {}
    elif keys in known:
        return known[keys]
    compiled = cast(ClauseElement, statement).compile(dialect=dialect, column_keys=sorted(keys))
    assert isinstance(compiled, SQLCompiler)
    ready: _Compiled | None = None
    expands = any(b.expanding or b.literal_execute for b in compiled.binds.values())
    computed = compiled.insert_prefetch or compiled.update_prefetch
    if compiled.positiontup is not None and not expands and not computed:
        processors = cast(Mapping[str, Callable[[Any], Any]], compiled._bind_processors)
        names = tuple(compiled.positiontup)
        columns = compiled._result_columns
        fields = [column[0] for column in columns]
        ready = _Compiled(
            sql=str(compiled),
            defaults={key: bind.effective_value for key, bind in compiled.binds.items()},
            required=frozenset(key for key, bind in compiled.binds.items() if bind.required),
            names=names,
            binds=tuple(processors.get(name) for name in names),
            row=namedtuple("Row", fields, rename=True) if fields else tuple,
            types=tuple(column[3] for column in columns),
        )
    known[keys] = ready
    return ready


async def run(
    session: AsyncSession, statement: Executable, params: Mapping[str, Any] | None = None
) -> Rows:
    """Run a Core statement in the session's transaction, past the ORM's execute path."""
    given = params or {}
    link: AsyncpgLink | None = session.info.get(LINK)
    if link is not None:
        compiled = _compiled(statement, frozenset(given), link.connection.dialect)
        if compiled is not None:
            return await _on_asyncpg(link, compiled, compiled.arguments(given))
    connection = await session.connection()
    result = await connection.execute(statement, dict(given))
    rows = result.all() if result.returns_rows else []
    return Rows(rows, result.rowcount)


async def _on_asyncpg(link: AsyncpgLink, compiled: _Compiled, arguments: list[Any]) -> Rows:
    """Send the statement on the link's asyncpg connection under SQLAlchemy's own adapter:
    its lock, its transaction and its cache of prepared statements."""
    adapted = link.adapted
    try:
        async with adapted._execute_mutex:
            await link.begun()
            dialect: Any = link.connection.dialect
            prepared, _ = await adapted._prepare(
                compiled.sql, dialect._invalidate_schema_cache_asof
            )
            records = await prepared.fetch(*arguments)
            counted = _COUNTED.match(prepared.get_statusmsg() or "")
    except Exception as error:
        raise await link.translated(error, compiled.sql, arguments) from error
    rows = compiled.rows(records, prepared, link.connection.dialect)
    return Rows(rows, int(counted.group(1)) if counted else -1)


def dialect_of(session: AsyncSession) -> str:
    """The name of the session's database dialect (``postgresql``, ``sqlite``)."""
    return session.bind.dialect.name if session.bind is not None else ""


async def inserted(session: AsyncSession, table: Table, values: Mapping[str, Any]) -> bool:
    """Insert a row unless its primary key is taken: whether it was inserted.

    ``ON CONFLICT DO NOTHING`` keeps the transaction usable without a savepoint; on
    PostgreSQL a concurrent insert of the same key waits for the other to end first.
    """
    dialect = dialect_of(session)
    statement = _UNLESS_TAKEN.get((table.name, dialect))
    if statement is None:
        build = postgresql_insert if dialect == "postgresql" else sqlite_insert
        keys = [column.name for column in table.primary_key.columns]
        statement = build(table).on_conflict_do_nothing(index_elements=keys)
        statement = statement.returning(table.c[keys[0]])
        _UNLESS_TAKEN[(table.name, dialect)] = statement
    return (await run(session, statement, values)).first() is not None
