"""``heedful crawl --aipref-draft``: the ledger records which aipref revision decided each URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.e2e.conftest import heedful
from tests.helpers.servers import demo_process

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("draft", ["07", "08"])
def test_ledger_rows_name_the_revision(tmp_path: Path, draft: str) -> None:
    out = tmp_path / "out"
    with demo_process("content-usage") as sites:
        base = sites.urls["content-usage"]
        run = heedful("crawl", base + "/", "--out", str(out), "--no-progress", "--max-pages", "3",
                      "--use", "search", "--aipref-draft", draft)  # fmt: skip
    assert run.code in (0, 3, 7), run.err[-2000:]
    with sqlite3.connect(out / "ledger.sqlite") as conn:
        rows = conn.execute(
            "SELECT verdict, aipref_draft FROM heedful_url_event WHERE verdict != ''"
        ).fetchall()
    assert rows
    assert {revision for _, revision in rows} == {draft}
