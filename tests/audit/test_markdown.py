"""Markdown representations whose signals differ from their HTML page's (HF405).

Markdown has no ``<head>``: a crawler that reads a site's "Markdown for agents" sees only the
Markdown response's headers. A real site on 127.0.0.1 links one with ``<link rel="alternate"
type="text/markdown">``; another serves it to ``Accept: text/markdown``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from aiohttp import web

from tests.crawler.sites import Running, Site, serve
from tests.e2e.conftest import heedful

pytestmark = pytest.mark.e2e

HTML = (
    '<!doctype html><html><head><title>Article</title><meta name="robots" content="noai">'
    '<link rel="alternate" type="text/markdown" href="/article.md"></head>'
    "<body><p>Text.</p></body></html>"
)


def _sites() -> dict[str, Site]:
    linked = Site("linked")
    linked.text("/robots.txt", "User-agent: *\nAllow: /\n")
    linked.add("/", HTML)
    linked.add("/article.md", "# Article\n\nText.\n", ctype="text/markdown")

    negotiated = Site("negotiated")
    negotiated.text("/robots.txt", "User-agent: *\nAllow: /\n")

    async def page(request: web.Request) -> web.StreamResponse:
        if "text/markdown" in request.headers.get("Accept", ""):
            return web.Response(
                text="# Home\n",
                content_type="text/markdown",
                headers={"Content-Signal": "ai-train=yes"},
            )
        return web.Response(
            text="<!doctype html><title>Home</title><p>Home.</p>",
            content_type="text/html",
            headers={"Content-Signal": "ai-train=no"},
        )

    negotiated.dynamic["/"] = page
    same = Site("same")
    same.text("/robots.txt", "User-agent: *\nAllow: /\n")
    same.add(
        "/",
        '<!doctype html><html><head><link rel="alternate" type="text/markdown" href="/i.md">'
        "</head><body>x</body></html>",
        headers=(("Content-Signal", "ai-train=no"),),
    )
    same.add("/i.md", "# i\n", ctype="text/markdown", headers=(("Content-Signal", "ai-train=no"),))
    return {"linked": linked, "negotiated": negotiated, "same": same}


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    with serve(_sites()) as found:
        yield found


def _hf405(running: Running, name: str) -> list[dict[str, object]]:
    done = heedful("audit", running.urls[name] + "/", "--sample", "0", "--json")
    assert done.code == 0, done.err
    return [f for f in json.loads(done.out)["findings"] if f["rule"] == "HF405"]


def test_a_meta_reservation_the_markdown_does_not_carry(running: Running) -> None:
    (finding,) = _hf405(running, "linked")
    assert 'meta robots="noai"' in finding["message"]
    assert finding["evidence"][1]["source"].endswith("/article.md")


def test_a_negotiated_markdown_with_its_own_signal(running: Running) -> None:
    (finding,) = _hf405(running, "negotiated")
    assert "content-signal: ai-train=yes" in finding["message"]
    assert "content-signal: ai-train=no" in finding["message"]


def test_representations_that_agree_make_no_finding(running: Running) -> None:
    assert _hf405(running, "same") == []
