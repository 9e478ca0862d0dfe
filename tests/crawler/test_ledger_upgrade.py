"""A ledger an earlier version wrote still opens, reads whole and takes new rows.

Two earlier layouts: the first ledgers lacked the ``aipref_draft`` and ``uses`` columns (added
with a default, crawler.ledger.ADDED_COLUMNS), and schema 1 kept structured values as JSON text
in TEXT columns, ``''`` meaning "not recorded". Opening such a ledger migrates it in place
(crawler.ledger.Ledger.upgrade): the JSON text reads back as the same values, ``''`` as ``None``,
and on PostgreSQL the columns become JSON columns. Run on SQLite, and on PostgreSQL when one
answers (tests.helpers.services).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from heedful.crawler.ledger import SCHEMA_VERSION, Ledger, SignalSnapshot, UrlEvent, utcnow
from tests.helpers.databases import (
    create_database_sync,
    drop_database_sync,
    fetch,
    fetch_sync,
)
from tests.helpers.services import database_url

ROW = {
    "crawl_id": "c1",
    "url": "https://pub.example/a",
    "origin": "https://pub.example",
    "status": "refused",
    "stage": "after-fetch",
    "verdict": "license",
    "use": "ai-train",
    "mode": "opt-out",
}
OLD_EVENTS = (
    "CREATE TABLE heedful_url_event (id {serial} PRIMARY KEY, crawl_id TEXT NOT NULL,"
    " event TEXT NOT NULL, url TEXT NOT NULL, origin TEXT NOT NULL, status TEXT NOT NULL,"
    " stage TEXT NOT NULL, verdict TEXT NOT NULL, access TEXT NOT NULL, use TEXT NOT"
    " NULL, mode TEXT NOT NULL, reasons TEXT NOT NULL DEFAULT '', offers TEXT NOT NULL"
    " DEFAULT '', http_status INTEGER, error TEXT NOT NULL, decided_at {time} NOT NULL,"
    " fetched_at {time}, sha256 TEXT NOT NULL, size INTEGER, content_type TEXT NOT"
    " NULL, warc_file TEXT NOT NULL, warc_offset INTEGER, license TEXT NOT NULL DEFAULT"
    " '', attribution TEXT NOT NULL DEFAULT '', snapshots TEXT NOT NULL DEFAULT '',"
    " redirected_from TEXT NOT NULL DEFAULT '', images_reserved BOOLEAN NOT NULL)"
)
OLD_SNAPSHOTS = (
    "CREATE TABLE heedful_signal_snapshot (id TEXT PRIMARY KEY, crawl_id TEXT NOT NULL,"
    " origin TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL, final_url TEXT NOT NULL,"
    " status INTEGER, headers TEXT NOT NULL DEFAULT '', sha256 TEXT NOT NULL, size INTEGER"
    " NOT NULL, error TEXT NOT NULL, redirects INTEGER NOT NULL, truncated BOOLEAN NOT NULL,"
    " not_modified BOOLEAN NOT NULL, outcome TEXT NOT NULL DEFAULT '', fetched_at {time} NOT"
    " NULL, fresh_seconds INTEGER NOT NULL, warc_file TEXT NOT NULL, warc_offset INTEGER)"
)
OLD_ROWS = (
    (
        "INSERT INTO heedful_url_event (crawl_id, event, url, origin, status, stage, verdict,"
        " access, use, mode, reasons, offers, error, decided_at, sha256, content_type,"
        " warc_file, license, attribution, snapshots, redirected_from, images_reserved)"
        " VALUES ('c0', 'crawl', 'https://pub.example/old', 'https://pub.example', 'kept',"
        " 'after-fetch', 'allow', 'allow', 'ai-train', 'opt-out',"
        ' \'[{"signal":"robots.txt","rule":"Allow: /","effect":"access allow"}]\', \'[]\', \'\','
        " '2026-01-01 00:00:00', '', '', '', '', '{\"author\":\"Ada\"}', '[\"s1\"]', '[]', {false})"
    ),
    (
        "INSERT INTO heedful_signal_snapshot VALUES ('s1', 'c0', 'https://pub.example', 'robots',"
        " 'https://pub.example/robots.txt', 'https://pub.example/robots.txt', 200,"
        " '[[\"Content-Type\",\"text/plain\"]]', 'ab', 10, '', 0, {false}, {false}, 'found',"
        " '2026-01-01 00:00:00', 0, '', NULL)"
    ),
)


def _old_sql(*, postgres: bool) -> list[str]:
    """A ledger as the first release wrote it: no ``aipref_draft``/``uses``, JSON as text."""
    time, serial, false = (
        ("TIMESTAMP", "SERIAL", "false") if postgres else ("DATETIME", "INTEGER", "0")
    )
    tables = [sql.format(serial=serial, time=time) for sql in (OLD_EVENTS, OLD_SNAPSHOTS)]
    return [*tables, *(sql.replace("{false}", false) for sql in OLD_ROWS)]


@pytest.fixture(params=["sqlite", "postgresql"])
def old_ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The async URL of a schema-1 ledger holding one kept event and its snapshot."""
    if request.param == "sqlite":
        path = tmp_path / "ledger.sqlite"
        with sqlite3.connect(path) as conn:
            for sql in _old_sql(postgres=False):
                conn.execute(sql)
        yield f"sqlite+aiosqlite:///{path}"
        return
    base = database_url()
    db = create_database_sync(base)
    try:
        for sql in _old_sql(postgres=True):
            fetch_sync(db, sql)
        yield db.replace("postgresql://", "postgresql+asyncpg://", 1)
    finally:
        drop_database_sync(base, db)


async def _events(url: str) -> list[dict[str, object]]:
    reader = Ledger(url)
    try:
        return [event async for event in reader.events()]
    finally:
        await reader.close()


async def test_old_ledger_reads_whole_and_takes_new_rows(old_ledger: str) -> None:
    (old,) = await _events(old_ledger)
    assert old["url"] == "https://pub.example/old"
    assert old["reasons"] == [
        {"signal": "robots.txt", "rule": "Allow: /", "effect": "access allow"}
    ]
    assert old["attribution"] == {"author": "Ada"}
    assert old["snapshots"] == ["s1"]
    assert old["offers"] == []
    assert old["license"] is None  # '' meant "not recorded"
    assert old["uses"] is None  # not recorded before the column existed
    assert old["aipref_draft"] == ""
    assert old["licensing"] is None  # schema 3's column, added with its default

    writer = Ledger(old_ledger)
    await writer.create()
    snapshots = await writer.snapshots()
    assert snapshots["s1"]["headers"] == [["Content-Type", "text/plain"]]
    writer.add(
        UrlEvent,
        {
            **ROW,
            "decided_at": utcnow(),
            "aipref_draft": "07",
            "reasons": ({"signal": "tdmrep", "effect": "license"},),
            "uses": {"ai-train": "deny"},
        },
    )
    await writer.close()
    events = await _events(old_ledger)
    assert [e["aipref_draft"] for e in events] == ["", "07"]
    assert events[1]["reasons"] == [{"signal": "tdmrep", "effect": "license"}]
    assert events[1]["uses"] == {"ai-train": "deny"}
    assert events[1]["license"] is None


async def test_migration_runs_once_and_is_recorded(old_ledger: str) -> None:
    await _events(old_ledger)
    await _events(old_ledger)  # a second open finds the ledger at the current schema
    if old_ledger.startswith("sqlite"):
        path = old_ledger.removeprefix("sqlite+aiosqlite:///")
        with sqlite3.connect(path) as conn:
            versions = conn.execute("SELECT version FROM heedful_ledger_schema").fetchall()
            stored = conn.execute("SELECT license FROM heedful_url_event").fetchall()
        assert stored == [("null",)]
    else:
        plain = old_ledger.replace("postgresql+asyncpg://", "postgresql://", 1)
        versions = await fetch(plain, "SELECT version FROM heedful_ledger_schema")
        types = await fetch(
            plain,
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name = 'heedful_url_event' AND column_name IN ('reasons', 'uses')",
        )
        assert dict(types) == {"reasons": "json", "uses": "json"}
    assert versions == [(SCHEMA_VERSION,)]


async def test_new_ledger_stores_json_columns(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ledger.sqlite'}"
    writer = Ledger(url)
    await writer.create()
    writer.add(
        SignalSnapshot,
        {
            "id": "s",
            "crawl_id": "c",
            "origin": "o",
            "kind": "robots",
            "url": "u",
            "final_url": "u",
            "headers": [["ETag", '"x"']],
            "sha256": "",
            "size": 0,
            "fetched_at": utcnow(),
        },
    )
    writer.add(UrlEvent, {**ROW, "decided_at": utcnow(), "snapshots": ("s",)})
    await writer.close()
    with sqlite3.connect(tmp_path / "ledger.sqlite") as conn:
        declared = {row[1]: row[2] for row in conn.execute("PRAGMA table_info(heedful_url_event)")}
        stored = conn.execute("SELECT snapshots, license FROM heedful_url_event").fetchone()
    assert declared["reasons"] == declared["uses"] == "JSON"
    assert stored == ('["s"]', "null")


async def test_a_schema_2_ledger_gains_the_licensing_column(tmp_path: Path) -> None:
    """Schema 3 adds ``licensing`` (issue 14): a ledger written at schema 2 takes it on open."""
    path = tmp_path / "ledger.sqlite"
    url = f"sqlite+aiosqlite:///{path}"
    first = Ledger(url)
    await first.create()
    first.add(UrlEvent, {**ROW, "decided_at": utcnow()})
    await first.close()
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE heedful_url_event DROP COLUMN licensing")
        conn.execute("UPDATE heedful_ledger_schema SET version = 2")
    writer = Ledger(url)
    await writer.create()
    record = {"server": "http://127.0.0.1:1/licensing", "token_id": "t1", "charged": "USD 0.05"}
    writer.add(UrlEvent, {**ROW, "decided_at": utcnow(), "licensing": record})
    await writer.close()
    events = await _events(url)
    assert [e["licensing"] for e in events] == [None, record]
    with sqlite3.connect(path) as conn:
        versions = conn.execute("SELECT version FROM heedful_ledger_schema").fetchall()
    assert (SCHEMA_VERSION,) in versions
    assert SCHEMA_VERSION == 3
