"""``heedful ledger DIR | head -n 1``: the command stops quietly when its reader goes away."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from heedful.crawler.ledger import DEFAULT_DB_NAME, Ledger, UrlEvent, database_url

pytestmark = pytest.mark.e2e

ROWS = 3000
"""Far more output than a pipe buffers (64 KiB on Linux), so the writer meets the closed end."""


async def write_ledger(directory: Path) -> None:
    store = Ledger(database_url("", directory))
    await store.create()
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    for n in range(ROWS):
        store.add(
            UrlEvent,
            {
                "crawl_id": "pipe",
                "url": f"http://127.0.0.1:9/page/{n}",
                "origin": "http://127.0.0.1:9",
                "status": "refused",
                "stage": "before-fetch",
                "verdict": "deny",
                "use": "ai-train",
                "mode": "opt-out",
                "reasons": [{"signal": "robots.txt", "rule": "Disallow: /page/"}],
                "decided_at": now,
            },
        )
    await store.close()


def test_ledger_into_head_ends_quietly(tmp_path: Path) -> None:
    asyncio.run(write_ledger(tmp_path))
    assert (tmp_path / DEFAULT_DB_NAME).is_file()
    writer = subprocess.Popen(
        [sys.executable, "-m", "heedful", "ledger", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert writer.stdout is not None
    assert writer.stderr is not None
    head = subprocess.Popen(["head", "-n", "1"], stdin=writer.stdout, stdout=subprocess.PIPE)
    writer.stdout.close()  # head alone holds the read end now, as in a shell pipeline
    first, _ = head.communicate(timeout=60)
    err = writer.stderr.read().decode()
    writer.stderr.close()
    status = writer.wait(timeout=60)
    assert json.loads(first)["url"] == "http://127.0.0.1:9/page/0"
    assert err == ""
    assert status == 141  # 128 + SIGPIPE, as a shell reports a writer whose reader left
