"""Licensing end to end on 127.0.0.1: ``heedful serve`` sells, ``heedful crawl`` buys.

The photo agency of ``examples/licensed-photos.toml`` sells AI input of its photos per fetch
(USD 0.01) from its own licence server; a crawler registered as its licensee crawls the photo
pages as AI input in consent mode with a budget of USD 0.03. The server's usage ledger and the
crawler's ledger must agree item by item, the access log must show no photo served without a
licence the server recorded, and the statement totals must be the charges, within the budget.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.signalserver.processes import serve_process

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "examples" / "licensed-photos.toml"
SITE = ROOT / "examples" / "sites" / "licensed-photos"
PHOTOS = ("harbour", "market", "glacier", "festival", "orchard")
BUDGET = Decimal("0.03")


def heedful(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heedful", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_a_budgeted_crawl_buys_what_it_can_and_both_ledgers_agree(tmp_path: Path) -> None:
    db = tmp_path / "agency.db"
    added = heedful("licence-client", "add", "e2e-crawler", "--db", f"sqlite:///{db}", "--json")
    assert added.returncode == 0, added.stderr
    client = json.loads(added.stdout)
    secret = client["client_secret"]
    out = tmp_path / "crawl"
    with serve_process(POLICY, "--static", str(SITE), "--db", f"sqlite:///{db}") as served:
        base = served.url.rstrip("/")
        crawl = heedful(
            "crawl",
            *(f"{base}/photos/{name}.html" for name in PHOTOS),
            "--use", "ai-input", "--mode", "consent", "--out", str(out), "--no-progress",
            "--licence-budget", f"USD {BUDGET}", "--client-id", client["client_id"],
            env={"HEEDFUL_LICENCE_CLIENT_SECRET": secret},
        )  # fmt: skip
        assert crawl.returncode == 0, crawl.stderr[-3000:]
        statement = heedful("statement", "--db", f"sqlite:///{db}", "--format", "json")
        access = served.access()
    assert statement.returncode == 0, statement.stderr

    rows = [
        json.loads(line)
        for line in heedful("ledger", str(out), "--format", "jsonl").stdout.splitlines()
    ]
    photos = [r for r in rows if "/photos/" in r["url"]]
    kept = [r for r in photos if r["status"] == "kept"]
    # Three fetches fit the budget; every other photo is refused for it, never taken unpaid.
    assert len(kept) == 3
    for row in photos:
        if row["status"] != "kept":
            assert row["status"] == "refused"
            assert "budget" in row["error"] or row["verdict"] != "license"
    charged = [Decimal(r["licensing"]["charged"].split()[1]) for r in kept]
    assert sum(charged) <= BUDGET

    # The server's usage ledger, item by item.
    with sqlite3.connect(db) as conn:
        fetches = conn.execute(
            "select token_id, licensee, path, usage, amount from licensed_fetch"
        ).fetchall()
        issued = {row[0] for row in conn.execute("select token_id from licence_issued")}
    assert sorted((f[0], f[1], f[2], Decimal(f[4])) for f in fetches) == sorted(
        (
            r["licensing"]["token_id"],
            r["licensing"]["licensee"],
            r["url"].removeprefix(base),
            Decimal(r["licensing"]["charged"].split()[1]),
        )
        for r in kept
    )
    assert {f[0] for f in fetches} <= issued
    assert all(f[3] == "ai-input" for f in fetches)

    # No photo content left the server without a licence it recorded.
    served_photos = [
        a
        for a in access
        if str(a.get("path", "")).startswith("/photos/") and a.get("status") == 200
    ]
    assert len(served_photos) == len(fetches)

    # The statement is the charges, reconciled with the tokens issued.
    document = json.loads(statement.stdout)
    assert document["reconciliation"]["ok"] is True
    assert Decimal(document["totals"]["amounts"]["USD"]) == sum(charged)
    assert document["totals"]["fetches"] == len(kept)
    # The secret appears nowhere the crawl or the server wrote.
    for text in (
        crawl.stdout,
        crawl.stderr,
        "\n".join(served.stderr),
        heedful("ledger", str(out), "--format", "jsonl").stdout,
    ):
        assert secret not in text
