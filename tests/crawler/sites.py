"""Fixture sites for the crawler's end-to-end tests, each on its own 127.0.0.1 port.

Every signal the crawler honours has a page here whose fate the tests know in advance; the
access log of each site is the proof of what the crawler requested (issue 4 section 5). The
sites run in a background thread with their own event loop, so a crawl can run as a subprocess
while the test reads the logs.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiohttp import web

HTML = "text/html"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def page(
    title: str, links: tuple[str, ...] = (), *, head: str = "", images: tuple[str, ...] = ()
) -> str:
    body = "".join(f'<a href="{href}">{href}</a>\n' for href in links)
    body += "".join(f'<img src="{src}">\n' for src in images)
    return (
        f"<!doctype html><html><head><title>{title}</title>{head}</head>"
        f"<body><h1>{title}</h1><p>Text of {title}.</p>\n{body}</body></html>"
    )


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32 + b"\xff\xd9"


@dataclass
class Site:
    """One origin: static answers by path, plus optional dynamic handlers."""

    name: str
    static: dict[str, tuple[int, str, bytes | str, tuple[tuple[str, str], ...]]] = field(
        default_factory=dict
    )
    dynamic: dict[str, Handler] = field(default_factory=dict)
    log: list[tuple[str, str, int, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(
        self,
        path: str,
        body: bytes | str,
        *,
        status: int = 200,
        ctype: str = HTML,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.static[path] = (status, ctype, body, headers)

    def text(self, path: str, body: str, **kw: object) -> None:
        self.add(path, body, ctype="text/plain", **kw)  # type: ignore[arg-type]

    def paths(self) -> list[str]:
        return [path for _, path, _, _ in self.log]


def build() -> dict[str, Site]:
    sites: dict[str, Site] = {}

    # robots groups: HeedfulBot's own group wins over *; Content-Usage per path in the group.
    s = sites["groups"] = Site("groups")
    s.text(
        "/robots.txt",
        "User-agent: HeedfulBot\nDisallow: /private/\nAllow: /\n"
        "Content-Usage: /cu-no/ train-ai=n\n\nUser-agent: *\nDisallow: /\n",
    )
    s.add("/", page("groups home", ("/a", "/private/x", "/cu-no/y", "/star-only")))
    for p in ("/a", "/private/x", "/cu-no/y", "/star-only"):
        s.add(p, page(f"groups {p}"))

    # per-response signals, ai.txt image globs, noimageai.
    s = sites["signals"] = Site("signals")
    s.text("/robots.txt", "User-agent: *\nAllow: /\n")
    s.text("/ai.txt", "# Spawning AI\nUser-Agent: *\nDisallow: *.png\nAllow: /\n")
    links = (
        "/cs-header",
        "/cu-header",
        "/noai-header",
        "/noai-meta",
        "/tdm-header",
        "/tdm-meta",
        "/noimageai",
        "/ok",
        "/author",
    )
    s.add("/", page("signals home", links))
    s.add("/cs-header", page("cs"), headers=(("Content-Signal", "ai-train=no"),))
    s.add("/cu-header", page("cu"), headers=(("Content-Usage", "train-ai=n"),))
    s.add("/noai-header", page("noai h"), headers=(("X-Robots-Tag", "noai"),))
    s.add("/noai-meta", page("noai m", head='<meta name="robots" content="noai">'))
    s.add("/tdm-header", page("tdm h"), headers=(("tdm-reservation", "1"),))
    s.add("/tdm-meta", page("tdm m", head='<meta name="tdm-reservation" content="1">'))
    s.add(
        "/noimageai",
        page(
            "noimageai",
            head='<meta name="robots" content="noimageai">',
            images=("/img/reserved.jpg",),
        ),
    )
    s.add("/ok", page("ok", images=("/img/free.jpg", "/img/glob.png")))
    s.add(
        "/author",
        page(
            "author",
            head=(
                '<meta name="author" content="Ada Author"><link rel="license" href="/licence">'
                '<script type="application/ld+json">{"@context":"https://schema.org",'
                '"@type":"Article","copyrightHolder":{"@type":"Organization","name":"Ada Ltd"},'
                '"copyrightNotice":"(c) 2025 Ada Ltd"}</script>'
            ),
        ),
    )
    for name, body, ctype in (
        ("reserved.jpg", JPEG, "image/jpeg"),
        ("free.jpg", JPEG, "image/jpeg"),
        ("glob.png", PNG, "image/png"),
    ):
        s.add(f"/img/{name}", body, ctype=ctype)

    # TDMRep: the file reserves /reserved/; a response header supersedes it (TDMRep, section Processing priority).
    s = sites["tdm"] = Site("tdm")
    s.text("/robots.txt", "User-agent: *\nAllow: /\n")
    s.add(
        "/.well-known/tdmrep.json",
        '[{"location": "/reserved/", "tdm-reservation": 1}, '
        '{"location": "/", "tdm-reservation": 0}]',
        ctype="application/json",
    )
    s.add("/", page("tdm home", ("/reserved/open", "/reserved/closed", "/free")))
    s.add("/reserved/open", page("open"), headers=(("tdm-reservation", "0"),))
    s.add("/reserved/closed", page("closed"))
    s.add("/free", page("free"))

    # RSL: training only with payment -> nothing but the files is requested.
    s = sites["rsl"] = Site("rsl")
    s.text("/robots.txt", "User-agent: *\nAllow: /\nLicense: {base}/license.xml\n")
    s.add(
        "/license.xml",
        """<?xml version="1.0" encoding="UTF-8"?>
<rsl xmlns="https://rslstandard.org/rsl"><content url="/">
<license><permits type="usage">ai-train ai-input</permits>
<payment type="crawl"><amount currency="USD">0.01</amount></payment></license>
</content></rsl>""",
        ctype="application/rsl+xml",
    )
    s.add("/", page("rsl home", ("/paid",)))
    s.add("/paid", page("paid"))

    # robots.txt answers 503: complete disallow.
    s = sites["robots5xx"] = Site("robots5xx")
    s.text("/robots.txt", "busy", status=503)
    s.add("/", page("5xx home", ("/x",)))
    s.add("/x", page("x"))

    # robots.txt changes during the crawl: max-age=1, /later/ is disallowed from version 2.
    s = sites["changing"] = Site("changing")

    async def changing_robots(request: web.Request, site: Site = s) -> web.StreamResponse:
        first = site.counts.get("/robots.txt", 0) == 0
        body = "User-agent: *\nAllow: /\n" if first else "User-agent: *\nDisallow: /later/\n"
        return web.Response(text=body, headers={"Cache-Control": "max-age=1"})

    async def slow_page(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(2.0)
        return web.Response(text=page("slow", ("/later/page", "/after")), content_type="text/html")

    s.dynamic["/robots.txt"] = changing_robots
    s.dynamic["/slow"] = slow_page
    s.add("/", page("changing home", ("/slow",)))
    s.add("/later/page", page("later"))
    s.add("/after", page("after"))

    # revalidation: ETag + max-age=1, 304 when it matches.
    s = sites["revalidate"] = Site("revalidate")

    async def etag_robots(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"', "Cache-Control": "max-age=1"})
        return web.Response(
            text="User-agent: *\nDisallow: /no/\n",
            headers={"ETag": '"v1"', "Cache-Control": "max-age=1"},
        )

    s.dynamic["/robots.txt"] = etag_robots
    s.dynamic["/slow"] = slow_page
    s.add("/", page("revalidate home", ("/slow",)))
    s.add("/later/page", page("later"))
    s.add("/after", page("after", ("/no/way",)))
    s.add("/no/way", page("no"))

    # redirect chains: pages redirect into a disallowed path, or to an allowed one.
    s = sites["redirects"] = Site("redirects")
    s.text("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    s.add("/", page("redirects home", ("/r1", "/r-ok")))
    s.add("/r1", "", status=302, headers=(("Location", "/r2"),))
    s.add("/r2", "", status=302, headers=(("Location", "/private/target"),))
    s.add("/private/target", page("target"))
    s.add("/r-ok", "", status=301, headers=(("Location", "/final"),))
    s.add("/final", page("final"))

    # robots.txt behind six redirects: more than RFC 9309's five -> fail closed.
    s = sites["robots-hops"] = Site("robots-hops")
    chain = ["/robots.txt", *(f"/hop/{n}" for n in range(1, 6))]
    for here, there in zip(chain, [*chain[1:], "/real-robots.txt"], strict=True):
        s.add(here, "", status=302, headers=(("Location", there),))
    s.text("/real-robots.txt", "User-agent: *\nAllow: /\n")
    s.add("/", page("hops home"))

    # oversize: robots.txt past the 500 KiB parse limit (the rest is ignored, RFC 9309 2.5).
    s = sites["oversize"] = Site("oversize")
    pad = "# padding line for the parse limit test ..........................\n" * 10000
    s.text("/robots.txt", f"User-agent: *\nDisallow: /early/\n{pad}Disallow: /late/\n")
    s.add("/", page("oversize home", ("/early/x", "/late/x")))
    s.add("/early/x", page("early"))
    s.add("/late/x", page("late"))

    # Signal files that cannot be read (issue 16 section 3): never "no statement".
    # An ai.txt past the download cap: AI training stays unknown, nothing is requested.
    s = sites["aitxt-oversize"] = Site("aitxt-oversize")
    s.text("/robots.txt", "User-agent: *\nAllow: /\n")
    s.text("/ai.txt", "# x\n" * (600 * 1024))
    s.add("/", page("aitxt-oversize home"))
    # A 1.1 MB tdmrep.json whose first rule, read whole before the cut, reserves every path.
    s = sites["tdm-oversize"] = Site("tdm-oversize")
    s.text("/robots.txt", "User-agent: *\nAllow: /\n")
    filler = "".join(
        f',\n {{"location": "/archive/{n}/*", "tdm-reservation": 0}}' for n in range(22_000)
    )
    s.add(
        "/.well-known/tdmrep.json",
        '[{"location": "/*", "tdm-reservation": 1}' + filler + "]",
        ctype="application/json",
    )
    s.add("/", page("tdm-oversize home"))
    # A tdmrep.json that is not an array: only a response's own TDMRep header decides.
    s = sites["tdm-broken"] = Site("tdm-broken")
    s.text("/robots.txt", "User-agent: *\nAllow: /\n")
    s.add(
        "/.well-known/tdmrep.json",
        '{"location": "/", "tdm-reservation": 1}',
        ctype="application/json",
    )
    s.add("/", page("tdm-broken home", ("/plain",)), headers=(("tdm-reservation", "0"),))
    s.add("/plain", page("tdm-broken plain"))
    # Pages that answer 404 and 503: failed, never an ordinary verdict.
    s = sites["page-errors"] = Site("page-errors")
    s.text("/robots.txt", "User-agent: *\nAllow: /\n")
    s.add("/", page("page-errors home", ("/gone", "/busy")))
    s.add("/gone", page("gone"), status=404)
    s.add("/busy", page("busy"), status=503)

    # a slow origin: robots.txt takes a second; a burst of seeds waits for it.
    s = sites["slow"] = Site("slow")

    async def slow_robots(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(1.0)
        return web.Response(text="User-agent: *\nDisallow: /deny/\n")

    s.dynamic["/robots.txt"] = slow_robots
    for n in range(60):
        s.add(f"/ok/{n}", page(f"ok {n}"))
        s.add(f"/deny/{n}", page(f"deny {n}"))

    # a stalled origin: robots.txt never answers within the fetch timeout.
    s = sites["stalled"] = Site("stalled")

    async def stall(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(30)
        return web.Response(text="late")

    s.dynamic["/robots.txt"] = stall
    s.add("/", page("stalled home"))
    return sites


def _app(site: Site) -> web.Application:
    async def handle(request: web.Request) -> web.StreamResponse:
        path = request.path
        status = 0
        try:
            if path in site.dynamic:
                response = await site.dynamic[path](request)
            elif path in site.static:
                code, ctype, body, headers = site.static[path]
                base = f"http://{request.host}"
                raw = body.replace("{base}", base).encode() if isinstance(body, str) else body
                response = web.Response(
                    status=code, body=raw, headers=dict(headers), content_type=ctype
                )
            else:
                response = web.Response(status=404, text="not found")
            status = response.status
            return response
        finally:
            site.counts[path] = site.counts.get(path, 0) + 1
            site.log.append(
                (request.method, request.path_qs, status, request.headers.get("User-Agent", ""))
            )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


@dataclass
class Running:
    sites: dict[str, Site]
    urls: dict[str, str]


@contextmanager
def serve(sites: dict[str, Site]) -> Iterator[Running]:
    """Serve ``sites`` from a background thread until the block ends."""
    loop = asyncio.new_event_loop()
    urls: dict[str, str] = {}
    runners: list[web.AppRunner] = []
    ready = threading.Event()

    async def start() -> None:
        for name, site in sites.items():
            runner = web.AppRunner(
                _app(site), handler_cancellation=True, shutdown_timeout=0.2, access_log=None
            )
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            runners.append(runner)
            urls[name] = f"http://127.0.0.1:{runner.addresses[0][1]}"

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(20)
    try:
        yield Running(sites, urls)
    finally:

        async def stop() -> None:
            for runner in runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(20)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(20)
        loop.close()
