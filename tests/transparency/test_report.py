"""``heedful report`` and ``heedful credits`` on a real crawl: every number equals SQL on the ledger."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from heedful.crawler.transparency.domains import domain_of
from tests.transparency.conftest import World, heedful, sql

pytestmark = pytest.mark.e2e


def crawl_counts(out: Path, column: str) -> dict[str, int]:
    rows = sql(
        out,
        f"select {column}, count(*) from heedful_url_event where event='crawl' group by {column}",
    )
    return {str(k): int(v) for k, v in rows}


def expected_refused_by_signal(out: Path) -> dict[str, int]:
    """The first refusing reason's signal, straight from the stored JSON."""
    found: dict[str, int] = {}
    for (reasons,) in sql(
        out, "select reasons from heedful_url_event where event='crawl' and status='refused'"
    ):
        first = next(
            r["signal"]
            for r in json.loads(reasons)
            if r["effect"] in ("deny", "license", "access deny", "access license", "default deny")
        )
        found[first] = found.get(first, 0) + 1
    return found


def report_json(out: Path, *args: str) -> dict[str, Any]:
    done = heedful("report", str(out), "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_report_figures_equal_the_ledger(crawled_world: World) -> None:
    out = crawled_world.out
    figures = report_json(out)
    status = crawl_counts(out, "status")
    totals = figures["totals"]
    assert totals["kept"] == status["kept"]
    assert totals["refused"] == status["refused"]
    assert totals["failed"] == status.get("failed", 0)
    assert totals["considered"] == sum(status.values())
    assert (
        totals["kept_bytes"]
        == sql(
            out, "select sum(size) from heedful_url_event where event='crawl' and status='kept'"
        )[0][0]
    )
    assert totals["origins"] == len(crawl_counts(out, "origin")) == 2
    assert figures["refused_by_signal"] == expected_refused_by_signal(out)
    assert set(figures["refused_by_signal"]) >= {"robots.txt", "tdmrep"}
    by_origin = {row["origin"]: row for row in figures["by_origin"]}
    for origin, kept in sql(
        out,
        "select origin, count(*) from heedful_url_event where event='crawl' and status='kept' "
        "group by origin",
    ):
        assert by_origin[origin]["kept"] == kept
    assert [d["domain"] for d in figures["by_domain"]] == ["127.0.0.1"]
    assert sum(p["kept"] for p in figures["over_time"]["series"]) == status["kept"]
    licences = {row["licence"]: row["items"] for row in figures["licences"]}
    assert licences[crawled_world.url("news", "/licence")] == 1
    assert figures["attribution"]["creators"] == [{"name": "Ada Author", "items": 1}]


def test_eu_summary_json_and_markdown(crawled_world: World) -> None:
    out = crawled_world.out
    status = crawl_counts(out, "status")
    done = heedful("report", str(out), "--format", "eu-summary-json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary == report_json(out)["eu_summary"]
    assert summary["crawlers"][0]["name"] == "HeedfulBot"
    assert summary["crawlers"][0]["purposes"] == ["training AI models"]
    assert summary["content"]["items"] == status["kept"]
    assert summary["reservations"]["excluded_items"] == status["refused"]
    assert summary["reservations"]["excluded_by_signal"] == expected_refused_by_signal(out)
    first, last = sql(
        out, "select min(decided_at), max(decided_at) from heedful_url_event where event='crawl'"
    )[0]
    assert summary["collection_period"]["first"].startswith(first.replace(" ", "T")[:19])
    assert summary["collection_period"]["last"].startswith(last.replace(" ", "T")[:19])
    assert summary["top_domains"]["domains"] == [
        {
            "domain": "127.0.0.1",
            "bytes": sql(
                out,
                "select sum(size) from heedful_url_event where event='crawl' and status='kept'",
            )[0][0],
            "items": status["kept"],
        }
    ]
    target = out / "eu.md"
    written = heedful("report", str(out), "--format", "eu-summary", "--output", str(target))
    assert written.returncode == 0, written.stderr
    assert written.stdout == ""
    markdown = target.read_text()
    assert markdown.startswith("# Public summary of training content")
    assert f"Items excluded: {status['refused']} " in markdown
    for signal, count in summary["reservations"]["excluded_by_signal"].items():
        assert f"| {signal} | {count} |" in markdown
    # The protocol profile: every protocol honoured, with the items each one excluded, agreeing
    # with the per-signal counts (issue 15 section 6).
    protocols = {p["signal"]: p for p in summary["reservations"]["protocols"]}
    assert {"robots.txt", "tdmrep", "content-usage", "content-signal", "rsl"} <= set(protocols)
    assert all(p["honoured"] for p in protocols.values())
    by_signal = summary["reservations"]["excluded_by_signal"]
    for signal, row in protocols.items():
        assert row["excluded_items"] == by_signal.get(signal, 0), signal
    assert "### Protocols honoured" in markdown
    assert "| Robots Exclusion Protocol | RFC 9309 |" in markdown


def test_top_share_is_a_parameter(crawled_world: World) -> None:
    bad = heedful("report", str(crawled_world.out), "--format", "json", "--top-share", "0")
    assert bad.returncode == 2
    assert report_json(crawled_world.out, "--top-share", "1")["eu_summary"]["top_domains"][
        "share"
    ] == pytest.approx(1.0)


def test_credits_json_and_csv(crawled_world: World) -> None:
    out = crawled_world.out
    done = heedful("credits", str(out), "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    author_url = crawled_world.url("news", "/author")
    assert [c["creator"] for c in result["creators"]] == ["Ada Author"]
    creator = result["creators"][0]
    assert creator["rights_holders"] == ["Ada Ltd"]
    assert creator["works"][0]["url"] == author_url
    assert creator["works"][0]["licence"] == [crawled_world.url("news", "/licence")]
    assert creator["works"][0]["attribution"] == "(c) 2025 Ada Ltd"
    kept = sql(out, "select count(*) from heedful_url_event where event='crawl' and status='kept'")
    assert result["unattributed"]["count"] == kept[0][0] - 1
    assert list(result["unattributed"]["by_domain"]) == ["127.0.0.1"]
    table = heedful("credits", str(out), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert len(rows) == kept[0][0]
    assert [r["creator"] for r in rows if r["url"] == author_url] == ["Ada Author"]
    assert {r["domain"] for r in rows} == {domain_of(author_url)}


def test_html_report_is_self_contained(crawled_world: World, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    done = heedful("report", str(crawled_world.out), "--output", str(target))
    assert done.returncode == 0, done.stderr
    html = target.read_text()
    assert html.count("<svg") >= 4
    for external in ("<script", 'http-equiv="refresh"', "<link ", "@import", 'src="http'):
        assert external not in html


def test_write_reports_for_the_demo(crawled_world: World, tmp_path: Path) -> None:
    import shutil

    from heedful.crawler.transparency.reports import write_reports  # imports the ledger's tables

    out = tmp_path / "crawl"
    shutil.copytree(crawled_world.out, out)
    paths = write_reports(out)
    assert sorted(p.name for p in paths.values()) == [
        "eu-summary.json",
        "eu-summary.md",
        "report.html",
        "report.json",
    ]
    summary = json.loads(paths["eu-summary-json"].read_text())
    assert summary == json.loads(paths["json"].read_text())["eu_summary"]
    assert paths["html"].read_text().startswith("<!doctype html>")
