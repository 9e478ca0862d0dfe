"""``Database.append``: the usage ledger's inserts, one transaction per group, on both backends.

On a SQLite file the group is committed through a second connection on the event loop's thread
(signalserver/db.py); these tests hold it to what the engine's own writes promise: the rows read
back through the engine exactly as written, a failed group leaves nothing behind, and a write
lock held by another process is waited for without stopping the loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from heedful.signalserver import db as db_module
from heedful.signalserver.config import async_database_url
from heedful.signalserver.db import Database, make_engine, migrate
from heedful.signalserver.models import LicensedFetch


def fetch(n: int, **changed: object) -> dict[str, object]:
    row: dict[str, object] = {
        "token_id": f"token-{n}",
        "licensee": "client-1",
        "offer_id": "photos",
        "path": f"/photos/{n}.html?é=1",
        "usage": "ai-input",
        "amount": "0.01",
        "currency": "USD",
        "policy_version": "v1",
        "identity": "unverified",
        "time": datetime(2026, 12, 7, 20, 0, n % 60, 123456 if n % 2 else 0),
    }
    row.update(changed)
    return row


@pytest.fixture
async def database(backend: str) -> AsyncIterator[Database]:
    engine = make_engine(async_database_url(backend))
    await migrate(engine)
    db = Database(engine)
    try:
        yield db
    finally:
        await db.dispose()


async def stored(db: Database) -> list[LicensedFetch]:
    async with db.read() as session:
        query = select(LicensedFetch).order_by(col(LicensedFetch.id))
        return list((await session.exec(query)).all())


async def test_rows_read_back_through_the_engine_as_they_were_written(database: Database) -> None:
    rows = [fetch(n) for n in range(5)]
    await database.append(LicensedFetch, rows[:2])
    await database.append(LicensedFetch, rows[2:])
    await database.append(LicensedFetch, [])

    back = await stored(database)
    assert [r.model_dump(exclude={"id"}) for r in back] == rows
    assert len({r.id for r in back}) == 5


async def test_a_failed_group_leaves_no_row_and_the_next_one_commits(database: Database) -> None:
    with pytest.raises(Exception, match=r"(?i)null"):
        await database.append(LicensedFetch, [fetch(1), fetch(2, path=None)])
    assert await stored(database) == []
    await database.append(LicensedFetch, [fetch(3)])
    assert [r.token_id for r in await stored(database)] == ["token-3"]


async def test_rows_must_all_have_the_same_columns(database: Database) -> None:
    short = fetch(2)
    del short["identity"]
    with pytest.raises(ValueError, match="columns"):
        await database.append(LicensedFetch, [fetch(1), short])
    assert await stored(database) == []


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[tuple[Database, Path]]:
    path = tmp_path / "heedful.db"
    engine = make_engine(async_database_url(f"sqlite:///{path}"))
    await migrate(engine)
    db = Database(engine)
    try:
        yield db, path
    finally:
        await db.dispose()


async def test_a_lock_held_elsewhere_is_waited_for_while_the_loop_runs(
    sqlite_database: tuple[Database, Path],
) -> None:
    db, path = sqlite_database
    other = sqlite3.connect(path, isolation_level=None)  # another process's writer
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    beat = asyncio.create_task(ticker())
    writing = asyncio.create_task(db.append(LicensedFetch, [fetch(1)]))
    await asyncio.sleep(0.3)
    assert not writing.done()
    assert ticks >= 20, "the event loop stopped while the write lock was taken elsewhere"
    other.execute("COMMIT")
    await asyncio.wait_for(writing, 5)
    beat.cancel()
    other.close()
    assert [r.token_id for r in await stored(db)] == ["token-1"]


async def test_a_lock_never_released_is_an_error_after_the_busy_timeout(
    sqlite_database: tuple[Database, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, path = sqlite_database
    monkeypatch.setattr(db_module, "BUSY_SECONDS", 0.2)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            await asyncio.wait_for(db.append(LicensedFetch, [fetch(1)]), 5)
    finally:
        other.execute("ROLLBACK")
        other.close()
    await db.append(LicensedFetch, [fetch(2)])
    assert [r.token_id for r in await stored(db)] == ["token-2"]
