"""A crawl that cannot open its ledger takes nothing: it could not prove what it took."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import heedful
from tests.helpers.servers import demo_process

pytestmark = pytest.mark.e2e


def test_unopenable_ledger_stops_the_crawl_before_any_page(tmp_path: Path) -> None:
    # Nothing listens on port 9 of 127.0.0.1: the database refuses the connection. (A SQLite
    # file in a missing folder no longer fails: the command makes the folder first.)
    unreachable = "postgresql://heedful@127.0.0.1:9/none"
    with demo_process("allow-all") as sites:
        base = sites.urls["allow-all"]
        run = heedful("crawl", base + "/", "--out", str(tmp_path / "out"), "--db", unreachable,
                      "--no-progress", "--max-pages", "10")  # fmt: skip
        requested = [str(e["path"]) for e in list(sites.access)]
    assert run.code == 2, run.err[-2000:]
    assert "ledger could not be opened" in run.err
    assert "/articles/1" not in requested
    assert "/" not in requested
