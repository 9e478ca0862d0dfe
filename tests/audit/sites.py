"""Fixture sites for ``heedful audit`` and ``heedful diff``, served on 127.0.0.1.

Each site is a table ``path -> Page``; ``{base}`` in a body or header becomes the site's own
``http://127.0.0.1:PORT``. Every site listed in :data:`CONTRADICTIONS` carries exactly one of
the contradictions of issue 5 section 1, with :data:`EXPECTED` saying which rule must report it
and which two statements it must quote. The sites run in a thread with their own event loop, so
tests in the main loop and CLI subprocesses can both reach them.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from aiohttp import web

HTML: Final = "text/html; charset=utf-8"
TEXT: Final = "text/plain; charset=utf-8"
JSON: Final = "application/json"
XML: Final = "application/xml"
START_SECONDS: Final = 10.0
LOCAL: Final = frozenset({"127.0.0.1"})
"""Hosts the audits under test may fetch: never anything off this machine."""
SOFT_404: Final = "*"
"""A site's page for every path it does not list (a soft 404 when it answers 200)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Page:
    status: int = 200
    body: str | bytes = ""
    content_type: str = HTML
    headers: tuple[tuple[str, str], ...] = ()


def page(title: str, *, head: str = "", links: tuple[str, ...] = ()) -> str:
    anchors = "\n".join(f'<a href="{href}">{href}</a>' for href in links)
    return (
        f'<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
        f"{head}</head>\n<body>\n<h1>{title}</h1>\n{anchors}\n</body>\n</html>\n"
    )


def robots(text: str) -> Page:
    return Page(body=text, content_type=TEXT)


def tdmrep(rules: list[dict[str, object]]) -> Page:
    return Page(body=json.dumps(rules, indent=2) + "\n", content_type=JSON)


ARTICLE: Final = Page(body=page("Article"))
RSL_FREE_TRAIN: Final = Page(
    content_type="application/rsl+xml",
    body=(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rsl xmlns="https://rslstandard.org/rsl">\n'
        '  <content url="/">\n'
        "    <license>\n"
        '      <permits type="usage">ai-train search</permits>\n'
        "    </license>\n"
        "  </content>\n"
        "</rsl>\n"
    ),
)
SITEMAP: Final = Page(
    content_type=XML,
    body=(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        "  <url><loc>{base}/articles/2</loc></url>\n"
        "  <url><loc>https://elsewhere.invalid/articles/3</loc></url>\n"
        "  <url><loc>{base}/articles/1</loc></url>\n"
        "</urlset>\n"
    ),
)

SITES: Final[Mapping[str, Mapping[str, Page]]] = {
    # Consistent, no Heedful, and every unknown path (tdmrep.json, ai.txt, the removals list)
    # answered with a 200 HTML page, as most real sites do: a soft 404 is an absent file.
    "soft-404": {
        "/robots.txt": robots(
            "User-agent: *\nAllow: /\nContent-Signal: search=yes, ai-input=no, ai-train=no\n"
        ),
        "/articles/1": Page(body=page("Article")),
        SOFT_404: Page(body=page("Page not found")),
    },
    # No findings at all: every use stated, in several formats, consistently.
    "clean": {
        "/robots.txt": robots(
            "User-agent: *\n"
            "Allow: /\n"
            "Content-Usage: train-ai=n, search=y\n"
            "Content-Signal: search=yes, ai-input=no, ai-train=no\n"
            "Sitemap: {base}/sitemap.xml\n"
        ),
        "/.well-known/tdmrep.json": tdmrep([{"location": "/", "tdm-reservation": 1}]),
        "/sitemap.xml": SITEMAP,
        "/articles/1": Page(
            body=page("One", head='<meta name="robots" content="noai, noimageai">\n'),
            headers=(("Content-Usage", "train-ai=n, search=y"),),
        ),
        "/articles/2": Page(body=page("Two", head='<meta name="tdm-reservation" content="1">\n')),
    },
    # HF101: tdm-reservation 0 beside Content-Usage train-ai=n.
    "tdm-vs-usage": {
        "/robots.txt": robots("User-agent: *\nAllow: /\nContent-Usage: train-ai=n\n"),
        "/.well-known/tdmrep.json": tdmrep([{"location": "/", "tdm-reservation": 0}]),
        "/articles/1": ARTICLE,
    },
    # HF102: Content-Signal ai-train=yes while every named training crawler is blocked.
    "signal-vs-blocks": {
        "/robots.txt": robots(
            "User-agent: GPTBot\nDisallow: /\n\n"
            "User-agent: ClaudeBot\nDisallow: /\n\n"
            "User-agent: CCBot\nDisallow: /\n\n"
            "User-agent: *\nContent-Signal: search=yes, ai-train=yes\nAllow: /\n"
        ),
        "/articles/1": ARTICLE,
    },
    # HF103: the * group's Content-Signal does not reach the Googlebot group.
    "wildcard-override": {
        "/robots.txt": robots(
            "User-agent: *\nContent-Signal: search=yes, ai-train=no\nAllow: /\n\n"
            "User-agent: Googlebot\nAllow: /\n"
        ),
        "/articles/1": ARTICLE,
    },
    # HF104: ai.txt allows JPEGs that tdmrep.json reserves.
    "aitxt-vs-tdmrep": {
        "/robots.txt": robots("User-agent: *\nAllow: /\n"),
        "/ai.txt": Page(
            content_type=TEXT, body="# Spawning AI\nUser-Agent: *\nAllow: *.jpg\nDisallow: /\n"
        ),
        "/.well-known/tdmrep.json": tdmrep(
            [{"location": "/*.jpg", "tdm-reservation": 1}, {"location": "/", "tdm-reservation": 1}]
        ),
        "/articles/1": ARTICLE,
    },
    # HF105: the RSL licence permits AI training that robots.txt's Content-Usage forbids.
    "rsl-vs-robots": {
        "/robots.txt": robots(
            "License: {base}/license.xml\nUser-agent: *\nAllow: /\nContent-Usage: train-ai=n\n"
        ),
        "/license.xml": RSL_FREE_TRAIN,
        "/articles/1": ARTICLE,
    },
    # HF106: a page header allows what robots.txt denies site-wide.
    "page-vs-site": {
        "/robots.txt": robots("User-agent: *\nAllow: /\nContent-Signal: ai-train=no\n"),
        "/articles/1": Page(body=page("Article"), headers=(("Content-Signal", "ai-train=yes"),)),
    },
    # HF108, HF109, HF110: a vendor directive, a legacy aipref label, noml.
    "legacy": {
        "/robots.txt": robots("User-agent: *\nAllow: /\nDisallow-AI: /\nContent-Usage: ai=n\n"),
        "/articles/1": Page(body=page("Article"), headers=(("X-Robots-Tag", "noml"),)),
    },
    # HF111: License: names a document that is not there.
    "license-broken": {
        "/robots.txt": robots("License: {base}/license.xml\nUser-agent: *\nAllow: /\n"),
        "/articles/1": ARTICLE,
    },
    # HF112: the tdm-policy cannot be fetched.
    "policy-broken": {
        "/robots.txt": robots("User-agent: *\nAllow: /\n"),
        "/.well-known/tdmrep.json": tdmrep(
            [{"location": "/", "tdm-reservation": 1, "tdm-policy": "{base}/policy.json"}]
        ),
        "/articles/1": ARTICLE,
    },
    # HF203: six of the seven well-known training crawlers blocked; Bytespider forgotten.
    "oversight": {
        "/robots.txt": robots(
            "".join(
                f"User-agent: {token}\nDisallow: /\n\n"
                for token in (
                    "GPTBot",
                    "ClaudeBot",
                    "CCBot",
                    "Google-Extended",
                    "Applebot-Extended",
                    "meta-externalagent",
                )
            )
            + "User-agent: *\nAllow: /\n"
        ),
        "/articles/1": ARTICLE,
    },
    # HF202: robots.txt names ClaudeBot, ai.txt names GPTBot only.
    "format-gap": {
        "/robots.txt": robots(
            "User-agent: GPTBot\nDisallow: /\n\nUser-agent: ClaudeBot\nDisallow: /\n\n"
            "User-agent: *\nAllow: /\n"
        ),
        "/ai.txt": Page(content_type=TEXT, body="User-Agent: GPTBot\nDisallow: /\n"),
        "/articles/1": ARTICLE,
    },
}

EXPECTED: Final[Mapping[str, tuple[str, tuple[str, str], tuple[str, str]]]] = {
    # site: (rule, (file path, location) of one statement, (file path, location) of the other)
    "tdm-vs-usage": ("HF101", ("/.well-known/tdmrep.json", "$[0]"), ("/robots.txt", "line 3")),
    "signal-vs-blocks": ("HF102", ("/robots.txt", "line 11"), ("/robots.txt", "line 2")),
    "wildcard-override": ("HF103", ("/robots.txt", "line 2"), ("/robots.txt", "line 5")),
    "aitxt-vs-tdmrep": ("HF104", ("/ai.txt", "line 3"), ("/.well-known/tdmrep.json", "$[0]")),
    "rsl-vs-robots": (
        "HF105",
        ("/license.xml", 'line 3 <content url="/">'),
        ("/robots.txt", "line 4"),
    ),
    "page-vs-site": (
        "HF106",
        ("/articles/1", "header Content-Signal"),
        ("/robots.txt", "line 3"),
    ),
    "legacy": ("HF108", ("/robots.txt", "line 3"), ("/robots.txt", "line 2")),
    "license-broken": ("HF111", ("/robots.txt", "line 1"), ("/license.xml", "status 404")),
    "policy-broken": (
        "HF112",
        ("/.well-known/tdmrep.json", "$[0]"),
        ("/policy.json", "status 404"),
    ),
    "oversight": ("HF203", ("/robots.txt", "line 2"), ("/robots.txt", "line 20")),
    "format-gap": ("HF202", ("/robots.txt", "line 4"), ("/ai.txt", "line 1")),
}
"""The rule each site must trigger and the two statements the finding must quote."""

SINGLE_STATEMENT: Final[Mapping[str, tuple[str, tuple[str, str]]]] = {
    # Legacy labels and robots tags have no second statement: they contradict the standard.
    "legacy-label": ("HF109", ("/robots.txt", "line 4")),
    "legacy-tag": ("HF110", ("/articles/1", "header X-Robots-Tag")),
}


async def _handle(request: web.Request) -> web.StreamResponse:
    pages: Mapping[str, Page] = request.app[PAGES]
    found = pages.get(request.path) or pages.get(SOFT_404)
    if found is None:
        return web.Response(status=404, text="Not found\n", content_type="text/plain")
    base = f"http://{request.host}"
    headers = {name: value.replace("{base}", base) for name, value in found.headers}
    headers["Content-Type"] = found.content_type
    body = found.body if isinstance(found.body, bytes) else found.body.replace("{base}", base)
    return web.Response(
        status=found.status,
        body=body if isinstance(body, bytes) else body.encode(),
        headers=headers,
    )


PAGES: Final = web.AppKey("pages", Mapping[str, Page])


class Served(dict[str, str]):
    """Site name -> base URL."""


@contextmanager
def serve(sites: Mapping[str, Mapping[str, Page]]) -> Iterator[Served]:
    """Serve every site on its own 127.0.0.1 port from a background thread."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    urls = Served()
    runners: list[web.AppRunner] = []

    async def start() -> None:
        for name, pages in sites.items():
            app = web.Application()
            app[PAGES] = pages
            app.router.add_route("*", "/{tail:.*}", _handle)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            runners.append(runner)
            server = site._server
            assert server is not None
            port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            urls[name] = f"http://127.0.0.1:{port}"

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if not ready.wait(START_SECONDS):
        raise RuntimeError("audit fixture sites did not start")
    try:
        yield urls
    finally:

        async def stop() -> None:
            for runner in runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(START_SECONDS)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(START_SECONDS)
        loop.close()


DIFF_POLICY: Final = """\
[site]
name = "Diff test"
url = "https://diff.example"
contact = "owner@diff.example"

[defaults]
search = "allow"
ai-input = "deny"
ai-train = "deny"
tdm = "deny"

[[paths]]
path = "/press/"
search = "allow"
ai-input = "allow"
ai-train = "allow"
tdm = "allow"

[[agents]]
agent = "GPTBot"
access = "deny"
"""
"""The owner's policy for the ``policy-*`` sites (docs/site-policy.md format)."""

FORGOTTEN_HEADER: Final = ("X-Robots-Tag", "noai")
"""What a plugin left on ``/press/1`` of ``policy-drifted``: it denies AI use of a press page
the policy opens to everyone (except GPTBot, which the policy keeps out anyway)."""


def policy_sites() -> dict[str, dict[str, Page]]:
    """``policy-faithful`` publishes exactly what :data:`DIFF_POLICY` renders to;
    ``policy-drifted`` is the same with :data:`FORGOTTEN_HEADER` on ``/press/1``."""
    from heedful.policies.sitepolicy import load_site_policy, render_site

    rendered = render_site(load_site_policy(DIFF_POLICY), version="1")
    files = {
        path: Page(body=body, content_type=ct) for path, (ct, body) in rendered.files().items()
    }
    for path in ("/articles/1", "/press/1"):
        files[path] = Page(
            body=page(path, head=rendered.html_head_for(path)),
            headers=tuple(rendered.headers_for(path)),
        )
    drifted = dict(files)
    press = files["/press/1"]
    drifted["/press/1"] = Page(body=press.body, headers=(*press.headers, FORGOTTEN_HEADER))
    return {"policy-faithful": files, "policy-drifted": drifted}
