"""Credit where the site asks for it: a real crawl of a site whose pages carry each kind of
attribution, and whose RSL document grants free permits that ask for credit (issue 16 s. 4).

``heedful crawl`` runs as a subprocess against a 127.0.0.1 site; the ledger export and
``heedful credits`` (JSON and CSV) are read back and checked against what each page says.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.crawler.conftest import run_heedful
from tests.crawler.sites import Site, page, serve

pytestmark = pytest.mark.e2e

RSL = """<?xml version="1.0" encoding="UTF-8"?>
<rsl xmlns="https://rslstandard.org/rsl">
  <content url="/rsl/">
    <license>
      <permits type="usage">ai-all</permits>
      <payment type="attribution"/>
      <legal type="attribution">Photo: Rae Sl / rsl.test</legal>
    </license>
    <copyright type="organization" contactEmail="rights@rsl.test">Rae Sl Media</copyright>
  </content>
  <content url="/rsl-legal/">
    <license>
      <legal type="attribution">Credit the Legal Desk</legal>
    </license>
  </content>
  <content url="/rsl-free/">
    <license>
      <permits type="usage">all</permits>
      <payment type="free"><standard>https://creativecommons.org/licenses/by/4.0/</standard></payment>
      <copyright>Free Press Co</copyright>
      <terms>{base}/terms</terms>
    </license>
  </content>
</rsl>"""

JSONLD = (
    '<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":'
    '"NewsArticle","author":{"@type":"Person","name":"Jo Json"},"copyrightHolder":{"@type":'
    '"Organization","name":"Json News"},"license":"https://creativecommons.org/licenses/by-sa/4.0/",'
    '"copyrightNotice":"(c) 2026 Json News"}]}</script>'
)
JSONLD_CREDIT = (
    '<script type="application/ld+json">{"@context":"https://schema.org","@type":"ImageObject",'
    '"creator":[{"@type":"Person","name":"Cy Creator"}],"license":{"@type":"CreativeWork",'
    '"url":"/licences/photo"},"creditText":"Photo: Cy Creator"}</script>'
)
OPENGRAPH = '<meta property="article:author" content="Olga Graph">'
DUBLIN_CORE = (
    '<meta name="DC.creator" content="Dana Core"><meta name="DC.rights" content="(c) Dana Core">'
    '<meta name="dcterms.rightsHolder" content="Core Archive">'
    '<link rel="dcterms.license" href="/licences/dc">'
)
META = '<meta name="author" content="Mia Meta"><meta name="copyright" content="(c) Mia">'
PAGES: dict[str, str] = {
    "/jsonld": JSONLD,
    "/jsonld-credit": JSONLD_CREDIT,
    "/og": OPENGRAPH,
    "/dc": DUBLIN_CORE,
    "/meta": META,
    "/rel": '<link rel="license" href="/licences/rel">',
    "/none": "",
    "/rsl/photo": "",
    "/rsl-legal/story": "",
    "/rsl-free/story": "",
}


def build() -> dict[str, Site]:
    s = Site("credits")
    s.text("/robots.txt", "User-agent: *\nAllow: /\nLicense: {base}/license.xml\n")
    s.add("/license.xml", RSL, ctype="application/rsl+xml")
    s.add("/", page("credits home", tuple(PAGES)))
    for path, head in PAGES.items():
        s.add(path, page(f"credits {path}", head=head))
    return {"credits": s}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("credits")
    with serve(build()) as running:
        base = running.urls["credits"]
        done = run_heedful("crawl", base + "/", "--out", str(out), "--no-progress")
        assert done.returncode == 0, done.stderr[-3000:]
    ledger = run_heedful("ledger", str(out), "--format", "jsonl")
    assert ledger.returncode == 0, ledger.stderr
    rows = {
        row["url"].removeprefix(base): row
        for row in map(json.loads, ledger.stdout.splitlines())
        if row["status"] == "kept"
    }
    assert set(PAGES) <= set(rows), sorted(rows)
    credits = run_heedful("credits", str(out))
    assert credits.returncode == 0, credits.stderr
    table = run_heedful("credits", str(out), "--format", "csv")
    assert table.returncode == 0, table.stderr
    return {
        "base": base,
        "rows": rows,
        "credits": json.loads(credits.stdout),
        "csv": list(csv.DictReader(io.StringIO(table.stdout))),
    }


def _works(crawl: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every credited work by path, with its creator and rights holders."""
    out = {}
    for creator in crawl["credits"]["creators"]:
        for work in creator["works"]:
            path = work["url"].removeprefix(crawl["base"])
            out[path] = {
                **work,
                "creator": creator["creator"],
                "holders": creator["rights_holders"],
            }
    return out


def test_page_attribution_of_every_kind_is_recorded(crawl: dict[str, Any]) -> None:
    base, rows = crawl["base"], crawl["rows"]
    assert rows["/jsonld"]["attribution"] == {
        "author": "Jo Json",
        "rights_holder": "Json News",
        "license_url": "https://creativecommons.org/licenses/by-sa/4.0/",
        "copyright": "(c) 2026 Json News",
    }
    assert rows["/jsonld-credit"]["attribution"] == {
        "author": "Cy Creator",
        "rights_holder": "",
        "license_url": base + "/licences/photo",
        "copyright": "Photo: Cy Creator",
    }
    assert rows["/og"]["attribution"]["author"] == "Olga Graph"
    assert rows["/dc"]["attribution"] == {
        "author": "Dana Core",
        "rights_holder": "Core Archive",
        "license_url": base + "/licences/dc",
        "copyright": "(c) Dana Core",
    }
    assert rows["/meta"]["attribution"]["author"] == "Mia Meta"
    assert rows["/rel"]["attribution"]["license_url"] == base + "/licences/rel"


def test_free_rsl_permits_record_their_terms(crawl: dict[str, Any]) -> None:
    base, rows = crawl["base"], crawl["rows"]
    assert rows["/rsl/photo"]["license"] == [
        {
            "url": base + "/license.xml",
            "payment": "attribution",
            "copyright": "Rae Sl Media",
            "attribution": "Photo: Rae Sl / rsl.test",
        }
    ]
    assert rows["/rsl-legal/story"]["license"] == [
        {"url": base + "/license.xml", "payment": "free", "attribution": "Credit the Legal Desk"}
    ]
    assert rows["/rsl-free/story"]["license"] == [
        {
            "url": base + "/license.xml",
            "payment": "free",
            "copyright": "Free Press Co",
            "standard": "https://creativecommons.org/licenses/by/4.0/",
            "terms": base + "/terms",
        }
    ]
    assert rows["/none"]["license"] == []  # outside every <content>: no terms to honour


def test_credits_lists_each_creator_with_the_credit_asked_for(crawl: dict[str, Any]) -> None:
    base, works = crawl["base"], _works(crawl)
    assert {path: work["creator"] for path, work in works.items()} == {
        "/jsonld": "Jo Json",
        "/jsonld-credit": "Cy Creator",
        "/og": "Olga Graph",
        "/dc": "Dana Core",
        "/meta": "Mia Meta",
        "/rsl/photo": "Rae Sl Media",
        "/rsl-free/story": "Free Press Co",
    }
    photo = works["/rsl/photo"]
    assert photo["attribution"] == "Photo: Rae Sl / rsl.test"
    assert photo["attribution_required"] is True
    assert photo["licence"] == [base + "/license.xml"]
    free = works["/rsl-free/story"]
    assert free["attribution_required"] is False
    assert free["licence"] == [
        "https://creativecommons.org/licenses/by/4.0/",
        base + "/license.xml",
    ]
    assert works["/jsonld"]["attribution"] == "(c) 2026 Json News"
    assert works["/jsonld"]["holders"] == ["Json News"]
    assert works["/dc"]["licence"] == [base + "/licences/dc"]
    assert works["/jsonld-credit"]["attribution"] == "Photo: Cy Creator"
    assert not any(w["attribution_required"] for p, w in works.items() if not p.startswith("/rsl"))


def test_unattributed_works_keep_their_hash_and_crawl(crawl: dict[str, Any]) -> None:
    base, rows, result = crawl["base"], crawl["rows"], crawl["credits"]
    (listed,) = result["unattributed"]["by_domain"].values()
    by_path = {work["url"].removeprefix(base): work for work in listed}
    assert {"/", "/none", "/rel", "/rsl-legal/story"} == set(by_path)
    for path, work in by_path.items():
        assert re.fullmatch("[0-9a-f]{64}", work["sha256"])
        assert work["sha256"] == rows[path]["sha256"]
        assert work["crawl_id"] == rows[path]["crawl_id"]
    assert by_path["/rel"]["licence"] == [base + "/licences/rel"]
    legal = by_path["/rsl-legal/story"]
    assert (legal["attribution"], legal["attribution_required"]) == ("Credit the Legal Desk", True)
    csv_rows = {row["url"].removeprefix(base): row for row in crawl["csv"]}
    assert len(csv_rows) == len(crawl["csv"]) == len(rows)
    for path in by_path:
        assert csv_rows[path]["creator"] == ""
        assert csv_rows[path]["sha256"] == rows[path]["sha256"]
        assert csv_rows[path]["crawl_id"] == rows[path]["crawl_id"]
    assert csv_rows["/rsl/photo"]["attribution_required"] == "yes"
    assert csv_rows["/meta"]["attribution_required"] == "no"


def test_credits_is_the_documented_format(crawl: dict[str, Any], tmp_path: Path) -> None:
    assert crawl["credits"]["format"] == "heedful-credits/3"
    assert crawl["credits"]["attributed_works"] == 7
