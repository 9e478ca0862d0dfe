"""A ledger written before the ``aipref_draft`` column still opens, reads and takes new rows.

The column is added with a default (crawler.ledger.ADDED_COLUMNS); old rows read as "not
recorded" (''), new rows say which draft-ietf-aipref-vocab revision decided. The ALTER TABLE
is the same SQL on PostgreSQL; this test runs it on SQLite.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crawler.ledger import Ledger, UrlEvent, utcnow

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


def _old_ledger(path: Path) -> None:
    """A ledger as the previous release wrote it: the table without the new column."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE heedful_url_event (id INTEGER PRIMARY KEY, crawl_id TEXT NOT NULL,"
            " event TEXT NOT NULL, url TEXT NOT NULL, origin TEXT NOT NULL, status TEXT NOT NULL,"
            " stage TEXT NOT NULL, verdict TEXT NOT NULL, access TEXT NOT NULL, use TEXT NOT"
            " NULL, mode TEXT NOT NULL, reasons TEXT NOT NULL DEFAULT '', offers TEXT NOT NULL"
            " DEFAULT '', http_status INTEGER, error TEXT NOT NULL, decided_at DATETIME NOT NULL,"
            " fetched_at DATETIME, sha256 TEXT NOT NULL, size INTEGER, content_type TEXT NOT"
            " NULL, warc_file TEXT NOT NULL, warc_offset INTEGER, license TEXT NOT NULL DEFAULT"
            " '', attribution TEXT NOT NULL DEFAULT '', snapshots TEXT NOT NULL DEFAULT '',"
            " redirected_from TEXT NOT NULL DEFAULT '', images_reserved BOOLEAN NOT NULL)"
        )
        conn.execute(
            "INSERT INTO heedful_url_event (crawl_id, event, url, origin, status, stage, verdict,"
            " access, use, mode, reasons, offers, error, decided_at, sha256, content_type,"
            " warc_file, license, attribution, snapshots, redirected_from, images_reserved)"
            " VALUES ('c0', 'crawl', 'https://pub.example/old', 'https://pub.example', 'kept',"
            " 'after-fetch', 'allow', 'allow', 'ai-train', 'opt-out', '[]', '[]', '',"
            " '2026-01-01 00:00:00', '', '', '', '', '', '[]', '[]', 0)"
        )


async def test_old_ledger_opens_and_records_the_revision(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    _old_ledger(path)
    url = f"sqlite+aiosqlite:///{path}"
    reader = Ledger(url)
    try:
        (old,) = [event async for event in reader.events()]
    finally:
        await reader.close()
    assert old["url"] == "https://pub.example/old"
    assert old["aipref_draft"] == ""  # not recorded before the column existed

    writer = Ledger(url)
    await writer.create()
    writer.add(UrlEvent, {**ROW, "decided_at": utcnow(), "aipref_draft": "07"})
    await writer.close()
    reader = Ledger(url)
    try:
        events = [event async for event in reader.events()]
    finally:
        await reader.close()
    assert [e["aipref_draft"] for e in events] == ["", "07"]
