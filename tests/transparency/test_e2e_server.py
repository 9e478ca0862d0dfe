"""Issue 6 section 4, end to end: crawl a site published by ``heedful serve``, withdraw consent
through its admin API (AI training reserved for one path, a removal request approved for one
work), re-check, purge, and report, comparing every number with SQL on the ledger."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.signalserver.processes import ServeProcess, serve_process
from tests.transparency.conftest import heedful, json_lines, sql
from tests.transparency.test_recheck_purge import all_records

pytestmark = pytest.mark.e2e

POLICY = """\
[site]
name = "Recheck Gazette"
url = "https://gazette.example"
contact = "rights@gazette.example"

[defaults]
search = "allow"
ai-input = "allow"
ai-train = "allow"
tdm = "allow"
"""
WITHDRAWN = """
[[paths]]
path = "/photos/"
ai-train = "deny"
"""
ARTICLES = ("/articles/1.html", "/articles/2.html", "/articles/3.html")
PHOTOS = ("/photos/1.html", "/photos/2.html")


def static_site(root: Path) -> None:
    links = "".join(f'<a href="{p}">{p}</a>\n' for p in (*ARTICLES, *PHOTOS))
    (root / "index.html").write_text(
        f"<!doctype html><html><head><title>Gazette</title></head><body>{links}</body></html>"
    )
    for path in (*ARTICLES, *PHOTOS):
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            f"<!doctype html><html><head><title>{path}</title></head>"
            f"<body><p>The work at {path}.</p></body></html>"
        )


def call(server: ServeProcess, method: str, path: str, body: object, *, admin: bool) -> Any:
    headers = {"Content-Type": "application/json"}
    if admin:
        headers["Authorization"] = f"Bearer {server.token}"
    request = urllib.request.Request(
        server.url + path, data=json.dumps(body).encode(), headers=headers, method=method
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_withdrawn_consent_is_found_purged_and_reported(tmp_path: Path) -> None:
    public = tmp_path / "public"
    public.mkdir()
    static_site(public)
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    out = tmp_path / "crawl"
    with serve_process(
        policy, "--static", str(public), "--db", f"sqlite:///{tmp_path / 'h.db'}"
    ) as server:
        done = heedful("crawl", server.url + "/", "--out", str(out), "--no-progress")
        assert done.returncode == 0, done.stderr[-3000:]
        kept = {u for (u,) in sql(out, "select url from heedful_url_event where status='kept'")}
        works = {server.url + p for p in (*ARTICLES, *PHOTOS)}
        assert works <= kept

        # The site withdraws AI-training consent for /photos/ ...
        # (the policy names the address it is served at: removals may only name the site's own)
        served_policy = (POLICY + WITHDRAWN).replace("https://gazette.example", server.url)
        call(server, "PUT", "/api/v1/admin/policy", {"text": served_policy}, admin=True)
        # ... and approves a creator's removal request for one article.
        removed = server.url + ARTICLES[1]
        request = call(
            server,
            "POST",
            "/api/v1/removals",
            {
                "urls": [removed],
                "name": "A. Writer",
                "contact": "a@writer.example",
                "relation": "I wrote it",
            },
            admin=False,
        )
        call(
            server,
            "POST",
            f"/api/v1/admin/removals/{request['id']}",
            {"decision": "approve"},
            admin=True,
        )

        rechecked = heedful("recheck", str(out), "--json", "--pages")
        assert rechecked.returncode == 0, rechecked.stderr
    expected = {server.url + p for p in PHOTOS} | {removed}
    listed = json_lines(rechecked.stdout)
    assert {line["url"] for line in listed} == expected
    assert len(listed) == len(expected)
    by_url = {line["url"]: {r["signal"] for r in line["reasons"]} for line in listed}
    assert "removals" in by_url[removed]
    assert json_lines((out / "purge-list.jsonl").read_text()) == listed

    before = all_records(out)
    purged = heedful("purge", str(out), "--apply", "--json")
    assert purged.returncode == 0, purged.stderr
    after = all_records(out)
    gone = {key for key in before if key not in after}
    assert {url for _, url, _ in gone} == expected
    assert {k: v for k, v in before.items() if k not in gone} == after
    assert not any(url in expected for kind, url, _ in after if kind == "response")

    figures = json.loads(heedful("report", str(out), "--format", "json").stdout)
    summary = json.loads(heedful("report", str(out), "--format", "eu-summary-json").stdout)
    status = dict(
        sql(out, "select status, count(*) from heedful_url_event where event='crawl' group by 1")
    )
    assert figures["totals"]["kept"] == status["kept"] == summary["content"]["items"]
    assert figures["totals"]["refused"] == status.get("refused", 0)
    assert summary["reservations"]["excluded_items"] == status.get("refused", 0)
    purged_count = sql(out, "select count(*) from heedful_purged_item")[0][0]
    assert purged_count == len(expected)
    assert (
        figures["rechecks"]["current"]["purged"]
        == purged_count
        == summary["reservations"]["purged"]
    )
    latest_withdrawn = sql(
        out,
        "select count(*) from heedful_url_event where event='recheck' and status='withdrawn'",
    )[0][0]
    assert latest_withdrawn == len(expected)
    assert figures["rechecks"]["runs"][0]["withdrawn"] == latest_withdrawn
    assert (
        summary["content"]["bytes"]
        == sql(
            out, "select sum(size) from heedful_url_event where event='crawl' and status='kept'"
        )[0][0]
    )
