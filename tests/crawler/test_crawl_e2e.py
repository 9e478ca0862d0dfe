"""End-to-end: ``heedful crawl`` against real local sites covering every signal (issue 4 s. 5).

Three records are checked: each site's access log (what was requested: nothing that may not be
used), the ledger export (every considered URL with its decision and reasons) and the WARC files
(what was kept, and the signal files as evidence).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.crawler.conftest import CrawlResult, run_heedful
from tests.crawler.sites import build, serve

pytestmark = pytest.mark.e2e

SIGNAL_FILES = {
    "/robots.txt",
    "/.well-known/tdmrep.json",
    "/ai.txt",
    "/.well-known/heedful/removals.json",
}

# (site, path, status, stage, deciding signal, effect, requested?) -- source: issue 4, spec section
CASES = [
    ("groups", "/private/x", "refused", "before-fetch", "robots.txt", "access deny", False),
    ("groups", "/star-only", "kept", "after-fetch", None, None, True),
    ("groups", "/cu-no/y", "refused", "before-fetch", "content-usage", "deny", False),
    ("signals", "/cs-header", "refused", "after-fetch", "content-signal", "deny", True),
    ("signals", "/cu-header", "refused", "after-fetch", "content-usage", "deny", True),
    ("signals", "/noai-header", "refused", "after-fetch", "robots-tag", "deny", True),
    ("signals", "/noai-meta", "refused", "after-fetch", "robots-tag", "deny", True),
    ("signals", "/tdm-header", "refused", "after-fetch", "tdmrep", "deny", True),
    ("signals", "/tdm-meta", "refused", "after-fetch", "tdmrep", "deny", True),
    ("signals", "/img/glob.png", "refused", "before-fetch", "ai.txt", "deny", False),
    ("signals", "/img/reserved.jpg", "refused", "before-fetch", "robots-tag", "deny", False),
    ("signals", "/img/free.jpg", "kept", "after-fetch", None, None, True),
    ("signals", "/noimageai", "kept", "after-fetch", None, None, True),
    ("tdm", "/reserved/open", "kept", "after-fetch", "tdmrep", "allow", True),
    ("tdm", "/reserved/closed", "refused", "after-fetch", "tdmrep", "deny", True),
    ("rsl", "/", "refused", "before-fetch", "rsl", "license", False),
    ("robots5xx", "/", "refused", "before-fetch", "robots.txt", "access deny", False),
    ("robots-hops", "/", "refused", "before-fetch", "robots.txt", "access deny", False),
    ("stalled", "/", "failed", "before-fetch", "robots.txt", "access failed", False),
    ("redirects", "/private/target", "refused", "before-fetch", "robots.txt", "access deny", False),
    ("redirects", "/final", "kept", "after-fetch", None, None, True),
    ("oversize", "/early/x", "refused", "before-fetch", "robots.txt", "access deny", False),
    ("oversize", "/late/x", "kept", "after-fetch", None, None, True),
    ("changing", "/later/page", "refused", "before-fetch", "robots.txt", "access deny", False),
    ("changing", "/after", "kept", "after-fetch", None, None, True),
    ("revalidate", "/no/way", "refused", "before-fetch", "robots.txt", "access deny", False),
    ("aitxt-oversize", "/", "failed", "before-fetch", "ai.txt", "unknown", False),
    ("tdm-oversize", "/", "refused", "after-fetch", "tdmrep", "deny", True),
    ("tdm-broken", "/", "kept", "after-fetch", "tdmrep", "allow", True),
    ("tdm-broken", "/plain", "failed", "after-fetch", "tdmrep", "unknown", True),
    ("page-errors", "/gone", "failed", "after-fetch", "http-status", "access failed", True),
    ("page-errors", "/busy", "failed", "after-fetch", "http-status", "access failed", True),
]
RETRIED = {("stalled", "/"), ("aitxt-oversize", "/"), ("tdm-broken", "/plain")}
"""URLs that could not be decided: tried again, each attempt a ``failed`` row."""
IDS = [f"{site}{path}" for site, path, *_ in CASES]


@pytest.mark.parametrize(
    ("site", "path", "status", "stage", "signal", "effect", "requested"), CASES, ids=IDS
)
def test_each_url_is_decided_as_the_site_asks(
    crawled: CrawlResult,
    site: str,
    path: str,
    status: str,
    stage: str,
    signal: str | None,
    effect: str | None,
    requested: bool,
) -> None:
    rows = crawled.rows(site, path)
    assert len(rows) == (3 if (site, path) in RETRIED else 1), rows
    row = rows[-1]
    assert (row["status"], row["stage"]) == (status, stage), row["reasons"]
    assert row["use"] == "ai-train"
    assert row["mode"] == "opt-out"
    if signal is not None:
        assert any(r["signal"] == signal and r["effect"] == effect for r in row["reasons"]), row
    assert (path in crawled.requested(site)) is requested


def test_no_refused_url_before_fetch_was_ever_requested(crawled: CrawlResult) -> None:
    for row in crawled.ledger:
        if row["stage"] != "before-fetch":
            continue
        for name, base in crawled.running.urls.items():
            if row["url"].startswith(base + "/"):
                path = row["url"][len(base) :]
                assert path not in crawled.requested(name), row["url"]


def test_burst_behind_a_slow_robots_txt_leaks_nothing(crawled: CrawlResult) -> None:
    paths = crawled.requested("slow")
    assert paths.count("/robots.txt") == 1
    assert not [p for p in paths if p.startswith("/deny/")]
    assert sorted(p for p in paths if p.startswith("/ok/")) == sorted(f"/ok/{n}" for n in range(60))
    assert paths[0] == "/robots.txt"  # nothing left before the file was decided


def test_complete_disallow_means_only_robots_txt_is_requested(crawled: CrawlResult) -> None:
    assert crawled.requested("robots5xx") == ["/robots.txt"]
    assert set(crawled.requested("stalled")) == {"/robots.txt"}
    assert (
        not set(crawled.requested("robots-hops"))
        - {"/robots.txt"}
        - {f"/hop/{n}" for n in range(1, 6)}
    )


def test_signal_files_are_fetched_once_per_origin(crawled: CrawlResult) -> None:
    for name in ("groups", "signals", "tdm", "rsl", "redirects", "oversize"):
        paths = crawled.requested(name)
        for path in SIGNAL_FILES:
            assert paths.count(path) <= 1, (name, path)
        assert paths[0] == "/robots.txt"


def test_robots_txt_change_applies_after_expiry(crawled: CrawlResult) -> None:
    paths = crawled.requested("changing")
    assert paths.count("/robots.txt") >= 2
    assert "/later/page" not in paths


def test_stale_robots_txt_is_revalidated_with_its_etag(crawled: CrawlResult) -> None:
    log = crawled.running.sites["revalidate"].log
    assert any(path == "/robots.txt" and status == 304 for _, path, status, _ in log)
    assert "/later/page" in crawled.requested("revalidate")


def test_requests_identify_the_crawler_and_its_purpose(crawled: CrawlResult) -> None:
    agents = {ua for site in crawled.running.sites.values() for *_, ua in site.log}
    assert agents
    for agent in agents:
        assert "HeedfulBot/" in agent
        assert "+https://" in agent
        assert "purpose: ai-train" in agent


def test_kept_items_are_in_the_warc_with_hash_and_offset(crawled: CrawlResult) -> None:
    kept = [row for row in crawled.ledger if row["status"] == "kept"]
    assert len(kept) > 60
    by_place = {(r["file"], r["offset"]): r for r in crawled.warc}
    for row in kept:
        record = by_place[(row["warc"]["file"], row["warc"]["offset"])]
        assert record["type"] == "response"
        assert record["url"] == row["url"]
        assert hashlib.sha256(record["body"]).hexdigest() == row["sha256"]
        assert len(record["body"]) == row["size"]
        assert row["signals"], "every kept item links the signal snapshots used"


def test_refused_content_never_reaches_the_warc(crawled: CrawlResult) -> None:
    refused = {row["url"] for row in crawled.ledger if row["status"] == "refused"}
    stored = {r["url"] for r in crawled.warc if r["type"] == "response"}
    assert not refused & stored
    assert crawled.url("tdm", "/reserved/closed") not in stored


def test_signal_files_are_kept_as_evidence(crawled: CrawlResult) -> None:
    stored = {r["url"]: r for r in crawled.warc if r["type"] == "response"}
    robots = crawled.url("groups", "/robots.txt")
    assert b"User-agent: HeedfulBot" in stored[robots]["body"]
    snaps = [s for s in crawled.signals if s["url"] == robots]
    assert snaps
    assert snaps[0]["sha256"] == hashlib.sha256(stored[robots]["body"]).hexdigest()
    assert snaps[0]["status"] == 200
    failed = [s for s in crawled.signals if s["url"] == crawled.url("stalled", "/robots.txt")]
    assert failed
    assert failed[0]["status"] is None
    assert failed[0]["error"]


def test_attribution_is_extracted(crawled: CrawlResult) -> None:
    row = crawled.row("signals", "/author")
    assert row["attribution"] == {
        "author": "Ada Author",
        "rights_holder": "Ada Ltd",
        "license_url": crawled.url("signals", "/licence"),
        "copyright": "(c) 2025 Ada Ltd",
    }


def test_redirects_are_recorded_on_the_target(crawled: CrawlResult) -> None:
    assert crawled.row("redirects", "/final")["redirected_from"] == [
        crawled.url("redirects", "/r-ok")
    ]
    target = crawled.row("redirects", "/private/target")
    assert target["redirected_from"] == [crawled.url("redirects", p) for p in ("/r1", "/r2")]


def test_rsl_offer_is_recorded(crawled: CrawlResult) -> None:
    row = crawled.row("rsl", "/")
    assert row["verdict"] == "license"
    assert any(offer.get("amount") for offer in row["offers"]), row["offers"]


def test_oversize_robots_is_parsed_up_to_the_limit(crawled: CrawlResult) -> None:
    snap = next(s for s in crawled.signals if s["url"] == crawled.url("oversize", "/robots.txt"))
    assert snap["truncated"] is True
    ai = next(s for s in crawled.signals if s["url"] == crawled.url("aitxt-oversize", "/ai.txt"))
    assert ai["status"] is None  # past the download cap: unknown, never parsed


def test_undecided_urls_are_retried_and_say_when(crawled: CrawlResult) -> None:
    for site, path in sorted(RETRIED):
        errors = [row["error"] for row in crawled.rows(site, path)]
        assert "try 2 of 3 in" in errors[0], errors
        assert "try 3 of 3 in" in errors[1], errors
        assert "not tried again: tried 3 times (HEEDFUL_RETRY_TIMES = 2)" in errors[2], errors
    # Each retry waited for the origin's files to be fetched again.
    assert crawled.requested("aitxt-oversize").count("/ai.txt") == 3
    assert "/" not in crawled.requested("aitxt-oversize")
    assert crawled.requested("tdm-broken").count("/plain") == 3


def test_summary_reports_kept_refused_and_failed(crawled: CrawlResult) -> None:
    kept = sum(1 for row in crawled.ledger if row["status"] == "kept")
    assert f"kept     {kept:>7}" in crawled.stdout
    assert "robots.txt access deny" in crawled.stdout
    assert f"origins  {len(crawled.running.urls):>7}" in crawled.stdout


def test_a_crawl_that_kept_nothing_because_everything_failed_exits_7(tmp_path: Path) -> None:
    sites = build()
    only = {name: sites[name] for name in ("stalled", "aitxt-oversize")}
    with serve(only) as running:
        done = run_heedful(
            "crawl",
            *(url + "/" for url in running.urls.values()),
            "--out",
            str(tmp_path),
            "--no-progress",
            "--fetch-timeout",
            "1",
            "--set",
            "HEEDFUL_RETRY_TIMES=0",
        )
    assert done.returncode == 7, done.stderr[-2000:]
    assert "nothing kept: 2 URLs failed" in done.stderr
    assert "failed         2" in done.stdout
