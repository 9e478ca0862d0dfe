"""The Alembic migrations build exactly the tables the models describe (style.md D)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from heedful.signalserver import models
from heedful.signalserver.config import async_database_url
from heedful.signalserver.db import make_engine, migrate


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": models.owns}
    )
    return list(compare_metadata(context, SQLModel.metadata))


def _state(connection: Connection) -> tuple[set[str], str | None]:
    tables = set(inspect(connection).get_table_names())
    version = MigrationContext.configure(connection).get_current_revision()
    return tables, version


async def test_migrations_match_models(backend: str) -> None:
    engine = make_engine(async_database_url(backend))
    try:
        await migrate(engine)
        await migrate(engine)  # a second start applies nothing and breaks nothing
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            tables, version = await connection.run_sync(_state)
        assert {
            "policy_version",
            "credential",
            "removal_request",
            "violation",
            "crawler_day",
            "licence_client",
            "licence_issued",
            "licensed_fetch",
            "licence_key",
            "alembic_version",
        } <= tables
        assert version == "0004"
    finally:
        await engine.dispose()


async def test_other_packages_tables_do_not_disturb_the_check(backend: str) -> None:
    import heedful.crawler.ledger  # noqa: F401 -- puts the ledger's tables on the shared metadata

    await test_migrations_match_models(backend)


async def test_sqlite_runs_in_wal_with_full_sync(sqlite_url: str) -> None:
    engine = make_engine(async_database_url(sqlite_url))
    try:
        async with engine.connect() as connection:
            mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
            sync = (await connection.exec_driver_sql("PRAGMA synchronous")).scalar()
        assert mode == "wal"
        assert sync == 2  # FULL
    finally:
        await engine.dispose()
