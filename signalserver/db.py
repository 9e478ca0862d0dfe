"""The database engine: created in a cleanup context, migrated at start, disposed at stop.

SQLite runs in WAL mode with ``synchronous=FULL``: every commit is on disk before the response
that acknowledges it leaves (issue 3: nothing is lost when the server is killed mid-request).
NORMAL would be faster, but in WAL mode it may lose the last transactions on power loss, and an
acknowledged removal request must survive that too. PostgreSQL commits are durable by default.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

log = logging.getLogger(__name__)

MIGRATIONS: Final = Path(__file__).resolve().parent / "migrations"
SQLITE_PRAGMAS: Final = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
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

    @asynccontextmanager
    async def append(self) -> AsyncIterator[AsyncConnection]:
        """A Core transaction for rows that are only ever inserted (the usage ledger): no ORM
        session to set up, committed when the block ends, queued with the other writers."""
        async with self._write_lock or nullcontext(), self.engine.begin() as connection:
            yield connection
