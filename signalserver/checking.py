"""``GET /api/v1/check``: the decision ``heedful check --json`` would print, computed in process.

The same fetch plan ``heedful check`` runs (``policies.plan``) is answered from the server's own
published state: the rendered site files at the URLs a crawler would fetch them from (the asked
URL's origin), so every reason's ``source`` matches what ``heedful check`` prints, and the
site's approved removals (``/.well-known/heedful/removals.json``). The page is what
:func:`simulate` says a GET would return; like ``heedful check``, it is only looked at when the
agent may access the URL (a checker never fetches what robots.txt forbids).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urljoin, urlsplit

from policies.model import DEFAULT_AIPREF_DRAFT, AiprefDraft, Decision, Mode, Use
from policies.origin import BadURL, origin_of
from policies.plan import Answer, FetchRequest, OriginPlan, PagePlan, Purpose, decide, run
from policies.site import SignalFile, SiteSignals
from signalserver.content import served_path, simulate
from signalserver.errors import ApiError
from signalserver.live import PolicyState, Published, Rendering

MAX_CACHED: Final = 4096
NOT_FETCHED: Final = "not fetched by the signal server"
"""Why a licence on another origin has no answer: the server holds only its own files, and
what it cannot read is unknown, never assumed."""


class BadCheckURL(BadURL):
    """Not an absolute http(s) URL, or a path the content routes refuse."""


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckQuery:
    url: str
    agent: str
    use: Use
    mode: Mode
    tdm_covers_search: bool = False
    aipref_draft: AiprefDraft = DEFAULT_AIPREF_DRAFT
    """The draft-ietf-aipref-vocab revision to read Content-Usage under (docs/decisions.md,
    aipref revisions)."""


def _file(url: str, published: Published | None) -> SignalFile:
    if published is None:
        return SignalFile(url=url, status=404, headers=(("Content-Type", "application/json"),))
    return SignalFile(
        url=url, status=200, headers=tuple(published.headers.items()), body=published.body
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class ServedSite:
    """What the server publishes for one origin, as answers to the fetch plan's requests."""

    origin: str
    files: Mapping[str, Published]
    """Published files by path: robots.txt, tdmrep.json, ai.txt and the licence."""
    removals: Published | None
    license_path: str

    def answer(self, request: FetchRequest) -> SignalFile:
        """A site file or licence as served at ``request.url``; a licence on another origin is
        not fetched by the server, so it has no answer (unknown, never assumed)."""
        if request.purpose is Purpose.REMOVALS:
            return _file(request.url, self.removals)
        path = urlsplit(request.url).path
        if request.purpose is Purpose.LICENSE:
            if request.url != urljoin(self.origin, self.license_path):
                return SignalFile(url=request.url, status=None, error=NOT_FETCHED)
            path = self.license_path
        return _file(request.url, self.files.get(path))


def read_served_site(served: ServedSite) -> SiteSignals:
    """The origin's signals, read by the same plan ``heedful check`` runs over the network."""
    plan = OriginPlan(served.origin)
    run(plan, served.answer)
    return plan.site


def decide_served(
    site: SiteSignals, served: ServedSite, page: Answer, query: CheckQuery
) -> Decision:
    """``query``'s decision: the page plan answered by ``page`` (the page) and ``served``
    (the licences it names), read whatever the page answers (``page_must_answer=False``)."""
    plan = PagePlan(site, query.url, agents=[query.agent])
    run(plan, lambda r: page(r) if r.purpose is Purpose.PAGE else served.answer(r))
    return decide(
        site,
        plan.page,
        url=query.url,
        agent=query.agent,
        use=query.use,
        mode=query.mode,
        tdm_covers_search=query.tdm_covers_search,
        aipref_draft=query.aipref_draft,
        # What the published policy says about the URL, whether or not a page is there yet.
        page_must_answer=False,
    )


class Checker:
    """Site signals per (version, origin) and decisions per query, both cached and bounded.

    The fetch plan runs exactly as for ``heedful check``; its requests are answered from the
    server's own published state instead of the network.
    """

    def __init__(self, state: PolicyState, *, static_dir: Path | None, upstream: bool) -> None:
        self._state = state
        self._static = static_dir
        self._upstream = upstream
        self._sites: OrderedDict[tuple[int, int, str], SiteSignals] = OrderedDict()
        self._answers: OrderedDict[tuple[object, ...], bytes] = OrderedDict()

    def _served(self, rendering: Rendering, origin: str) -> ServedSite:
        return ServedSite(
            origin=origin,
            files=rendering.files,
            removals=self._state.removals_file,
            license_path=rendering.site.license_path,
        )

    def site(self, rendering: Rendering, origin: str) -> SiteSignals:
        key = (rendering.live.number, self._state.removals_generation, origin)
        found = self._sites.get(key)
        if found is not None:
            return found
        site = self._sites[key] = read_served_site(self._served(rendering, origin))
        while len(self._sites) > 64:
            self._sites.popitem(last=False)
        return site

    def decide(self, query: CheckQuery) -> Decision:
        try:
            origin = origin_of(query.url)
        except BadURL as exc:
            raise BadCheckURL(str(exc)) from None
        try:
            # The page is the one the content routes would serve, or refuse (400), for this URL.
            raw_path = served_path(urlsplit(query.url).path or "/")
        except ApiError as exc:
            raise BadCheckURL(exc.message) from None
        rendering = self._state.rendering(origin)

        def page(request: FetchRequest) -> SignalFile:
            view = simulate(
                rendering,
                raw_path=raw_path,
                static_dir=self._static,
                upstream=self._upstream,
                max_body=request.max_bytes,
            )
            return SignalFile(
                url=request.url, status=view.status, headers=view.headers, body=view.body
            )

        served = self._served(rendering, origin)
        return decide_served(self.site(rendering, origin), served, page, query)

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
