"""Fetch what ``heedful audit`` needs: an origin's files once, the page, a bounded sample of
pages (from the sitemap, else the page's links), and the documents the files point at.

All meaning lives in ``policies.audit``; this module only moves bytes (style.md G.5). Fetching
goes through :class:`heedful.check.Checker`, so every file is fetched once, within the same
limits as ``heedful check``, and pages robots.txt keeps HeedfulBot out of are never fetched.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import replace
from html.parser import HTMLParser
from typing import Final
from urllib.parse import urldefrag, urljoin, urlsplit

import aiohttp
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from heedful.check import USER_AGENT, Checker, as_signal_file
from heedful.fetch import fetch, make_session
from policies.agents import HEEDFUL_TOKEN
from policies.audit import policy_urls
from policies.audit_model import AuditInput
from policies.fetching import MAX_SIGNAL_BYTES
from policies.html import MAX_HEAD_BYTES
from policies.origin import BadURL, page_origin
from policies.plan import page_refusal
from policies.served import MARKDOWN, is_markdown, markdown_alternates
from policies.site import PageSignals, SignalFile, SiteSignals

MAX_SAMPLE: Final = 100
"""Most pages ``--sample`` may ask for."""
MAX_SITEMAPS: Final = 3
"""Sitemap documents read (an index and its first children)."""
SITEMAP_PATH: Final = "/sitemap.xml"
_LOC: Final = re.compile(rb"<(?:\w+:)?loc>\s*([^<\s]+)\s*</(?:\w+:)?loc>")


class AuditChecker(Checker):
    """A :class:`Checker` that keeps every fetch, so the audit can re-read raw files."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        timeout: float,
        hosts: frozenset[str] | None = None,
    ) -> None:
        super().__init__(session, timeout=timeout)
        self._files: dict[str, asyncio.Task[SignalFile]] = {}
        self._hosts = hosts
        """When set, URLs on other hosts are not fetched (tests and benchmarks stay local)."""

    async def _get(self, url: str, *, max_bytes: int = MAX_SIGNAL_BYTES) -> SignalFile:
        task = self._files.get(url)
        if task is None:
            if self._hosts is not None and urlsplit(url).hostname not in self._hosts:
                return SignalFile(url=url, status=None, error="host outside the audit's scope")
            task = self._files[url] = asyncio.ensure_future(super()._get(url, max_bytes=max_bytes))
        return await task

    async def file(self, url: str) -> SignalFile:
        """One bounded fetch of ``url`` (shared with any earlier fetch of the same URL)."""
        return await self._get(url)

    def fetched(self) -> dict[str, SignalFile]:
        return {
            url: task.result()
            for url, task in self._files.items()
            if task.done() and not task.cancelled()
        }


async def gather(
    url: str,
    *,
    sample: int = 0,
    fetch_timeout: float = 10.0,
    sitemap: bool = True,
    hosts: frozenset[str] | None = None,
    extra: Sequence[str] = (),
) -> AuditInput:
    """Fetch everything the audit of ``url``'s origin reads; ``sample`` extra pages at most.

    ``hosts`` limits fetches (licences and policies may live elsewhere) to those host names;
    ``extra`` are further pages to fetch (``heedful diff``'s media probes, whose response
    headers carry what the site-wide files cannot say about a file type).
    """
    page_origin(url)  # raises BadURL before anything is fetched
    if not 0 <= sample <= MAX_SAMPLE:
        raise BadURL(f"--sample must be between 0 and {MAX_SAMPLE}")
    async with make_session(user_agent=USER_AGENT) as session:
        checker = AuditChecker(session, timeout=fetch_timeout, hosts=hosts)
        main = await checker.check(url, agents=[HEEDFUL_TOKEN])
        urls: list[str] = []
        if sample:
            urls = await sample_urls(checker, main.site, url, sample, sitemap=sitemap)
        urls += [u for u in extra if u not in urls and u != url]
        checked = await asyncio.gather(*(checker.check(u, agents=[HEEDFUL_TOKEN]) for u in urls))
        pages = ((url, main.page), *((c.url, c.page) for c in checked))
        data = AuditInput(site=main.site, url=url, pages=pages, files=checker.fetched())
        await asyncio.gather(*(checker.file(u) for u in policy_urls(data)))
        markdown = await markdown_of(checker, session, pages, fetch_timeout=fetch_timeout)
        return replace(data, files=checker.fetched(), markdown=markdown)


async def markdown_of(
    checker: AuditChecker,
    session: aiohttp.ClientSession,
    pages: Sequence[tuple[str, PageSignals | None]],
    *,
    fetch_timeout: float,
) -> dict[str, SignalFile]:
    """The Markdown representation of each fetched page: the one its ``<link rel="alternate"
    type="text/markdown">`` names, else (for the audited page only) the page asked for with
    ``Accept: text/markdown``, kept when the site answers with Markdown. One request per page
    at most."""
    out: dict[str, SignalFile] = {}

    async def one(index: int, url: str, page: PageSignals) -> None:
        linked = markdown_alternates(page)
        if linked:
            site = await checker.site(linked[0])
            # Only where robots.txt lets the auditor go, as for every other page.
            if page_refusal(site, linked[0], agents=[HEEDFUL_TOKEN]) is None:
                out[url] = await checker.file(linked[0])
        elif index == 0:
            got = as_signal_file(
                await fetch(
                    session,
                    url,
                    timeout=fetch_timeout,
                    max_bytes=MAX_HEAD_BYTES,
                    user_agent=USER_AGENT,
                    accept=f"{MARKDOWN}, text/html;q=0.5",
                )
            )
            if is_markdown(got):
                out[url] = got

    await asyncio.gather(
        *(one(i, url, page) for i, (url, page) in enumerate(pages) if page is not None)
    )
    return out


async def sample_urls(
    checker: AuditChecker, site: SiteSignals, url: str, count: int, *, sitemap: bool = True
) -> list[str]:
    """Up to ``count`` same-origin URLs HeedfulBot may fetch: sitemap first, then links."""
    origin = page_origin(url)
    found: dict[str, None] = {}

    def take(candidates: Sequence[str]) -> None:
        for candidate in candidates:
            if len(found) >= count:
                return
            target = urldefrag(urljoin(url, candidate.strip()))[0]
            try:
                same = page_origin(target) == origin
            except BadURL:
                continue
            if not same or target == url or target in found:
                continue
            if site.robots is not None and not site.robots.access(target, HEEDFUL_TOKEN).allowed:
                continue
            found[target] = None

    if sitemap:
        take(await _sitemap_locs(checker, site, origin))
    if len(found) < count:
        page = checker.fetched().get(url)
        if page is not None and page.body:
            take(links_of(page.body))
    return list(found)


async def _sitemap_locs(checker: AuditChecker, site: SiteSignals, origin: str) -> list[str]:
    queue = [u for u in (site.robots.sitemaps if site.robots is not None else ()) if u]
    queue = [u for u in queue if _same_origin(u, origin)] or [urljoin(origin, SITEMAP_PATH)]
    locs: list[str] = []
    read = 0
    while queue and read < MAX_SITEMAPS:
        fetched = await checker.file(queue.pop(0))
        read += 1
        if fetched.status is None or not 200 <= fetched.status < 300:
            continue
        kind, entries = sitemap_entries(fetched.body)
        if kind == "sitemapindex":
            queue.extend(u for u in entries if _same_origin(u, origin))
        else:
            locs.extend(entries)
    return locs


def sitemap_entries(body: bytes) -> tuple[str, list[str]]:
    """``(root name, <loc> values)`` of a sitemap or sitemap index, read with defusedxml.

    A document cut at the size cap is not well-formed; its ``<loc>`` elements are still read
    one by one, so a big sitemap yields its first URLs.
    """
    try:
        root = fromstring(body)
    except DefusedXmlException:
        return "refused", []  # entities or a DTD: not read at all, not even leniently
    except (ParseError, ValueError):
        kind = "sitemapindex" if b"<sitemapindex" in body[:2048] else "urlset"
        return kind, [m.group(1).decode("utf-8", "replace") for m in _LOC.finditer(body)]
    kind = root.tag.rsplit("}", 1)[-1]
    locs = [
        (el.text or "").strip()
        for el in root.iter()
        if isinstance(el.tag, str) and el.tag.rsplit("}", 1)[-1] == "loc" and el.text
    ]
    return kind, locs


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_of(body: bytes) -> list[str]:
    """``<a href>`` values of an HTML body, in document order."""
    parser = _Links()
    parser.feed(body.decode("utf-8", "replace"))
    parser.close()
    return parser.hrefs


def _same_origin(url: str, origin: str) -> bool:
    try:
        return page_origin(url) == origin
    except BadURL:
        return False
