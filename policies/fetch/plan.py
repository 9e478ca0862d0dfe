"""The fetch plan: which URLs to fetch for an origin and a page, and when the decision is ready.

Every adapter -- ``heedful check`` over aiohttp, the signal server over its own published files,
the crawler over Scrapy -- runs the same sequence: the origin's site files, then the RSL licences
its robots.txt names, then (when some agent may fetch it) the page, then the licences the page
names, then the decision. This module holds that sequence once, sans-IO like h11's
``Connection``: a plan says what to fetch next (:meth:`OriginPlan.next_requests`), takes each
answer in (``receive``, or ``fail`` when no answer came), and says when it is done. It performs
no I/O and reads no clock; the adapter only fetches.

What the plan decides, so that no adapter does:

* which site files are read (:data:`SITE_FILES`) and how many bytes of each
  (each reader's own limit, ``heedful.policies.signals.read.FILE_LIMITS``);
* whether the other site files and the robots.txt licences are fetched at all when a crawler
  must first heed robots.txt (``gate_agent``: RFC 9309 section 2.2.2 applies to every URL but
  ``/robots.txt`` itself);
* whether the page is fetched (no agent may access it -> not fetched, and the decision says why);
* redirects an adapter hands in one hop at a time (``next_hop``, at most ``MAX_REDIRECTS``);
* a body longer than the request's limit is cut there and marked truncated, so its reader says
  "unreadable" (site files) or parses the prefix (robots.txt), never more.

What each answer *means* (found, unavailable, unreachable, unreadable; failed hosts; 401/402/403)
stays with the readers in ``heedful.policies.signals.read``, ``heedful.policies.fetch.outcomes`` and ``heedful.policies.fetch.page_access``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final
from urllib.parse import urljoin

from heedful.policies.evaluate import evaluate
from heedful.policies.fetch.redirects import MAX_REDIRECTS, REDIRECT_STATUSES, next_hop
from heedful.policies.fetch.statuses import Availability
from heedful.policies.headers import header_values
from heedful.policies.html import MAX_HEAD_BYTES
from heedful.policies.model import DEFAULT_AIPREF_DRAFT, AiprefDraft, Decision, Mode, Use, Verdict
from heedful.policies.origin import origin_of, same_origin
from heedful.policies.signals.read import (
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
from heedful.policies.signals.removals import REMOVALS_PATH


class Purpose(StrEnum):
    """Why a URL is fetched; also the ``kind`` the crawler's ledger records for it."""

    ROBOTS = "robots"
    TDMREP = "tdmrep"
    AI_TXT = "ai-txt"
    REMOVALS = "removals"
    LICENSE = "rsl"
    PAGE = "page"


SITE_FILES: Final[tuple[tuple[Purpose, str], ...]] = (
    (Purpose.ROBOTS, ROBOTS_PATH),
    (Purpose.TDMREP, TDMREP_PATH),
    (Purpose.AI_TXT, AI_TXT_PATH),
    (Purpose.REMOVALS, REMOVALS_PATH),
)
"""The files read once per origin before any page, robots.txt first (docs/crawler.md)."""

PAGE_LIMIT: Final = MAX_HEAD_BYTES
"""How many bytes of a page are fetched: enough for its ``<head>``, where its signals are."""


@dataclass(frozen=True, kw_only=True, slots=True)
class FetchRequest:
    """One GET the adapter is asked to perform, and to answer with ``receive`` or ``fail``."""

    url: str
    purpose: Purpose
    max_bytes: int
    """Read at most this many bytes of the body; a longer body is cut and marked truncated."""
    hops: int = 0
    """Redirects already followed to reach ``url`` (the plan follows 3xx answers itself when the
    adapter does not)."""
    first_url: str = ""
    """The URL first asked for, when this request is a redirect hop; ``""`` when ``url`` is it."""


class PlanError(RuntimeError):
    """The adapter answered a request the plan never made, or asked for a result too early."""


class _Requests:
    """Requests handed out and not yet answered; follows redirects; cuts oversize bodies."""

    def __init__(self) -> None:
        self._new: list[FetchRequest] = []
        self._pending: dict[FetchRequest, FetchRequest] = {}
        """Outstanding request -> the request it was made for (itself, unless a redirect hop)."""

    def ask(self, request: FetchRequest) -> None:
        if request not in self._pending:
            self._new.append(request)
            self._pending[request] = request

    def take_new(self) -> tuple[FetchRequest, ...]:
        new, self._new = tuple(self._new), []
        return new

    @property
    def waiting(self) -> bool:
        return bool(self._pending)

    @staticmethod
    def redirect_target(request: FetchRequest, file: SignalFile) -> str | None:
        """Where ``file`` redirects to (``next_hop``), or ``None`` when it is a final answer."""
        if file.status not in REDIRECT_STATUSES or file.error:
            return None
        location = next(iter(header_values(file.headers, "Location")), None)
        return next_hop(
            file.url or request.url, file.status or 0, location, request.hops + file.redirects
        )

    def drop(self, request: FetchRequest) -> None:
        """Stop waiting for ``request``: its answer ended the plan without being taken in."""
        if self._pending.pop(request, None) is None:
            raise PlanError(f"no request for {request.url} ({request.purpose}) is pending")

    def answer(
        self, request: FetchRequest, file: SignalFile
    ) -> tuple[FetchRequest, SignalFile] | None:
        """The original request and its final answer, or ``None`` when a redirect is followed."""
        original = self._pending.pop(request, None)
        if original is None:
            raise PlanError(f"no request for {request.url} ({request.purpose}) is pending")
        if len(file.body) > request.max_bytes:
            file = replace(file, body=file.body[: request.max_bytes], truncated=True)
        hops = request.hops + file.redirects
        target = self.redirect_target(request, file)
        if target is not None:
            if hops + 1 > MAX_REDIRECTS:
                # RFC 9309 2.3.1.2: reported as one more than the limit; the reader fails closed.
                return original, replace(file, redirects=hops + 1)
            hop = replace(request, url=target, hops=hops + 1, first_url=original.url)
            self._new.append(hop)
            self._pending[hop] = original
            return None
        return original, replace(file, redirects=hops)


def _robots_allow(robots_only: SiteSignals, url: str, agent: str) -> bool:
    """Whether robots.txt lets ``agent`` fetch ``url``. Another origin's URL is under that
    origin's own robots.txt, which this plan does not read, so it is fetched."""
    if not same_origin(url, robots_only.origin):
        return True
    outcome = robots_only.robots_outcome.availability
    if outcome is Availability.UNAVAILABLE:
        return True
    if outcome is Availability.UNREACHABLE or robots_only.robots is None:
        return False
    return robots_only.robots.access(url, agent).allowed


class OriginPlan:
    """The site files of one origin and the licences its robots.txt names -> :class:`SiteSignals`.

    ``gate_agent``: a crawler names itself, and then fetches robots.txt alone first and the other
    files (and licences) only where robots.txt lets it; without it every site file is fetched at
    once, as a checker that reports on all of them does.

    ``lint=False`` reads the files without the diagnostics meant for their author
    (:func:`~heedful.policies.signals.read.read_site`): a crawler decides, it does not report.
    """

    def __init__(self, origin: str, *, gate_agent: str | None = None, lint: bool = True) -> None:
        self.origin = origin
        self.gate_agent = gate_agent
        self.lint = lint
        self._requests = _Requests()
        self._files: dict[Purpose, SignalFile] = {}
        self._licenses: dict[str, SignalFile] = {}
        self._first: SiteSignals | None = None
        self._site: SiteSignals | None = None
        wanted = SITE_FILES[:1] if gate_agent is not None else SITE_FILES
        for purpose, path in wanted:
            self._ask(purpose, path)
        self._unasked = [] if gate_agent is None else list(SITE_FILES[1:])

    def _ask(self, purpose: Purpose, path: str) -> None:
        self._requests.ask(
            FetchRequest(
                url=urljoin(self.origin, path), purpose=purpose, max_bytes=FILE_LIMITS[path]
            )
        )

    def next_requests(self) -> tuple[FetchRequest, ...]:
        """The requests that became due since the last call (each is handed out once)."""
        return self._requests.take_new()

    @property
    def done(self) -> bool:
        return self._site is not None

    @property
    def site(self) -> SiteSignals:
        """The origin's signals; :class:`PlanError` before every answer is in."""
        if self._site is None:
            raise PlanError(f"the site files of {self.origin} are not all in yet")
        return self._site

    def fail(self, request: FetchRequest, error: str) -> None:
        """No answer came for ``request`` (refused, timed out, no such host): ``error`` says why."""
        self.receive(request, SignalFile(url=request.url, status=None, error=error))

    def receive(self, request: FetchRequest, file: SignalFile) -> None:
        """Take the answer to ``request`` in; may make further requests due."""
        answered = self._requests.answer(request, file)
        if answered is None:
            return
        original, final = answered
        if original.purpose is Purpose.LICENSE:
            self._licenses[original.url] = final
        else:
            self._files[original.purpose] = final
        if self._unasked and original.purpose is Purpose.ROBOTS and self.gate_agent is not None:
            robots_only = read_site(self.origin, robots=final, lint=False)
            for purpose, path in self._unasked:
                if _robots_allow(robots_only, urljoin(self.origin, path), self.gate_agent):
                    self._ask(purpose, path)
            self._unasked = []
        if self._requests.waiting:
            return
        if self._first is None:
            self._first = read_site(
                self.origin,
                robots=self._files.get(Purpose.ROBOTS),
                tdmrep=self._files.get(Purpose.TDMREP),
                ai_txt=self._files.get(Purpose.AI_TXT),
                removals=self._files.get(Purpose.REMOVALS),
                lint=self.lint,
            )
            named = [
                url
                for url in license_urls(self._first)
                if self.gate_agent is None or _robots_allow(self._first, url, self.gate_agent)
            ]
            for url in named:
                self._requests.ask(
                    FetchRequest(url=url, purpose=Purpose.LICENSE, max_bytes=LICENSE_LIMIT)
                )
            if named:
                return
        self._site = with_licenses(self._first, self._licenses) if self._licenses else self._first


@dataclass(frozen=True, slots=True)
class DecidedAccess:
    """Access to a page that an adapter decided before fetching it: ``decision`` (for
    ``decision.url`` and ``decision.agent``) under the very ``site`` signals it was made with.

    A crawler must decide access before a request leaves (it never sends one robots.txt
    forbids), so reading robots.txt again for the response would repeat that work. A
    :class:`PagePlan` takes this decision instead when it :meth:`covers` the plan's own signals,
    URL and agent; signals read again since (a new robots.txt) are decided again.
    """

    site: SiteSignals
    decision: Decision

    def covers(self, site: SiteSignals, url: str, agents: Sequence[str]) -> bool:
        """Whether this decision answers :func:`page_refusal` for ``site``, ``url`` and ``agents``:
        the same signals object (not a later reading of the origin's files), the same URL, and
        ``agents`` being its agent alone."""
        return (
            self.site is site
            and self.decision.url == url
            and tuple(agents) == (self.decision.agent,)
        )


def page_refusal(site: SiteSignals, url: str, *, agents: Sequence[str]) -> Decision | None:
    """Why none of ``agents`` may fetch ``url`` (the access decision of the first), or ``None``
    when one may: a checker that fetched what robots.txt forbids would itself break the
    protocol it checks (RFC 9309 section 2.2.2)."""
    if not agents:
        raise ValueError("page_refusal needs at least one agent")
    probes = [evaluate(site, None, url=url, agent=agent, use=Use.SEARCH) for agent in agents]
    if any(probe.access is Verdict.ALLOW for probe in probes):
        return None
    return probes[0]


def _refusal(decision: Decision) -> Decision | None:
    """:func:`page_refusal`'s answer from an access decision already made for the one agent."""
    return None if decision.access is Verdict.ALLOW else decision


class PagePlan:
    """One page of an origin whose signals are read -> :class:`PageSignals` (or none fetched).

    The page is fetched only when some of ``agents`` may access it (:func:`page_refusal`).
    When none may, :attr:`refusal` is the decision that says why, and the page stays unfetched.
    ``decided`` is the access decision the adapter already made before fetching the page; when
    it :meth:`~DecidedAccess.covers` this page, robots.txt is not read a second time.
    """

    def __init__(
        self,
        site: SiteSignals,
        url: str,
        *,
        agents: Sequence[str],
        hops: int = 0,
        decided: DecidedAccess | None = None,
    ) -> None:
        self.site = site
        self.url = url
        self._requests = _Requests()
        self._response: SignalFile | None = None
        self._first: PageSignals | None = None
        self._licenses: dict[str, SignalFile] = {}
        self._page: PageSignals | None = None
        self._done = False
        self.agents = tuple(agents)
        self.refusal = (
            _refusal(decided.decision)
            if decided is not None and decided.covers(site, url, agents)
            else page_refusal(site, url, agents=agents)
        )
        """The access decision that kept the page (or the URL it redirected to) unfetched;
        ``None`` when it is fetched."""
        self.final_url = url
        """The URL whose answer the page is: ``url``, or where its redirects led."""
        self.hops = hops
        """Redirects followed to reach :attr:`final_url`, those before this plan included."""
        self.redirected_to: str | None = None
        """Another origin's URL the page redirected to. That origin's own signals decide whether
        it may be fetched, so this plan ends here and the adapter checks the target with a plan
        of that origin (:meth:`Plan.receive` does it for one-URL adapters)."""
        if self.refusal is None:
            self._requests.ask(
                FetchRequest(url=url, purpose=Purpose.PAGE, max_bytes=PAGE_LIMIT, hops=hops)
            )
        else:
            self._done = True

    def next_requests(self) -> tuple[FetchRequest, ...]:
        """The requests that became due since the last call (each is handed out once)."""
        return self._requests.take_new()

    @property
    def done(self) -> bool:
        return self._done

    @property
    def page(self) -> PageSignals | None:
        """The page's signals; ``None`` when it was not fetched (see :attr:`refusal`)."""
        if not self._done:
            raise PlanError(f"the page {self.url} is not in yet")
        return self._page

    def fail(self, request: FetchRequest, error: str) -> None:
        """No answer came for ``request``: ``error`` says why (the page is then ``failed``)."""
        self.receive(request, SignalFile(url=request.url, status=None, error=error))

    def receive(self, request: FetchRequest, file: SignalFile) -> None:
        """Take the answer to ``request`` in; may make the page's licences due.

        A redirect of the page is followed only where the next URL may be fetched: robots.txt
        binds every URL a crawler requests, the redirect's target included (RFC 9309 section
        2.2.2), so a hop to a disallowed path ends the plan with that refusal, and a hop to
        another origin ends it with :attr:`redirected_to`.
        """
        if request.purpose is Purpose.PAGE and self._gate_hop(request, file):
            return
        answered = self._requests.answer(request, file)
        if answered is None:
            return
        original, final = answered
        if original.purpose is Purpose.LICENSE:
            self._licenses[original.url] = final
        else:
            self._response = final
            self._first = read_page(final)
            named = [
                u
                for u in page_license_urls(self.url, self._first.headers, self._first.head)
                if u not in self.site.licenses
            ]
            for url in named:
                self._requests.ask(
                    FetchRequest(url=url, purpose=Purpose.LICENSE, max_bytes=LICENSE_LIMIT)
                )
            self.final_url = final.url or request.url
            self.hops = final.redirects
        if self._requests.waiting:
            return
        if self._response is not None:
            self._page = (
                read_page(self._response, licenses=self._licenses)
                if self._licenses
                else self._first
            )
        self._done = True

    def _gate_hop(self, request: FetchRequest, file: SignalFile) -> bool:
        """End the plan at a page redirect whose target this plan may not follow."""
        target = self._requests.redirect_target(request, file)
        if target is None or request.hops + file.redirects + 1 > MAX_REDIRECTS:
            return False
        if same_origin(target, self.site.origin):
            refusal = page_refusal(self.site, target, agents=self.agents)
            if refusal is None:
                return False
            self.refusal = refusal
        else:
            self.redirected_to = target
        self._requests.drop(request)
        self.final_url = target
        self.hops = request.hops + file.redirects + 1
        self._done = True
        return True


def decide(
    site: SiteSignals,
    page: PageSignals | None,
    *,
    url: str,
    agent: str,
    use: Use,
    mode: Mode,
    tdm_covers_search: bool = False,
    aipref_draft: AiprefDraft = DEFAULT_AIPREF_DRAFT,
    page_must_answer: bool = True,
) -> Decision:
    """The explained decision once a plan is done (``heedful.policies.evaluate.evaluate``)."""
    return evaluate(
        site,
        page,
        url=url,
        agent=agent,
        use=use,
        mode=mode,
        tdm_covers_search=tdm_covers_search,
        aipref_draft=aipref_draft,
        page_must_answer=page_must_answer,
    )


class Plan:
    """An origin's files, then one page, then the decision: :class:`OriginPlan` and
    :class:`PagePlan` in sequence, for an adapter that decides one URL at a time.

    ``site`` skips the origin stage when the adapter already holds the origin's signals (read by
    an earlier plan of the same origin).
    """

    def __init__(
        self,
        url: str,
        *,
        origin: str,
        agents: Sequence[str],
        gate_agent: str | None = None,
        site: SiteSignals | None = None,
    ) -> None:
        self.url = url
        self.agents = tuple(agents)
        self.gate_agent = gate_agent
        self._target = url
        self._hops = 0
        self.stage: OriginPlan | PagePlan = (
            OriginPlan(origin, gate_agent=gate_agent)
            if site is None
            else PagePlan(site, url, agents=self.agents)
        )
        """The origin's files until they are read, then the page."""

    def next_requests(self) -> tuple[FetchRequest, ...]:
        """The requests that became due since the last call (each is handed out once)."""
        return self.stage.next_requests()

    def receive(self, request: FetchRequest, file: SignalFile) -> None:
        """Take the answer to ``request`` in; the page stage starts once the site is read."""
        self.stage.receive(request, file)
        if isinstance(self.stage, OriginPlan) and self.stage.done:
            self.stage = PagePlan(
                self.stage.site, self._target, agents=self.agents, hops=self._hops
            )
        elif isinstance(self.stage, PagePlan) and self.stage.redirected_to is not None:
            # Another origin's URL is fetched under that origin's signals: read them first.
            self._target, self._hops = self.stage.redirected_to, self.stage.hops
            self.stage = OriginPlan(origin_of(self._target), gate_agent=self.gate_agent)

    def fail(self, request: FetchRequest, error: str) -> None:
        """No answer came for ``request``: ``error`` says why."""
        self.receive(request, SignalFile(url=request.url, status=None, error=error))

    @property
    def done(self) -> bool:
        return isinstance(self.stage, PagePlan) and self.stage.done

    @property
    def site(self) -> SiteSignals:
        """The origin's signals; :class:`PlanError` before they are read."""
        return self.stage.site

    @property
    def refusal(self) -> Decision | None:
        """Why the page is not fetched (:attr:`PagePlan.refusal`); ``None`` while the site files
        are read and when it is fetched."""
        return self.stage.refusal if isinstance(self.stage, PagePlan) else None

    @property
    def final_url(self) -> str:
        """The URL the decision is about: :attr:`url`, or where its redirects led."""
        return self.stage.final_url if isinstance(self.stage, PagePlan) else self._target

    @property
    def page(self) -> PageSignals | None:
        """The page's signals (``None`` when not fetched); :class:`PlanError` before then."""
        if not isinstance(self.stage, PagePlan):
            raise PlanError(f"the site files for {self.url} are not all in yet")
        return self.stage.page

    def decide(
        self,
        *,
        agent: str,
        use: Use,
        mode: Mode,
        tdm_covers_search: bool = False,
        aipref_draft: AiprefDraft = DEFAULT_AIPREF_DRAFT,
        page_must_answer: bool = True,
    ) -> Decision:
        """The explained decision for one agent and use; :class:`PlanError` before :attr:`done`."""
        if not self.done:
            raise PlanError(f"the plan for {self.url} is not done")
        return decide(
            self.site,
            self.page,
            url=self.final_url,
            agent=agent,
            use=use,
            mode=mode,
            tdm_covers_search=tdm_covers_search,
            aipref_draft=aipref_draft,
            page_must_answer=page_must_answer,
        )


Answer = Callable[[FetchRequest], SignalFile]
"""A synchronous source of answers (the signal server's own files, a test's fixture site)."""


def run(plan: Plan | OriginPlan | PagePlan, answer: Answer) -> None:
    """Drive ``plan`` to done with answers that need no waiting."""
    while not plan.done:
        requests = plan.next_requests()
        if not requests:
            raise PlanError("the plan is waiting for answers it never asked for")
        for request in requests:
            plan.receive(request, answer(request))
