"""``heedful audit``'s fetch and analysis against real local sites (issue 5 section 4).

Each site of :data:`tests.audit.sites.EXPECTED` carries one contradiction or gap; the audit must
report it with both statements quoted (the text of the served file at that line) and located.
The clean site must produce no finding at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from heedful.client.audit import gather, links_of, sitemap_entries
from heedful.policies.audit.analysis import audit
from heedful.policies.audit.findings import Finding
from tests.audit.sites import EXPECTED, LOCAL, SINGLE_STATEMENT, SITES, Served, serve


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with serve(SITES) as urls:
        yield urls


def _served_text(base: str, path: str) -> str:
    site = next(name for name, url in _URLS.items() if url == base)
    body = SITES[site][path].body
    assert isinstance(body, str)
    return body.replace("{base}", base)


_URLS: dict[str, str] = {}


async def _audit(served: Served, name: str, sample: int = 0) -> tuple[str, list[Finding]]:
    _URLS.update(served)
    base = served[name]
    data = await gather(base + "/articles/1", sample=sample, fetch_timeout=5, hosts=LOCAL)
    return base, list(audit(data).findings)


def _quotes_line(base: str, path: str, line: int, rule: str) -> bool:
    """The quoted rule is what the served file says at that line (JSON objects compacted)."""
    text = _served_text(base, path)
    written = text.splitlines()[line - 1]
    if path.endswith(".json"):
        compact = json.dumps(json.loads(text)[0], separators=(",", ":"))
        return rule in (compact, written.strip())
    return rule.split(" ")[0] in written or rule == written.strip()


@pytest.mark.parametrize("site", sorted(EXPECTED), ids=sorted(EXPECTED))
async def test_each_contradiction_is_reported_with_both_statements(
    served: Served, site: str
) -> None:
    rule, first, second = EXPECTED[site]
    base, findings = await _audit(served, site)
    matching = [f for f in findings if f.rule == rule]
    assert matching, [f.rule for f in findings]
    located = [(e.source.removeprefix(base), e.location) for e in matching[0].evidence]
    assert first in located, located
    assert second in located, located
    for evidence in matching[0].evidence:
        assert evidence.rule.strip()
        path = evidence.source.removeprefix(base)
        if evidence.line and path in SITES[site] and evidence.location.startswith(("line", "$")):
            assert _quotes_line(base, path, evidence.line, evidence.rule), evidence


@pytest.mark.parametrize("case", sorted(SINGLE_STATEMENT), ids=sorted(SINGLE_STATEMENT))
async def test_legacy_statements_are_quoted(served: Served, case: str) -> None:
    rule, where = SINGLE_STATEMENT[case]
    base, findings = await _audit(served, "legacy")
    located = [(e.source.removeprefix(base), e.location) for f in findings if f.rule == rule
               for e in f.evidence]  # fmt: skip
    assert where in located


async def test_clean_site_has_no_findings(served: Served) -> None:
    _, findings = await _audit(served, "clean", sample=5)
    assert findings == []


async def test_sample_reads_the_sitemap_same_origin_only(served: Served) -> None:
    base = served["clean"]
    data = await gather(base + "/articles/1", sample=5, fetch_timeout=5, hosts=LOCAL)
    assert [url for url, _ in data.pages] == [base + "/articles/1", base + "/articles/2"]
    assert all(page is not None and page.status == 200 for _, page in data.pages)
    assert base + "/sitemap.xml" in data.files


async def test_sample_falls_back_to_links_and_is_bounded(served: Served) -> None:
    base = served["tdm-vs-usage"]
    data = await gather(base + "/articles/1", sample=1, fetch_timeout=5, hosts=LOCAL)
    assert len(data.pages) == 1  # no sitemap, the article has no links: nothing more to sample


@pytest.mark.parametrize(
    ("body", "kind", "locs"),
    [
        (b'<urlset><url><loc> /a </loc></url></urlset>', "urlset", ["/a"]),
        (b'<sitemapindex xmlns="x"><sitemap><loc>/s.xml</loc></sitemap></sitemapindex>',
         "sitemapindex", ["/s.xml"]),
        (b"<urlset><url><loc>/a</loc></url><url><loc>/b</lo", "urlset", ["/a"]),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><urlset><loc>&a;</loc></urlset>', "refused", []),
    ],
    ids=["urlset", "index", "truncated", "entities-refused"],
)  # fmt: skip
def test_sitemap_entries(body: bytes, kind: str, locs: list[str]) -> None:
    assert sitemap_entries(body) == (kind, locs)


def test_links_of() -> None:
    assert links_of(b'<p><a href="/x">x</a><a>y</a><A HREF="/z#f">z</A>') == ["/x", "/z#f"]
