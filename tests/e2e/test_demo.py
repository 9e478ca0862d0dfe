"""``make demo`` runs the whole job: serve four sites, check, crawl, report, license."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    env = {**os.environ, "HEEDFUL_DEMO_OUT": str(tmp_path / "out"), "COLUMNS": "160"}
    done = subprocess.run(
        [sys.executable, "-m", "heedful.demo"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path / "out" / "crawl"
    for name in ("report.html", "report.json", "eu-summary.md", "eu-summary.json"):
        assert (out / name).is_file()
        assert str(out / name) in done.stdout
    assert "What the crawler kept and refused, and why" in done.stdout
    figures = json.loads((out / "report.json").read_text())
    assert figures["eu_summary"]
    # The open-data portal allows training: something is kept; the photographer reserves it.
    assert "kept" in done.stdout
    assert "access deny by robots.txt" in done.stdout
    # The licensed site: the crawl buys AI input within its budget, refuses the rest, and the
    # agency's statement says what is owed to whom.
    licensed = tmp_path / "out" / "licensed-crawl"
    assert (licensed / "report.html").is_file()
    assert "licences 1 token used, spent USD 0.03 of USD 0.03" in done.stdout
    assert "licence budget exhausted" in done.stdout
    assert "creator      Ana Lima" in done.stdout
    assert (
        "reconciled: 1 tokens issued, 3 fetches, 0 fetches without an issued token" in done.stdout
    )
