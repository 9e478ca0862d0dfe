"""Fetch what ``heedful check`` needs and decide: each origin's files once, then each URL.

``policies.plan`` says what to fetch and when the decision is ready; this module only performs
the fetches over aiohttp (style.md G.5). An origin's files are fetched concurrently and shared
by every URL of that origin given in one call; a licence is fetched once however many origins
and pages name it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import aiohttp

from heedful.fetch import FetchResult, fetch, make_session
from policies.agents import HEEDFUL_TOKEN
from policies.model import DEFAULT_AIPREF_DRAFT, AiprefDraft, Decision, Mode, Use
from policies.origin import page_origin
from policies.plan import FetchRequest, OriginPlan, PagePlan, Purpose, decide
from policies.site import PageSignals, SignalFile, SiteSignals

__all__ = ["USER_AGENT", "Checked", "Checker", "as_signal_file", "check_urls"]

USER_AGENT = (
    f"Mozilla/5.0 (compatible; {HEEDFUL_TOKEN}/0.1; +https://heedful.invalid/bot; policy check)"
)
"""Heedful's checker identifies itself and its purpose (RFC 9309 2.2.1, draft-illyes-webbotauth-cbcp)."""


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
        self,
        *,
        agent: str,
        use: Use,
        mode: Mode,
        tdm_covers_search: bool = False,
        aipref_draft: AiprefDraft = DEFAULT_AIPREF_DRAFT,
    ) -> Decision:
        """The explained decision for one agent and use."""
        return decide(
            self.site,
            self.page,
            url=self.url,
            agent=agent,
            use=use,
            mode=mode,
            tdm_covers_search=tdm_covers_search,
            aipref_draft=aipref_draft,
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

    def _license(self, request: FetchRequest) -> asyncio.Task[SignalFile]:
        """One fetch per licence URL, shared by every origin and page that names it."""
        if request.url not in self._licenses:
            self._licenses[request.url] = asyncio.ensure_future(
                self._get(request.url, max_bytes=request.max_bytes)
            )
        return self._licenses[request.url]

    async def _answer(self, request: FetchRequest) -> SignalFile:
        if request.purpose is Purpose.LICENSE:
            return await self._license(request)
        return await self._get(request.url, max_bytes=request.max_bytes)

    async def _drive(self, plan: OriginPlan | PagePlan) -> None:
        """Perform what ``plan`` asks for, each batch concurrently, until it is done."""
        while not plan.done:
            requests = plan.next_requests()
            answers = await asyncio.gather(*(self._answer(r) for r in requests))
            for request, answer in zip(requests, answers, strict=True):
                plan.receive(request, answer)

    async def _read_site(self, origin: str) -> SiteSignals:
        plan = OriginPlan(origin)
        await self._drive(plan)
        return plan.site

    async def site(self, url: str) -> SiteSignals:
        """The signals of ``url``'s origin, fetched on first use and shared afterwards."""
        origin = page_origin(url)
        if origin not in self._sites:
            self._sites[origin] = asyncio.ensure_future(self._read_site(origin))
        return await self._sites[origin]

    async def check(self, url: str, *, agents: Sequence[str]) -> Checked:
        """Read ``url``'s signals, and its page when the plan says some agent may fetch it."""
        plan = PagePlan(await self.site(url), url, agents=agents)
        await self._drive(plan)
        return Checked(url, plan.site, plan.page)


async def check_urls(
    urls: Iterable[str], *, agents: Sequence[str], fetch_timeout: float
) -> list[Checked]:
    """Check every URL, in the order given, sharing each origin's files."""
    urls = list(urls)
    for url in urls:
        page_origin(url)
    async with make_session(user_agent=USER_AGENT) as session:
        checker = Checker(session, timeout=fetch_timeout)
        return list(await asyncio.gather(*(checker.check(url, agents=agents) for url in urls)))
