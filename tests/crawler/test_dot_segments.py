"""A crawl decides a URL with dot segments as the path it names (RFC 3986 section 5.2.4).

The site keeps only ``/open/`` crawlable; ``/open/%2e%2e/secret.html`` is ``/secret.html``, so it
must never be requested, and ``/open/..%2fsecret.html`` names a page servers disagree on, so it
is refused (docs/decisions.md, Paths are normalised once). The proof is the site's access log.

w3lib 2.6 and later resolve percent-encoded dot segments when Scrapy builds the request, so the
ledger may hold the seed as written or as ``/secret.html``; either way it must be refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from heedful.policies.urlpath import normalise_path
from tests.crawler.conftest import run_heedful
from tests.crawler.sites import Site, page, serve


@pytest.mark.e2e
def test_a_dot_segment_url_gets_the_decision_of_its_normalised_path(tmp_path: Path) -> None:
    site = Site("dots")
    site.add("/robots.txt", "User-agent: *\nDisallow: /\nAllow: /open/\n", ctype="text/plain")
    site.add("/open/page.html", page("open"))
    site.add("/secret.html", page("secret"))
    with serve({"dots": site}) as running:
        base = running.urls["dots"]
        seeds = ["/open/page.html", "/open/%2e%2e/secret.html", "/open/..%2fsecret.html"]
        done = run_heedful(
            "crawl", *(base + s for s in seeds), "--out", str(tmp_path), "--no-progress"
        )
        assert done.returncode == 0, done.stderr[-3000:]
    ledger = run_heedful("ledger", str(tmp_path), "--format", "jsonl")
    assert ledger.returncode == 0, ledger.stderr
    rows = {
        row["url"].removeprefix(base): row
        for row in map(json.loads, ledger.stdout.splitlines())
        if row["url"].startswith(base)
    }

    requested = [normalise_path(path) for _, path, _, _ in site.log]
    assert "/open/page.html" in requested
    assert not [p for p in requested if "secret" in p], site.log
    assert rows["/open/page.html"]["status"] == "kept"
    hidden = next(
        row for url, row in rows.items() if "%2e%2e" in url.lower() or url == "/secret.html"
    )
    assert (hidden["status"], hidden["stage"]) == ("refused", "before-fetch")
    assert hidden["access"] == "deny"
    encoded = next(row for url, row in rows.items() if "%2f" in url.lower())
    assert (encoded["status"], encoded["stage"]) == ("refused", "before-fetch")
