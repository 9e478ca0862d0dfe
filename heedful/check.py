"""Fetch what ``heedful check`` needs and decide: each origin's files once, then each URL.

All meaning lives in ``policies``; this module only moves bytes (style.md G.5). An origin's files
are fetched concurrently and shared by every URL of that origin given in one call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp

from heedful.fetch import FetchResult, fetch, make_session
from policies.agents import HEEDFUL_TOKEN
from policies.evaluate import evaluate
from policies.html import MAX_HEAD_BYTES
from policies.model import Decision, Mode, Use
from policies.removals import REMOVALS_PATH
from policies.site import (
    AI_TXT_PATH,
    FILE_LIMITS,
    LICENSE_LIMIT,
    ROBOTS_PATH,
    TDMREP_PATH,
    PageSignals,
    SignalFile,
    SiteSignals,
    license_urls,
    page_license_urls,
    read_page,
    read_site,
    with_licenses,
)
from policies.urlpath import hides_dot_segment

USER_AGENT = (
    f"Mozilla/5.0 (compatible; {HEEDFUL_TOKEN}/0.1; +https://heedful.invalid/bot; policy check)"
)
"""Heedful's checker identifies itself and its purpose (RFC 9309 2.2.1, draft-illyes-webbotauth-cbcp)."""


class BadURL(ValueError):
    """A URL the checker cannot fetch (not absolute http or https)."""


def origin_of(url: str) -> str:
    """``scheme://host[:port]``: robots.txt and friends are scoped to exactly this (RFC 9309 section 2.3)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadURL(f"not an absolute http(s) URL: {url!r}")
    if hides_dot_segment(url):
        # docs/decisions.md, Paths are normalised once: which page this names depends on the
        # server, so no verdict for it could be trusted.
        raise BadURL(
            f"{url} hides a dot segment behind an encoded slash or a backslash; servers"
            " disagree on which page it names (RFC 3986 sections 2.2, 5.2.4)"
        )
    return f"{parts.scheme}://{parts.netloc}"


def as_signal_file(result: FetchResult) -> SignalFile:
    """The core's view of one fetch."""
    return SignalFile(
        url=result.final_url or result.url,
        status=result.status,
        headers=result.headers,
        body=result.body,
        error=result.error,
        redirects=result.redirects,
        truncated=result.truncated,
    )


@dataclass(frozen=True, slots=True)
class Checked:
    """One URL with the signals read for it; ``page`` is ``None`` when it was not fetched."""

    url: str
    site: SiteSignals
    page: PageSignals | None

    def decide(
        self, *, agent: str, use: Use, mode: Mode, tdm_covers_search: bool = False
    ) -> Decision:
        """The explained decision for one agent and use."""
        return evaluate(
            self.site,
            self.page,
            url=self.url,
            agent=agent,
            use=use,
            mode=mode,
            tdm_covers_search=tdm_covers_search,
        )


class Checker:
    """Fetches origins' signal files once and pages on demand, within the given limits."""

    def __init__(self, session: aiohttp.ClientSession, *, timeout: float) -> None:
        self._session = session
        self._timeout = timeout
        self._sites: dict[str, asyncio.Task[SiteSignals]] = {}
        self._licenses: dict[str, asyncio.Task[SignalFile]] = {}

    async def _get(self, url: str, *, max_bytes: int) -> SignalFile:
        result = await fetch(
            self._session, url, timeout=self._timeout, max_bytes=max_bytes, user_agent=USER_AGENT
        )
        return as_signal_file(result)

    def _license(self, url: str) -> asyncio.Task[SignalFile]:
        if url not in self._licenses:
            self._licenses[url] = asyncio.ensure_future(self._get(url, max_bytes=LICENSE_LIMIT))
        return self._licenses[url]

    async def _read_site(self, origin: str) -> SiteSignals:
        paths = (ROBOTS_PATH, TDMREP_PATH, AI_TXT_PATH, REMOVALS_PATH)
        robots, tdmrep, ai_txt, removals = await asyncio.gather(
            *(self._get(urljoin(origin, path), max_bytes=FILE_LIMITS[path]) for path in paths)
        )
        site = read_site(origin, robots=robots, tdmrep=tdmrep, ai_txt=ai_txt, removals=removals)
        named = license_urls(site)
        if not named:
            return site
        docs = await asyncio.gather(*(self._license(url) for url in named))
        return with_licenses(site, dict(zip(named, docs, strict=True)))

    async def site(self, url: str) -> SiteSignals:
        """The signals of ``url``'s origin, fetched on first use and shared afterwards."""
        origin = origin_of(url)
        if origin not in self._sites:
            self._sites[origin] = asyncio.ensure_future(self._read_site(origin))
        return await self._sites[origin]

    async def check(self, url: str, *, agents: Sequence[str]) -> Checked:
        """Read ``url``'s signals; the page itself is fetched only if some agent may access it.

        A checker that fetched pages robots.txt forbids would itself break the protocol it checks.
        """
        site = await self.site(url)
        may_fetch = any(
            evaluate(site, None, url=url, agent=agent, use=Use.SEARCH).access == "allow"
            for agent in agents
        )
        if not may_fetch:
            return Checked(url, site, None)
        response = await self._get(url, max_bytes=MAX_HEAD_BYTES)
        first = read_page(response)
        named = [
            u for u in page_license_urls(url, first.headers, first.head) if u not in site.licenses
        ]
        if not named:
            return Checked(url, site, first)
        docs = await asyncio.gather(*(self._license(u) for u in named))
        return Checked(url, site, read_page(response, licenses=dict(zip(named, docs, strict=True))))


async def check_urls(
    urls: Iterable[str], *, agents: Sequence[str], fetch_timeout: float
) -> list[Checked]:
    """Check every URL, in the order given, sharing each origin's files."""
    urls = list(urls)
    for url in urls:
        origin_of(url)
    async with make_session(user_agent=USER_AGENT) as session:
        checker = Checker(session, timeout=fetch_timeout)
        return list(await asyncio.gather(*(checker.check(url, agents=agents) for url in urls)))
