"""One fetch plan, two adapters: ``heedful check`` over the network and the signal server over
its own published files decide alike when they are given the same bytes.

For random file sets the same bytes are served by a real aiohttp site on 127.0.0.1 (read by
:class:`heedful.check.Checker` through aiohttp) and handed to the server's adapter as
published files (:class:`signalserver.checking.ServedSite`). Any difference in which files
are read, in which order, with which limits, or in whether the page is looked at shows up as
a difference in some decision.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.check import check_urls
from policies.model import Decision, Mode, Use
from policies.origin import origin_of
from policies.plan import FetchRequest
from policies.removals import REMOVALS_PATH, Removal, render_removals
from policies.site import AI_TXT_PATH, ROBOTS_PATH, TDMREP_PATH, SignalFile
from signalserver.checking import CheckQuery, ServedSite, decide_served, read_served_site
from signalserver.live import Published, publish

LICENSE_PATH = "/license.xml"
MODIFIED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
AGENTS = ("HeedfulBot", "GPTBot")
PAGES = ("/", "/articles/1", "/private/x", "/open/Data.csv", "/.well-known/x")

ROBOTS_LINES = st.sampled_from(
    [
        "User-agent: *",
        "User-agent: GPTBot",
        "User-agent: HeedfulBot",
        "Disallow: /",
        "Disallow: /private/",
        "Disallow: /.well-known/",
        "Allow: /open/",
        "Disallow: /ai.txt",
        f"License: {LICENSE_PATH}",
        "Content-Signal: ai-train=no, search=yes",
        "Crawl-delay: 2",
        "garbage line",
    ]
)
TDMREP = st.sampled_from(
    [
        b'[{"location": "/*", "tdm-reservation": 1}]',
        b'[{"location": "/open/*", "tdm-reservation": 0}, {"location": "/*", "tdm-reservation": 1}]',
        b'[{"location": "/articles/*", "tdm-reservation": 1',
        b"not json",
    ]
)
AI_TXT = st.sampled_from(
    [b"User-Agent: *\nDisallow: /\n", b"User-Agent: *\nDisallow: *.csv\nAllow: /\n", b"\x00\xff"]
)
LICENSE = st.sampled_from(
    [
        (
            b'<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>'
            b'<prohibits type="usage">ai-train</prohibits></license></content></rsl>'
        ),
        (
            b'<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>'
            b'<permits type="usage">all</permits></license></content></rsl>'
        ),
        b"<rsl><unclosed",
    ]
)
PAGE_HEADERS = st.lists(
    st.sampled_from(
        [
            ("Content-Usage", "train-ai=n"),
            ("Content-Usage", "search=y, train-ai=y"),
            ("Content-Signal", "ai-train=no"),
            ("X-Robots-Tag", "noai"),
            ("X-Robots-Tag", "GPTBot: noindex"),
            ("tdm-reservation", "0"),
            ("Link", f'<{LICENSE_PATH}>; rel="license"; type="application/rsl+xml"'),
            ("WWW-Authenticate", 'License realm="x"'),
        ]
    ),
    unique=True,
    max_size=3,
)
PAGE_BODIES = st.sampled_from(
    [
        b"",
        b"<html><head><title>t</title></head><body>hi</body></html>",
        b'<html><head><meta name="robots" content="noai, noimageai"></head></html>',
        b'<html><head><meta name="tdm-reservation" content="1"></head></html>',
        (
            b'<html><head><link rel="license" type="application/rsl+xml" href="/license.xml">'
            b"</head></html>"
        ),
    ]
)


@dataclass(frozen=True, kw_only=True)
class FileSet:
    robots: str | None
    tdmrep: bytes | None
    ai_txt: bytes | None
    license: bytes | None
    removal: str | None
    """A path withdrawn by the removals list (``""``: an empty list; ``None``: no list)."""
    page_path: str
    page_status: int
    page_headers: tuple[tuple[str, str], ...]
    page_body: bytes


@st.composite
def file_sets(draw: st.DrawFn) -> FileSet:
    robots = draw(st.none() | st.lists(ROBOTS_LINES, max_size=8).map("\n".join))
    return FileSet(
        robots=robots,
        tdmrep=draw(st.none() | TDMREP),
        ai_txt=draw(st.none() | AI_TXT),
        license=draw(st.none() | LICENSE),
        removal=draw(st.none() | st.sampled_from(["", "/", "/articles/", "/private/x"])),
        page_path=draw(st.sampled_from(PAGES)),
        # Statuses that are an answer: for 404 or 5xx the CLI says "failed" by design while
        # the API reads the signals anyway (page_must_answer=False), so they are not compared.
        page_status=draw(st.sampled_from([200, 200, 401, 402, 403])),
        page_headers=tuple(draw(PAGE_HEADERS)),
        page_body=draw(PAGE_BODIES),
    )


def published(files: FileSet, origin: str) -> tuple[dict[str, Published], Published | None]:
    by_path: dict[str, Published] = {}
    wanted = {
        ROBOTS_PATH: (files.robots.encode() if files.robots is not None else None, "text/plain"),
        TDMREP_PATH: (files.tdmrep, "application/json"),
        AI_TXT_PATH: (files.ai_txt, "text/plain"),
        LICENSE_PATH: (files.license, "application/rsl+xml"),
    }
    for path, (body, content_type) in wanted.items():
        if body is not None:
            by_path[path] = publish(
                body, content_type=content_type, version=None, modified=MODIFIED
            )
    removals = None
    if files.removal is not None:
        listed = [Removal(url=origin + files.removal, prefix=True)] if files.removal else []
        body = render_removals(listed, generated_at="2026-01-02T03:04:05Z").encode()
        removals = publish(body, content_type="application/json", version=None, modified=MODIFIED)
    return by_path, removals


def page_headers(files: FileSet) -> tuple[tuple[str, str], ...]:
    return (("Content-Type", "text/html; charset=utf-8"), *files.page_headers)


def decisions_of(decide: Callable[..., Decision]) -> list[dict[str, object]]:
    """Every use in both modes, for one agent (``decide(use=..., mode=...)``)."""
    return [decide(use=use, mode=mode).as_dict() for use in Use for mode in Mode]


async def through_the_checker(files: FileSet) -> tuple[str, list[dict[str, object]]]:
    """Serve the files on loopback and decide with ``heedful check``'s adapter."""
    state: dict[str, Any] = {}

    async def handler(request: web.Request) -> web.StreamResponse:
        path = request.path
        if path == files.page_path:
            return web.Response(
                status=files.page_status, body=files.page_body, headers=page_headers(files)
            )
        found = state["removals"] if path == REMOVALS_PATH else state["files"].get(path)
        if found is None:
            return web.Response(status=404, headers={"Content-Type": "application/json"})
        return web.Response(body=found.body, headers=found.headers)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        origin = f"http://127.0.0.1:{port}"
        state["files"], state["removals"] = published(files, origin)
        url = origin + files.page_path
        out = []
        for agent in AGENTS:
            # One agent per run, as ``heedful check --agent``: the page is fetched for it alone.
            (checked,) = await check_urls([url], agents=[agent], fetch_timeout=5.0)
            out += decisions_of(partial(checked.decide, agent=agent))
        return origin, out
    finally:
        await runner.cleanup()


def through_the_server(files: FileSet, origin: str) -> list[dict[str, object]]:
    """Hand the same bytes to the signal server's adapter as its published files."""
    by_path, removals = published(files, origin)
    served = ServedSite(
        origin=origin_of(origin), files=by_path, removals=removals, license_path=LICENSE_PATH
    )
    site = read_served_site(served)
    url = origin + files.page_path

    def page(request: FetchRequest) -> SignalFile:
        return SignalFile(
            url=request.url,
            status=files.page_status,
            headers=page_headers(files),
            body=files.page_body,
        )

    def decide(*, agent: str, use: Use, mode: Mode) -> Decision:
        return decide_served(
            site, served, page, CheckQuery(url=url, agent=agent, use=use, mode=mode)
        )

    return [d for agent in AGENTS for d in decisions_of(partial(decide, agent=agent))]


@settings(max_examples=100, deadline=None)
@given(file_sets())
def test_the_checker_and_the_server_decide_alike_on_the_same_bytes(files: FileSet) -> None:
    origin, by_checker = asyncio.run(through_the_checker(files))
    by_server = through_the_server(files, origin)
    for checker, server in zip(by_checker, by_server, strict=True):
        assert json.dumps(checker, sort_keys=True) == json.dumps(server, sort_keys=True)
