"""``heedful audit --probe-agents``: what a site declares versus what it serves each agent class.

A real site on 127.0.0.1 that treats User-Agents differently, the way real sites and CDNs do:
a robots.txt cloaked for one crawler's token, a 403 for training crawlers only, a signal header
sent to browsers only, and a CDN-managed robots.txt block in front of the origin's own rules.
The site's access log proves how each probe named itself and that the request cap holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from aiohttp import web

from tests.crawler.sites import Running, Site, serve
from tests.e2e.conftest import heedful

pytestmark = pytest.mark.e2e

ROBOTS = (
    "# BEGIN Cloudflare Managed content\n"
    "User-agent: GPTBot\nDisallow: /\n"
    "# END Cloudflare Managed Content\n\n"
    "User-agent: GPTBot\nAllow: /\n\n"
    "User-agent: *\nAllow: /\n"
)
CLOAKED = "User-agent: *\nAllow: /\n"
PAGE = "<!doctype html><html><head><title>Probe</title></head><body><p>Text.</p></body></html>"


def _site() -> Site:
    site = Site("probed")

    async def robots(request: web.Request) -> web.StreamResponse:
        # Cloaking keyed on a real crawler's token: only a probe sending it can see this.
        body = CLOAKED if "GPTBot" in request.headers.get("User-Agent", "") else ROBOTS
        return web.Response(text=body, content_type="text/plain")

    async def page(request: web.Request) -> web.StreamResponse:
        agent = request.headers.get("User-Agent", "")
        if "Probe-Training" in agent:
            return web.Response(status=403, text="no training crawlers")
        headers = {"Content-Signal": "search=yes, ai-train=no"} if "Probe-Browser" in agent else {}
        return web.Response(text=PAGE, content_type="text/html", headers=headers)

    site.dynamic["/robots.txt"] = robots
    site.dynamic["/"] = page
    return site


@pytest.fixture(scope="module")
def probed() -> Iterator[Running]:
    with serve({"probed": _site()}) as running:
        yield running


def _audit(running: Running, *extra: str) -> dict[str, object]:
    url = running.urls["probed"] + "/"
    done = heedful("audit", url, "--sample", "0", "--json", "--probe-agents", *extra)
    assert done.code == 0, done.err
    return dict(json.loads(done.out))


def _rules(report: dict[str, object]) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    for finding in report["findings"]:  # type: ignore[attr-defined]
        out.setdefault(finding["rule"], []).append(finding)
    return out


def test_what_each_class_is_served_is_compared(probed: Running) -> None:
    report = _audit(probed)
    rules = _rules(report)
    # 403 for the training probe only: enforced, declared nowhere.
    (status,) = rules["HF402"]
    assert status["severity"] == "info"
    assert "training: 403" in status["message"]
    # A header sent to browsers only.
    (signal,) = rules["HF403"]
    assert "content-signal: search=yes, ai-train=no" in signal["message"]
    assert signal["agents"] == ["browser"]
    # The CDN-managed block, and where it disagrees with the origin's own GPTBot group.
    managed = {f["severity"] for f in rules["HF404"]}
    assert managed == {"info", "warning"}
    assert any("GPTBot" in f["message"] for f in rules["HF404"])
    # Every default probe got the same robots.txt: no cloaking is visible without --as.
    assert "HF401" not in rules
    served = {p["class"]: p for p in report["served"]}  # type: ignore[attr-defined]
    assert set(served) == {"training", "ai-input", "search", "unknown-bot", "browser"}


def test_as_token_sees_the_cloaked_robots_txt(probed: Running) -> None:
    rules = _rules(_audit(probed, "--as", "GPTBot"))
    (cloaked,) = rules["HF401"]
    assert "GPTBot:" in cloaked["message"]


def test_probes_name_themselves_and_stop_at_the_cap(probed: Running) -> None:
    site = probed.sites["probed"]
    before = len(site.log)
    _audit(probed, "--max-requests", "3")
    probes = [agent for _, _, _, agent in site.log[before:] if "audit probe" in agent]
    assert len(probes) == 3
    assert all("HeedfulBot-Probe-" in agent for agent in probes)
    assert "HeedfulBot-Probe-Training/0.1" in probes[0]
    assert "audit probe for an AI training crawler" in probes[0]


def test_a_bad_as_token_is_refused() -> None:
    done = heedful("audit", "http://127.0.0.1:9/", "--as", "Bad Bot/1.0")
    assert done.code == 2
    assert "not a product token" in done.err
