"""``heedful ledger``'s objects come from one definition (crawler.ledgerexport.LedgerEntry).

A kept item carries its content, storage, attribution and licence; a refused one only the
decision; both name the signal files they were decided on. Written to and read from a real
SQLite ledger.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from heedful.crawler.ledger import Ledger, SignalSnapshot, UrlEvent
from heedful.crawler.ledgerexport import KEPT_ONLY, export

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
DECISION = {
    "crawl_id": "c",
    "origin": "http://site.test",
    "stage": "after-fetch",
    "use": "ai-train",
    "mode": "opt-out",
    "decided_at": WHEN,
    "reasons": ({"signal": "robots.txt", "effect": "access allow", "rule": "Allow: /"},),
    "snapshots": ("s1",),
}


async def _ledger(path: Path) -> str:
    url = f"sqlite+aiosqlite:///{path / 'ledger.sqlite'}"
    store = Ledger(url)
    await store.create()
    store.add(
        SignalSnapshot,
        {
            "id": "s1",
            "crawl_id": "c",
            "origin": "http://site.test",
            "kind": "robots",
            "url": "http://site.test/robots.txt",
            "final_url": "http://site.test/robots.txt",
            "status": 200,
            "headers": [["Content-Type", "text/plain"]],
            "sha256": "ab",
            "size": 10,
            "fetched_at": WHEN,
        },
    )
    store.add(
        UrlEvent,
        {
            **DECISION,
            "url": "http://site.test/kept",
            "status": "kept",
            "verdict": "allow",
            "sha256": "cd",
            "size": 5,
            "content_type": "text/html",
            "warc_file": "w.warc.gz",
            "warc_offset": 120,
            "attribution": {"author": "Ada"},
        },
    )
    store.add(
        UrlEvent,
        {**DECISION, "url": "http://site.test/no", "status": "refused", "verdict": "deny"},
    )
    await store.close()
    return url


async def test_kept_and_refused_entries(tmp_path: Path) -> None:
    kept, refused = await export(await _ledger(tmp_path))
    signal = {
        "id": "s1",
        "kind": "robots",
        "url": "http://site.test/robots.txt",
        "status": 200,
        "sha256": "ab",
        "fetched_at": WHEN,
    }
    assert kept["signals"] == refused["signals"] == [signal]
    assert kept["warc"] == {"file": "w.warc.gz", "offset": 120}
    assert kept["attribution"] == {"author": "Ada"}
    assert kept["license"] == []  # not recorded: exported as no licence terms
    assert kept["reasons"] == [
        {"signal": "robots.txt", "effect": "access allow", "rule": "Allow: /"}
    ]
    assert kept.keys() >= KEPT_ONLY
    assert not KEPT_ONLY & refused.keys()
    assert list(refused)[:3] == ["url", "status", "verdict"]


async def test_signals_export_and_crawl_filter(tmp_path: Path) -> None:
    url = await _ledger(tmp_path)
    (snapshot,) = await export(url, signals=True)
    assert snapshot["headers"] == [["Content-Type", "text/plain"]]
    assert await export(url, crawl_id="other") == []
