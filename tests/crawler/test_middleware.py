"""The downloader middleware as an adapter, driven with Scrapy's own objects.

A crawler from ``scrapy.utils.test.get_crawler`` with the add-on, the middleware built by
``from_crawler``, and real ``Request``/``Response``/``HtmlResponse`` objects. The origin's files
come through the origin cache's fetch function (its injection point, as in
``test_origincache.py``) instead of a downloader; what the middleware decides is read from
Heedful's own ``policy_decided`` signal, Scrapy's stats and the exceptions it raises. Whole
crawls against real servers are in ``test_crawl_e2e.py`` and ``test_addon.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy import Request
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from heedful.crawler import signals
from heedful.crawler.addon import HeedfulAddon
from heedful.crawler.middlewares import (
    DECISION_META,
    PROVISIONAL_META,
    HeedfulRefused,
    PolicyDownloaderMiddleware,
)
from heedful.crawler.origincache import OriginCache
from heedful.crawler.signalfetch import FROM_PAGE_META, IMAGES_RESERVED_META, POLICY_META
from heedful.policies.model import Permission, Use, Verdict
from heedful.policies.signals.read import SignalFile
from tests.helpers.media_files import image, xmp_packet

ORIGIN = "http://site.test"
LICENSE = b"""<rsl xmlns="https://rslstandard.org/rsl"><content url="/">
<license><permits type="usage">ai-train ai-input</permits>
<payment type="crawl"><amount currency="USD">0.01</amount></payment></license>
</content></rsl>"""
FILES = {
    "/robots.txt": b"User-agent: *\nDisallow: /private/\n",
    "/.well-known/tdmrep.json": b'[{"location": "/reserved/", "tdm-reservation": 1}]',
    "/terms/rsl.xml": LICENSE,
}
HTML = b"<html><head><title>t</title></head><body>hi</body></html>"
NOIMAGEAI = b'<html><head><meta name="robots" content="noimageai"></head><body></body></html>'


class _Spider(scrapy.Spider):
    name = "unit"


async def _site_files(url: str, headers: Mapping[str, str]) -> SignalFile:
    body = FILES.get(url.removeprefix(ORIGIN))
    if body is None:
        return SignalFile(url=url, status=404)
    return SignalFile(url=url, status=200, body=body)


class Gate:
    """The middleware under test, with what it decided."""

    def __init__(self, middleware: PolicyDownloaderMiddleware) -> None:
        self.middleware = middleware
        self.decided: list[dict[str, Any]] = []
        middleware.crawler.signals.connect(self._decided, signal=signals.policy_decided)

    def _decided(self, **kw: Any) -> None:
        self.decided.append(kw)

    def stat(self, key: str) -> object:
        stats = self.middleware.crawler.stats
        assert stats is not None
        return stats.get_value(key)

    async def request(self, url: str, **meta: Any) -> Request:
        request = Request(url, meta=meta)
        await self.middleware.process_request(request)  # returns: the request goes on
        return request

    async def respond(self, request: Request, response: Response) -> Response:
        return await self.middleware.process_response(request, response)


@pytest.fixture
async def gate(tmp_path: Path) -> AsyncIterator[Gate]:
    crawler = get_crawler(
        _Spider,
        {
            "ADDONS": {HeedfulAddon: 0},
            "HEEDFUL_OUT_DIR": str(tmp_path),
            "HEEDFUL_USE": "ai-train",
        },
    )
    middleware = PolicyDownloaderMiddleware.from_crawler(crawler)
    config = middleware.config
    middleware.cache = OriginCache(
        _site_files,
        middleware._record_signal,
        agent=config.token,
        max_seconds=config.cache_max_seconds,
        backoff=config.retry_backoff,
        max_backoff=config.retry_max_backoff,
    )
    spider = _Spider()
    await middleware._opened(spider)
    try:
        yield Gate(middleware)
    finally:
        await middleware._closed(spider)


async def test_a_disallowed_request_never_leaves(gate: Gate) -> None:
    with pytest.raises(HeedfulRefused) as refused:
        await gate.middleware.process_request(Request(ORIGIN + "/private/x"))
    decision = refused.value.decision
    assert decision is not None
    assert decision.access is Verdict.DENY
    assert [(d["status"], d["stage"]) for d in gate.decided] == [("refused", "before-fetch")]
    assert gate.stat("heedful/denied/ai-train/before-fetch") == 1
    assert gate.stat("heedful/fetch/robots/status/200") == 1


async def test_an_allowed_page_is_fetched_as_heedful_and_kept(gate: Gate) -> None:
    request = await gate.request(ORIGIN + "/open")
    assert gate.middleware.config.token.encode() in (request.headers.get(b"User-Agent") or b"")
    assert request.meta[PROVISIONAL_META] is False
    response = HtmlResponse(request.url, body=HTML, request=request)
    assert await gate.respond(request, response) is response
    assert request.meta[DECISION_META].verdict is Verdict.ALLOW
    assert [(d["status"], d["stage"]) for d in gate.decided] == [("kept", "after-fetch")]
    assert gate.stat("heedful/allowed/ai-train") == 1


async def test_heedful_s_own_fetches_and_other_schemes(gate: Gate) -> None:
    await gate.request(ORIGIN + "/private/x", **{POLICY_META: True})  # Heedful's own: let through
    with pytest.raises(HeedfulRefused, match="not an absolute http"):
        await gate.middleware.process_request(Request("ftp://site.test/a"))
    with pytest.raises(HeedfulRefused, match="dot segment"):
        await gate.middleware.process_request(Request(ORIGIN + "/a/..%2fprivate/x"))
    assert [d["decision"] for d in gate.decided] == [None, None]


@pytest.mark.parametrize(
    ("headers", "kept"),
    [({"tdm-reservation": "0"}, True), ({}, False)],
    ids=["header-lifts-file", "file-reservation-holds"],
)
async def test_a_tdmrep_json_reservation_is_fetched_and_decided_with_the_response(
    gate: Gate, headers: dict[str, str], kept: bool
) -> None:
    """TDMRep, section Processing priority: the response's own header supersedes the file."""
    request = await gate.request(ORIGIN + "/reserved/a")
    assert request.meta[PROVISIONAL_META] is True
    response = HtmlResponse(request.url, body=HTML, headers=headers, request=request)
    if kept:
        assert await gate.respond(request, response) is response
    else:
        with pytest.raises(HeedfulRefused, match="deny after fetch"):
            await gate.respond(request, response)
    assert gate.decided[-1]["status"] == ("kept" if kept else "refused")


async def test_a_page_that_reserves_its_images_refuses_them(gate: Gate) -> None:
    page = await gate.request(ORIGIN + "/gallery")
    await gate.respond(page, HtmlResponse(page.url, body=NOIMAGEAI, request=page))
    assert page.meta[IMAGES_RESERVED_META] is not None
    with pytest.raises(HeedfulRefused, match=r"images of .* are reserved") as refused:
        await gate.request(ORIGIN + "/img/a.jpg", **{FROM_PAGE_META: page.url})
    decision = refused.value.decision
    assert decision is not None
    assert decision.verdict is Verdict.DENY
    assert decision.uses[Use.AI_TRAIN] is Permission.DENY
    # An image found on another page is decided by the site alone.
    await gate.request(ORIGIN + "/img/a.jpg", **{FROM_PAGE_META: ORIGIN + "/other"})


async def test_a_page_that_gave_no_answer_passes_through_to_scrapy(gate: Gate) -> None:
    request = await gate.request(ORIGIN + "/missing")
    response = Response(request.url, status=404, request=request)
    assert await gate.respond(request, response) is response
    assert DECISION_META not in request.meta
    assert gate.decided == []  # Scrapy's own error handling takes it from here


async def test_a_busy_page_is_tried_again_when_it_asks(gate: Gate) -> None:
    request = await gate.request(ORIGIN + "/busy")
    response = Response(request.url, status=503, headers={"Retry-After": "30"}, request=request)
    assert await gate.respond(request, response) is response
    with pytest.raises(DontCloseSpider):
        gate.middleware._idle()


JPEG = {"Content-Type": "image/jpeg"}


async def test_an_image_that_reserves_itself_is_dropped(gate: Gate) -> None:
    request = await gate.request(ORIGIN + "/img/reserved.jpg")
    response = Response(
        request.url, body=image("JPEG", xmp_packet()), headers=JPEG, request=request
    )
    with pytest.raises(HeedfulRefused, match="XMP plus:DataMining = ") as refused:
        await gate.respond(request, response)
    decision = refused.value.decision
    assert decision is not None
    assert (decision.verdict, decision.uses[Use.AI_TRAIN]) == (Verdict.DENY, Permission.DENY)
    assert gate.stat("heedful/media/read") == 1


async def test_an_image_cut_short_is_not_kept_and_tried_again(gate: Gate) -> None:
    request = await gate.request(ORIGIN + "/img/cut.jpg")
    body = image("JPEG", xmp_packet())
    response = Response(
        request.url, body=body[:50], headers=JPEG, flags=["dataloss"], request=request
    )
    with pytest.raises(IgnoreRequest, match="no verdict"):
        await gate.respond(request, response)
    assert gate.decided[-1]["status"] == "failed"
    assert gate.stat("heedful/media/unread") == 1
    assert gate.stat("heedful/undecided/ai-train/unknown") == 1


async def test_a_licence_the_page_names_is_fetched_once_and_decides(gate: Gate) -> None:
    link = {"Link": '</terms/rsl.xml>; rel="license"; type="application/rsl+xml"'}
    for path in ("/paid/1", "/paid/2"):
        request = await gate.request(ORIGIN + path)
        response = HtmlResponse(request.url, body=HTML, headers=link, request=request)
        with pytest.raises(HeedfulRefused) as refused:
            await gate.respond(request, response)
        decision = refused.value.decision
        assert decision is not None
        assert decision.verdict is Verdict.LICENSE
        assert decision.offers[0].url == ORIGIN + "/terms/rsl.xml"
    assert gate.stat("heedful/fetch/rsl/status/200") == 1


async def test_a_redirect_scrapy_did_not_follow_is_no_answer(gate: Gate) -> None:
    request = await gate.request(ORIGIN + "/moved", dont_redirect=True)
    response = Response(
        request.url, status=302, headers={"Location": "/private/x"}, request=request
    )
    assert await gate.respond(request, response) is response
    assert DECISION_META not in request.meta
