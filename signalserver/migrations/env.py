"""Alembic environment for the signal server (style.md D: the async template).

The server runs migrations itself at start, handing Alembic an open connection in
``config.attributes["connection"]``. Run by hand (``alembic -c signalserver/migrations/alembic.ini
upgrade head``), the URL comes from ``HEEDFUL_DATABASE_URL`` (plain ``sqlite:///`` and
``postgresql://`` forms work), never from the ini file.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from heedful.signalserver import models
from heedful.signalserver.config import async_database_url
from heedful.signalserver.db import make_engine

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER a column in place
        compare_type=True,
        include_object=models.owns,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    url = async_database_url(os.environ.get("HEEDFUL_DATABASE_URL", "sqlite:///heedful.db"))
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run against a database")
run_migrations_online()
