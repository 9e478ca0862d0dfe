"""``GET /api/v1/check``: the decision ``heedful check --json`` would print, computed in process.

The site's files are the rendered ones, read with the same readers and evaluated with the same
evaluator, at the URLs a crawler would fetch them from (the asked URL's origin), so every
reason's ``source`` matches what ``heedful check`` prints. The page is what :func:`simulate`
says a GET would return; like ``heedful check``, it is only looked at when the agent may access
the URL (a checker never fetches what robots.txt forbids). The site's approved removals are
read too (``/.well-known/heedful/removals.json``): the site's own answer includes them.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urljoin, urlsplit

from policies.evaluate import evaluate
from policies.html import MAX_HEAD_BYTES
from policies.model import Decision, Mode, Use
from policies.removals import REMOVALS_PATH
from policies.site import (
    AI_TXT_PATH,
    ROBOTS_PATH,
    TDMREP_PATH,
    SignalFile,
    SiteSignals,
    license_urls,
    page_license_urls,
    read_page,
    read_site,
    with_licenses,
)
from signalserver.content import served_path, simulate
from signalserver.errors import ApiError
from signalserver.live import PolicyState, Published, Rendering

MAX_CACHED: Final = 4096


class BadCheckURL(ValueError):
    """Not an absolute http(s) URL."""


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadCheckURL(f"not an absolute http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckQuery:
    url: str
    agent: str
    use: Use
    mode: Mode
    tdm_covers_search: bool = False


def _file(url: str, published: Published | None) -> SignalFile:
    if published is None:
        return SignalFile(url=url, status=404, headers=(("Content-Type", "application/json"),))
    return SignalFile(
        url=url, status=200, headers=tuple(published.headers.items()), body=published.body
    )


def _unfetched(url: str) -> SignalFile:
    """A licence on another origin: not fetched here, so unknown (never assumed)."""
    return SignalFile(url=url, status=None, error="not fetched by the signal server")


class Checker:
    """Site signals per (version, origin) and decisions per query, both cached and bounded."""

    def __init__(self, state: PolicyState, *, static_dir: Path | None, upstream: bool) -> None:
        self._state = state
        self._static = static_dir
        self._upstream = upstream
        self._sites: OrderedDict[tuple[int, int, str], SiteSignals] = OrderedDict()
        self._answers: OrderedDict[tuple[object, ...], bytes] = OrderedDict()

    def _licences(
        self, rendering: Rendering, origin: str, urls: tuple[str, ...]
    ) -> dict[str, SignalFile]:
        own = urljoin(origin, rendering.site.license_path)
        return {
            url: _file(url, rendering.files.get(rendering.site.license_path))
            if url == own
            else _unfetched(url)
            for url in urls
        }

    def site(self, rendering: Rendering, origin: str) -> SiteSignals:
        state = self._state
        key = (rendering.live.number, state.removals_generation, origin)
        found = self._sites.get(key)
        if found is not None:
            return found
        files: Mapping[str, Published] = rendering.files
        robots = _file(urljoin(origin, ROBOTS_PATH), files.get(ROBOTS_PATH))
        tdmrep = _file(urljoin(origin, TDMREP_PATH), files.get(TDMREP_PATH))
        ai_txt = _file(urljoin(origin, AI_TXT_PATH), files.get(AI_TXT_PATH))
        removals = _file(urljoin(origin, REMOVALS_PATH), state.removals_file)
        site = read_site(origin, robots=robots, tdmrep=tdmrep, ai_txt=ai_txt, removals=removals)
        named = license_urls(site)
        if named:
            site = with_licenses(site, self._licences(rendering, origin, named))
        self._sites[key] = site
        while len(self._sites) > 64:
            self._sites.popitem(last=False)
        return site

    def decide(self, query: CheckQuery) -> Decision:
        origin = origin_of(query.url)
        try:
            # The page is the one the content routes would serve, or refuse (400), for this URL.
            raw_path = served_path(urlsplit(query.url).path or "/")
        except ApiError as exc:
            raise BadCheckURL(exc.message) from None
        rendering = self._state.rendering(origin)
        site = self.site(rendering, origin)
        page = None
        probe = evaluate(site, None, url=query.url, agent=query.agent, use=Use.SEARCH)
        if probe.access == "allow":
            view = simulate(
                rendering,
                raw_path=raw_path,
                static_dir=self._static,
                upstream=self._upstream,
                max_body=MAX_HEAD_BYTES,
            )
            response = SignalFile(
                url=query.url, status=view.status, headers=view.headers, body=view.body
            )
            page = read_page(response)
            named = [
                u
                for u in page_license_urls(query.url, page.headers, page.head)
                if u not in site.licenses
            ]
            if named:
                page = read_page(response, licenses=self._licences(rendering, origin, tuple(named)))
        return evaluate(
            site,
            page,
            url=query.url,
            agent=query.agent,
            use=query.use,
            mode=query.mode,
            tdm_covers_search=query.tdm_covers_search,
            # What the published policy says about the URL, whether or not a page is there yet.
            page_must_answer=False,
        )

    def answer(self, query: CheckQuery) -> bytes:
        """The decision as JSON bytes; cached unless pages come from a directory that changes."""
        state = self._state
        key = (state.live.number, state.removals_generation, query)
        cached = self._answers.get(key)
        if cached is not None:
            return cached
        body = json.dumps(self.decide(query).as_dict(), ensure_ascii=False).encode()
        if self._static is None:
            self._answers[key] = body
            while len(self._answers) > MAX_CACHED:
                self._answers.popitem(last=False)
        return body
