"""``heedful licence-client`` and ``heedful statement``, and the ledger under SIGKILL: the
commands as users run them, against ``heedful serve`` as a subprocess on 127.0.0.1."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.signalserver.processes import serve_process
from tests.signalserver.test_licensing import GPTBOT, priced

TIMEOUT = 10


def heedful(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heedful", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def add_client(db: str, name: str) -> dict[str, str]:
    done = heedful("licence-client", "add", name, "--db", db, "--json")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


BASE = "https://photos.example"
"""The public origin (--base-url): tokens name it, whatever port a start listens on."""


def token(url: str, client: dict[str, str], path: str) -> dict[str, object]:
    pair = f"{client['client_id']}:{client['client_secret']}".encode()
    request = urllib.request.Request(
        f"{url}/licensing/token",
        data=urllib.parse.urlencode(
            {"grant_type": "client_credentials", "resource": f"{BASE}{path}"}
        ).encode(),
        headers={
            "Authorization": "Basic " + base64.b64encode(pair).decode(),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return dict(json.loads(response.read()))


def fetch(url: str, access_token: str, path: str) -> tuple[int, str]:
    request = urllib.request.Request(
        f"{url}{path}",
        headers={"User-Agent": GPTBOT, "Authorization": f"License {access_token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.headers.get("crawler-charged", "")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "photos").mkdir(parents=True)
    for i in range(5):
        (root / "photos" / f"{i}.html").write_text(f"<html><head></head><body>{i}</body></html>")
    return root


def test_clients_are_added_listed_and_revoked(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'h.db'}"
    made = add_client(db, "Example AI")
    assert made["client_id"].startswith("lc_")
    assert len(made["client_secret"]) >= 40
    listed = heedful("licence-client", "list", "--db", db, "--json")
    assert made["client_secret"] not in listed.stdout  # shown once, stored hashed
    assert [c["name"] for c in json.loads(listed.stdout)] == ["Example AI"]
    assert made["client_secret"].encode() not in (tmp_path / "h.db").read_bytes()
    assert heedful("licence-client", "revoke", made["client_id"], "--db", db).returncode == 0
    text = heedful("licence-client", "list", "--db", db).stdout
    assert "revoked" in text
    unknown = heedful("licence-client", "revoke", "lc_nope", "--db", db)
    assert unknown.returncode == 2
    assert "no licence client" in unknown.stderr
    bad_key = tmp_path / "key.pem"
    bad_key.write_text("not a key")
    refused = heedful("licence-client", "add", "X", "--db", db, "--key", str(bad_key))
    assert refused.returncode == 2
    assert "neither" in refused.stderr


@pytest.mark.e2e
def test_sigkill_loses_no_acknowledged_licence_or_charge(tmp_path: Path, site: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(priced(), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'h.db'}"
    client = add_client(db, "Example AI")
    args = ["--db", db, "--static", str(site), "--no-access-log", "--base-url", BASE]
    acknowledged: list[tuple[str, int, str]] = []
    issued: list[str] = []
    with serve_process(policy, *args) as first:
        for i in range(5):
            body = token(first.url, client, f"/photos/{i}.html")
            issued.append(str(body["access_token"]))
            for j in range(5):
                status, charged = fetch(first.url, issued[-1], f"/photos/{j}.html")
                acknowledged.append((issued[-1], status, charged))
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
        assert first.process.returncode == -signal.SIGKILL
    assert {(s, c) for _, s, c in acknowledged} == {(200, "USD 0.01")}
    done = heedful("statement", "--db", db, "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["reconciliation"] == {
        "tokens_issued": 5,
        "fetches": 25,
        "unmatched": [],
        "ok": True,
    }
    assert document["totals"]["amounts"] == {"USD": "0.25"}
    assert document["licensees"][0]["name"] == "Example AI"
    assert client["client_secret"] not in done.stdout
    assert all(t not in done.stdout for t in issued)
    with serve_process(policy, *args) as second:  # the kept signing key: tokens still valid
        assert fetch(second.url, issued[0], "/photos/0.html") == (200, "USD 0.01")


def test_statement_formats_and_reconciliation(tmp_path: Path) -> None:
    import asyncio
    from datetime import UTC, datetime

    from heedful.signalserver import licence_store
    from heedful.signalserver.config import async_database_url
    from heedful.signalserver.db import Database, make_engine, migrate
    from heedful.signalserver.models import LicensedFetch

    db = f"sqlite:///{tmp_path / 'h.db'}"
    add_client(db, "Example AI")
    empty = heedful("statement", "--db", db)
    assert empty.returncode == 0, empty.stderr
    assert "No money moves" in empty.stdout

    async def orphan() -> None:
        engine = make_engine(async_database_url(db))
        await migrate(engine)
        await licence_store.record_fetch(
            Database(engine),
            LicensedFetch(
                token_id="forged", licensee="lc_x", offer_id="site", path="/p", usage="ai-train",
                amount="0.01", currency="USD", policy_version="1-x", identity="unverified",
                time=datetime.now(UTC).replace(tzinfo=None),
            ),
        )  # fmt: skip
        await engine.dispose()

    asyncio.run(orphan())
    flagged = heedful("statement", "--db", db)
    assert flagged.returncode == 11
    assert "UNMATCHED fetch" in flagged.stdout
    as_csv = heedful("statement", "--db", db, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert rows[-1] == {
        "section": "total", "name": "total", "licences": "0", "fetches": "1",
        "amounts": "USD 0.01",
    }  # fmt: skip
    html = heedful("statement", "--db", db, "--format", "html", "--period", "2026-12")
    assert '<table id="statement">' in html.stdout
    bad = heedful("statement", "--db", db, "--period", "December")
    assert bad.returncode == 2
    assert "2026-12" in bad.stderr


def test_no_secret_or_token_reaches_the_logs(tmp_path: Path, site: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(priced(), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'h.db'}"
    client = add_client(db, "Logged AI")
    with serve_process(policy, "--db", db, "--static", str(site), "--base-url", BASE) as server:
        access = str(token(server.url, client, "/photos/0.html")["access_token"])
        assert fetch(server.url, access, "/photos/0.html")[0] == 200
        assert fetch(server.url, access[:-3] + "xyz", "/photos/0.html")[0] == 401
        wrong = dict(client, client_secret="not-the-secret-at-all")
        with pytest.raises(urllib.error.HTTPError) as refused:
            token(server.url, wrong, "/photos/0.html")
        assert refused.value.code == 401
        assert "not-the-secret-at-all" not in refused.value.read().decode()
        server.process.terminate()
        server.process.wait(10)
    logged = "\n".join(server.stderr)
    assert "/photos/0.html" in logged  # the access log was on
    for secret in (client["client_secret"], access, "not-the-secret-at-all"):
        assert secret not in logged


@pytest.mark.e2e
def test_worker_processes_share_the_signing_key_and_the_ledger(tmp_path: Path, site: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(priced(), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'h.db'}"
    client = add_client(db, "Worker AI")
    args = ["--db", db, "--static", str(site), "--no-access-log", "--base-url", BASE]
    with serve_process(policy, *args, "--workers", "2") as server:
        tokens = [
            str(token(server.url, client, "/photos/0.html")["access_token"]) for _ in range(4)
        ]
        # Each request may reach either worker: a token one issued is valid at the other.
        results = {fetch(server.url, t, f"/photos/{i}.html") for t in tokens for i in range(3)}
    assert results == {(200, "USD 0.01")}
    document = json.loads(heedful("statement", "--db", db, "--format", "json").stdout)
    assert document["reconciliation"]["tokens_issued"] == 4
    assert document["reconciliation"]["fetches"] == 12
