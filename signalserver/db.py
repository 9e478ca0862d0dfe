"""The database engine: created in a cleanup context, migrated at start, disposed at stop.

SQLite runs in WAL mode with ``synchronous=FULL``: every commit is on disk before the response
that acknowledges it leaves (nothing is lost when the server is killed mid-request).
NORMAL would be faster, but in WAL mode it may lose the last transactions on power loss, and an
acknowledged removal request must survive that too. PostgreSQL commits are durable by default.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config
from sqlalchemy import event, insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

log = logging.getLogger(__name__)

MIGRATIONS: Final = Path(__file__).resolve().parent / "migrations"
BUSY_SECONDS: Final = 10
"""How long a writer waits for another process's write lock."""
SQLITE_PRAGMAS: Final = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}",
)


def make_engine(database_url: str) -> AsyncEngine:
    """An async engine; SQLite connections get the durability pragmas on connect."""
    engine = create_async_engine(database_url, pool_pre_ping=not is_sqlite(database_url))
    if is_sqlite(database_url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration without an ini file: the URL comes from the server's config."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


async def migrate(engine: AsyncEngine) -> None:
    """Apply every migration not yet applied (``alembic upgrade head``) on ``engine``."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


class Database:
    """The engine plus a lock that serialises writers on SQLite.

    SQLite allows one writer; a deferred transaction that read first and then writes can fail
    with SQLITE_BUSY at once (busy_timeout does not help there), so writes queue here instead.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._write_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        self._appender: _SqliteAppender | None = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with AsyncSession(self.engine, expire_on_commit=False) as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction committed when the block ends (before any response is sent)."""
        async with (
            self._write_lock or nullcontext(),
            AsyncSession(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    async def append(self, model: type[SQLModel], rows: Sequence[Mapping[str, object]]) -> None:
        """Insert ``rows`` into the table of ``model``, one that is only ever inserted into (the
        usage ledger), in one transaction committed before this returns; queued with the other
        writers.

        On a SQLite file the transaction is one call into the sqlite3 module on the event loop's
        own thread, through a second connection with the same pragmas (:class:`_SqliteAppender`).
        Through aiosqlite every statement (begin, insert, commit, the pool's reset) is a
        hand-over to its worker thread and back, and a worker thread of any kind waits for the
        GIL while the loop is busy; under load those hand-overs cost more than the insert
        (bench/bench_licence.py). PostgreSQL's driver is asynchronous: its transaction stays on
        the engine.
        """
        if not rows:
            return
        columns = rows[0].keys()
        if any(row.keys() != columns for row in rows):
            raise ValueError(f"every row of a group needs the columns {sorted(columns)}")
        if self._write_lock is None or not _is_file(self.engine):
            async with self._write_lock or nullcontext(), self.engine.begin() as connection:
                await connection.execute(insert(model), list(rows))
            return
        if self._appender is None:
            self._appender = _SqliteAppender(self.engine)
        async with self._write_lock:
            await self._appender.insert(model, rows)

    async def dispose(self) -> None:
        """Close every connection: the engine's pool and the SQLite appender's."""
        if self._appender is not None:
            self._appender.close()
            self._appender = None
        await self.engine.dispose()


def _is_file(engine: AsyncEngine) -> bool:
    """Whether a SQLite engine opens a file a second connection can share (not ``:memory:``)."""
    database = engine.url.database
    return bool(database) and database != ":memory:" and not str(database).startswith("file:")


@dataclass(frozen=True, slots=True)
class _Prepared:
    """An INSERT compiled once by SQLAlchemy for one table and set of columns, with the
    column types' own conversions (e.g. how a datetime is stored), run through the DB-API."""

    sql: str
    columns: tuple[str, ...]
    convert: tuple[Callable[[Any], Any] | None, ...]

    def values(self, row: Mapping[str, object]) -> tuple[object, ...]:
        return tuple(
            row[name] if convert is None else convert(row[name])
            for name, convert in zip(self.columns, self.convert, strict=True)
        )


class _SqliteAppender:
    """A second connection to the engine's SQLite file that commits a group of inserts in one
    call, on the event loop's thread.

    The call blocks the loop for the commit's write and fsync (a fraction of a millisecond on a
    local SSD, once per group, not per row); the loop already reads static files the same way.
    What must not block it is waiting for another process's write lock (``heedful serve
    --workers``): this connection has no busy timeout, and a busy database is retried with an
    ``await`` between tries, for as long as the engine's connections would wait.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._dialect = engine.dialect
        self._path = str(engine.url.database)
        self._connection: sqlite3.Connection | None = None
        self._prepared: dict[tuple[str, tuple[str, ...]], _Prepared] = {}

    async def insert(self, model: type[SQLModel], rows: Sequence[Mapping[str, object]]) -> None:
        prepared = self._prepare(model, tuple(rows[0]))
        values = [prepared.values(row) for row in rows]
        connection = self._connect()
        deadline = time.monotonic() + BUSY_SECONDS
        pause = 0.001
        while not self._begin(connection):
            if time.monotonic() > deadline:
                raise sqlite3.OperationalError(
                    f"database is locked: no write lock on {self._path} in {BUSY_SECONDS} s"
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)
        try:
            connection.executemany(prepared.sql, values)
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None)
            _sqlite_pragmas(connection, None)
            connection.execute("PRAGMA busy_timeout=0")
            self._connection = connection
        return self._connection

    @staticmethod
    def _begin(connection: sqlite3.Connection) -> bool:
        """Take the write lock now; ``False`` when another connection holds it."""
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode == sqlite3.SQLITE_BUSY:
                return False
            raise
        return True

    def _prepare(self, model: type[SQLModel], columns: tuple[str, ...]) -> _Prepared:
        key = (model.__name__, columns)
        prepared = self._prepared.get(key)
        if prepared is None:
            compiled = insert(model).compile(dialect=self._dialect, column_keys=list(columns))
            order = tuple(compiled.positiontup or ())
            convert = tuple(
                compiled.binds[name].type.dialect_impl(self._dialect).bind_processor(self._dialect)
                for name in order
            )
            prepared = self._prepared[key] = _Prepared(str(compiled), order, convert)
        return prepared

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
