"""Attribution read from the head the policy already parsed equals a full lxml read (issue 4 s. 2).

``extract_attribution(body, url, head=...)`` skips the lxml parse when the head says everything
that can be said; every case here is decided both ways and must agree, including the pages that
have to fall back to lxml (structured data, elements after the head, ``<a rel=license>``).
"""

from __future__ import annotations

import re

import pytest

from heedful.crawler import attribution
from heedful.crawler.attribution import extract_attribution, has_structured_data
from heedful.policies.html import parse_html_head

URL = "http://site.test/articles/1.html"

PAGES = [
    pytest.param(
        b'<!doctype html><html><head><meta charset="utf-8"><title>t</title>'
        b'<meta name="author" content=" Ada "><link rel="license" href="/licence.html">'
        b"</head><body><p>text <a href='/x'>x</a></p></body></html>",
        True,
        id="head-only-fast",
    ),
    pytest.param(
        b"<html><head><META NAME=Author CONTENT='Bo &amp; Co'><meta name=copyright content='(c) 2026'>"
        b"<link rel='License Alternate' href=' https://lic.test/a '></head><body></body></html>",
        True,
        id="case-and-entities-fast",
    ),
    pytest.param(
        b"<html><head><title>none</title></head><body><p>nothing</p></body></html",
        True,
        id="nothing-said-fast",
    ),
    pytest.param(
        b'<html><head><meta name="author" content=""><meta name="author" content="Second">'
        b'<link rel="license" href=""></head><body></body></html>',
        True,
        id="empty-values-fill-later-fast",
    ),
    pytest.param(
        b'<html><head><title>t</title></head><body><meta name="author" content="In Body">'
        b"</body></html>",
        False,
        id="meta-after-head-lxml",
    ),
    pytest.param(
        b"<html><head></head><body><a rel=license href=/cc>cc</a></body></html>",
        False,
        id="anchor-rel-license-lxml",
    ),
    pytest.param(
        b"<html><head><title>t</title><link rel=license href=/l1></head><body>"
        b"<LINK REL=license href=/l2></body></html>",
        False,
        id="link-after-head-lxml",
    ),
    pytest.param(
        b'<html><head><script type="application/ld+json">{"@type": "Article", "author": '
        b'{"name": "J. Doe"}, "license": "https://lic.test/"}</script>'
        b'<meta name="author" content="Meta"></head><body></body></html>',
        False,
        id="json-ld-lxml",
    ),
    pytest.param(
        b'<html><head><meta property="og:title" content="x"><meta name="DC.creator" content="DC Author">'
        b"</head><body></body></html>",
        False,
        id="dublin-core-lxml",
    ),
    pytest.param(
        b'<html><head><meta property="article:author" content="Olga Graph"></head><body></body>'
        b"</html>",
        False,
        id="opengraph-article-author-lxml",
    ),
    pytest.param(
        b'<html><head><meta name="DCTERMS.rightsHolder" content="Archive">'
        b'<link rel="dcterms.license" href="/cc"></head><body></body></html>',
        False,
        id="dublin-core-terms-lxml",
    ),
    pytest.param(
        b'<p>no head at all <meta name="author" content="Loose"></p>',
        False,
        id="no-head-end-lxml",
    ),
    pytest.param(
        b"<html><head><script>var s = '</head><body>';</script>"
        b'<meta name="author" content="After Script"></head><body></body></html>',
        False,
        id="head-end-inside-script-lxml",
    ),
]


@pytest.mark.parametrize(("body", "fast"), PAGES)
def test_head_path_agrees_with_lxml(body: bytes, fast: bool) -> None:
    head = parse_html_head(body).value
    full = extract_attribution(body, URL)
    assert (attribution._from_head(body, URL, head) is not None) is fast
    assert extract_attribution(body, URL, head=head) == full


def test_fast_path_really_skips_the_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    body = PAGES[0].values[0]
    head = parse_html_head(body).value

    def boom(*_: object, **__: object) -> None:
        raise AssertionError("lxml parse on the fast path")

    monkeypatch.setattr(attribution.lxml_html, "fromstring", boom)
    found = extract_attribution(body, URL, head=head)
    assert found["author"] == "Ada"
    assert found["license_url"] == "http://site.test/licence.html"


def test_structured_values_are_read() -> None:
    og = next(p.values[0] for p in PAGES if p.id == "opengraph-article-author-lxml")
    assert extract_attribution(og, URL, head=parse_html_head(og).value)["author"] == "Olga Graph"
    dc = next(p.values[0] for p in PAGES if p.id == "dublin-core-terms-lxml")
    found = extract_attribution(dc, URL, head=parse_html_head(dc).value)
    assert (found["rights_holder"], found["license_url"]) == ("Archive", "http://site.test/cc")


OLD_MARKERS = re.compile(rb"ld\+json|\b(?:og|article|book):|\bdc\.|\bdcterms\.", re.IGNORECASE)
"""The case-insensitive pattern the quick check must agree with."""


@pytest.mark.parametrize(
    "body",
    [
        b'<script type="application/LD+JSON">{}</script>',
        b'<meta property="OG:title" content="t">',
        b'<meta property="article:author" content="a">',
        b'<meta name="DC.creator" content="c">',
        b'<meta name="DCTERMS.license" content="l">',
        b"<p>my blog: notes, abc.dc.x and a book: none of them markup</p>",
        b"<p>catalog:</p>",
        b"<html><head><title>plain</title></head><body>nothing here</body></html>",
        b"",
    ],
)
def test_structured_data_check_matches_the_pattern(body: bytes) -> None:
    assert has_structured_data(body) is bool(OLD_MARKERS.search(body))
