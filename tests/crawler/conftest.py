"""One real crawl over every fixture site, shared by the end-to-end tests of this folder.

The crawl runs ``heedful crawl`` in a subprocess, the way users run it; the sites run in this
process so their access logs can be read directly. Tests then assert on three records: the
sites' access logs, the ledger export (``heedful ledger``) and the WARC files.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.crawler.sites import Running, build, serve

CRAWL_TIMEOUT = 90
RETRY_BACKOFF = 0.3


@dataclass
class CrawlResult:
    running: Running
    out: Path
    stdout: str
    stderr: str
    ledger: list[dict[str, Any]]
    signals: list[dict[str, Any]]
    warc: list[dict[str, Any]]

    def requested(self, site: str) -> list[str]:
        return self.running.sites[site].paths()

    def url(self, site: str, path: str) -> str:
        return self.running.urls[site] + path

    def rows(self, site: str, path: str) -> list[dict[str, Any]]:
        target = self.url(site, path)
        return [row for row in self.ledger if row["url"] == target]

    def row(self, site: str, path: str) -> dict[str, Any]:
        found = self.rows(site, path)
        assert len(found) == 1, (path, found)
        return found[0]


def run_heedful(*args: str, timeout: float = CRAWL_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heedful", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def read_warcs(out: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted(out.glob("*.warc.gz")):
        with path.open("rb") as handle:
            iterator = ArchiveIterator(handle)
            for record in iterator:
                body = record.content_stream().read()
                records.append(
                    {
                        "file": path.name,
                        "offset": iterator.get_record_offset(),
                        "type": record.rec_type,
                        "url": record.rec_headers.get_header("WARC-Target-URI"),
                        "status": record.http_headers.get_statuscode()
                        if record.http_headers
                        else None,
                        "body": body,
                    }
                )
    return records


def crawl_sites(out: Path, *extra: str) -> CrawlResult:
    sites = build()
    with serve(sites) as running:
        seeds = [url + "/" for name, url in running.urls.items() if name != "slow"]
        slow = running.urls["slow"]
        # A burst: 120 seeds for one origin whose robots.txt takes a second.
        seeds += [f"{slow}/{kind}/{n}" for n in range(60) for kind in ("deny", "ok")]
        done = run_heedful(
            "crawl",
            *seeds,
            "--out",
            str(out),
            "--no-progress",
            "--fetch-timeout",
            "3",
            "--concurrency",
            "32",
            # URLs that could not be decided are tried again after the origin's backoff.
            "--set",
            f"HEEDFUL_RETRY_BACKOFF={RETRY_BACKOFF}",
            *extra,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        ledger = run_heedful("ledger", str(out), "--format", "jsonl")
        assert ledger.returncode == 0, ledger.stderr
        signals = run_heedful("ledger", str(out), "--format", "jsonl", "--signals")
        return CrawlResult(
            running=running,
            out=out,
            stdout=done.stdout,
            stderr=done.stderr,
            ledger=[json.loads(line) for line in ledger.stdout.splitlines() if line.strip()],
            signals=[json.loads(line) for line in signals.stdout.splitlines() if line.strip()],
            warc=read_warcs(out),
        )


@pytest.fixture(scope="session")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    """Every fixture site crawled once for use ai-train, mode opt-out."""
    return crawl_sites(tmp_path_factory.mktemp("crawl"))
