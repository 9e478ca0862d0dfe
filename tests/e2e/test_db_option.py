"""``--db`` naming a SQLite file whose folder is missing or cannot exist, on every command.

Before issue 16 each of these stopped with "unexpected error: OperationalError" (exit 1) and no
path. A command that writes (``serve``, ``crawl``) makes the folder; a command that reads a
ledger says there is none; a path that cannot be opened is named in one sentence, exit 2.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from heedful.cli.database import sqlite_file
from tests.e2e.conftest import heedful
from tests.signalserver.conftest import POLICY

pytestmark = pytest.mark.e2e

READERS = ("ledger", "report", "credits", "recheck", "purge")
"""Every command reading an existing ledger through ``--db`` (heedful/cli/main.py ``COMMANDS``)."""


def _blocked(tmp_path: Path) -> Path:
    """A database path whose folder cannot be made: a file is in the way."""
    (tmp_path / "var").write_text("not a folder", encoding="utf-8")
    return tmp_path / "var" / "heedful.db"


def test_serve_names_a_database_it_cannot_open(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    path = _blocked(tmp_path)
    run = heedful("serve", "--policy", str(policy), "--port", "0", "--db", f"sqlite:///{path}")
    assert run.code == 2, run.err
    assert f"cannot open the database {path}" in run.err
    assert "is a file, not a folder" in run.err
    assert "unexpected error" not in run.err


def test_crawl_names_a_ledger_it_cannot_open(tmp_path: Path) -> None:
    path = _blocked(tmp_path)
    run = heedful("crawl", "http://127.0.0.1:9/", "--out", str(tmp_path / "out"),
                  "--db", f"sqlite:///{path}", "--no-progress")  # fmt: skip
    assert run.code == 2, run.err
    assert f"cannot open the database {path}" in run.err
    assert "unexpected error" not in run.err


def test_crawl_makes_the_folder_of_a_relative_ledger(tmp_path: Path) -> None:
    # Port 9 refuses at once: the URL fails (robots.txt got no answer), the crawl kept nothing
    # and says so, and the ledger that records why is in the folder it made.
    done = subprocess.run(
        [sys.executable, "-m", "heedful", "crawl", "http://127.0.0.1:9/", "--out", "out",
         "--db", "sqlite:///var/ledger.sqlite", "--no-progress", "--max-pages", "1",
         "--fetch-timeout", "2", "--set", "HEEDFUL_RETRY_TIMES=0"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 7, done.stderr[-2000:]
    assert (tmp_path / "var" / "ledger.sqlite").is_file()


@pytest.mark.parametrize("command", READERS)
def test_readers_say_there_is_no_ledger(tmp_path: Path, command: str) -> None:
    (tmp_path / "crawl").mkdir()
    path = tmp_path / "var" / "ledger.sqlite"
    run = heedful(command, str(tmp_path / "crawl"), "--db", f"sqlite:///{path}")
    assert run.code == 2, run.err
    assert f"no ledger at {path}" in run.err
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///var/heedful.db", Path("var/heedful.db")),
        ("sqlite:////srv/heedful.db", Path("/srv/heedful.db")),
        ("sqlite+aiosqlite:///x.db?mode=ro", Path("x.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql://postgres@127.0.0.1/test", None),
    ],
)
def test_sqlite_file_reads_sqlalchemys_url_grammar(url: str, expected: Path | None) -> None:
    assert sqlite_file(url) == expected
