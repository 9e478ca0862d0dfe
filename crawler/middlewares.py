"""The downloader middleware that stands in front of every fetch (docs/crawler.md).

It only translates: a Scrapy request or response becomes the core's inputs (the origin's
:class:`~heedful.policies.signals.read.SiteSignals` from :mod:`heedful.crawler.origincache`, a
:class:`~heedful.policies.signals.read.PageSignals` read from the response), and the core's step
(:mod:`heedful.policies.fetch.crawlplan`) becomes a Scrapy action -- the request goes on, ``HeedfulRefused``
(an ``IgnoreRequest``) drops it with a ledger row, the URL is scheduled again, or the response
passes through. Content that may not be used is dropped here, before any pipeline, spider or
WARC sees it.

It takes the slot of Scrapy's ``RobotsTxtMiddleware`` (100), which the add-on disables.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import TYPE_CHECKING, Any, Final

from scrapy import signals as scrapy_signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest

from heedful.crawler import signals
from heedful.crawler.attribution import extract_attribution, licence_entries
from heedful.crawler.crawllog import log_refusal, undecided_line
from heedful.crawler.ledger import utcnow
from heedful.crawler.licensing.broker import Broker, Licensed, Refusal
from heedful.crawler.licensing.budget import Budget, BudgetMismatch, RedisPurse
from heedful.crawler.licensing.credentials import Credentials
from heedful.crawler.origincache import OriginCache, OriginSignals, url_origin
from heedful.crawler.provenance import Provenance
from heedful.crawler.settings import HeedfulConfig, read_config
from heedful.crawler.signalfetch import (
    FROM_PAGE_META,
    IMAGES_RESERVED_META,
    POLICY_META,
    ScrapyFetcher,
    header_pairs,
)
from heedful.crawler.snapshots import sha256
from heedful.policies.fetch.crawlplan import (
    Action,
    after_fetch,
    before_fetch,
    media_type,
    url_refusal,
)
from heedful.policies.fetch.plan import DecidedAccess, PagePlan, PlanError, Purpose
from heedful.policies.fetch.redirects import REDIRECT_STATUSES
from heedful.policies.model import Verdict
from heedful.policies.origin import origin_of
from heedful.policies.signals.media.layer import credits_attribution
from heedful.policies.signals.read import SignalFile

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from heedful.policies.html import HtmlHead
    from heedful.policies.model import Decision, Statement
    from heedful.policies.signals.media import MediaSignals
    from heedful.policies.signals.read import PageSignals

log = logging.getLogger(__name__)
LEDGER_UNAVAILABLE = "heedful_ledger_unavailable"
"""The finish reason of a crawl whose ledger could not be opened."""
BUDGET_UNAVAILABLE = "heedful_licence_budget_unavailable"
"""The finish reason of a distributed crawl's worker that could not join the shared budget."""

DECISION_META: Final = "heedful_decision"
"""``response.meta`` key holding the after-fetch :class:`~heedful.policies.model.Decision`."""
PROVISIONAL_META: Final = "heedful_provisional"
NOT_FOLLOWED: Final = "a redirect Scrapy's RedirectMiddleware did not follow"
"""Why a 3xx page response is no answer: the page it points to is a request of its own."""
RETRIES_META: Final = "heedful_undecided_retries"
"""How many times a request was tried again because it could not be decided."""
CHALLENGED_META: Final = "heedful_licence_challenge"
"""Set on a request sent again with a licence after its page answered 401/402: once only."""
LICENSED_META: Final = "heedful_licensed"
"""Set (to the licence server's URL) on a request sent with a licence token."""
TOKEN_REJECTED: Final = frozenset({401, 402, 403})
"""What a site answers a token it does not accept (CAP: 401 ``invalid_token``; 402/403)."""


class HeedfulRefused(IgnoreRequest):
    """A request or response Heedful refused; carries the decision."""

    def __init__(self, decision: Decision | None, message: str) -> None:
        super().__init__(message)
        self.decision = decision


class PolicyDownloaderMiddleware:
    """Heedful's gate: no request before its origin is decided, no content that may not be used."""

    def __init__(self, crawler: Crawler, config: HeedfulConfig) -> None:
        self.crawler = crawler
        self.config = config
        self.question = config.question()
        self.provenance = Provenance.of(crawler, config)
        self.cache = OriginCache(
            ScrapyFetcher(crawler, config),
            self._record_signal,
            agent=config.token,
            max_seconds=config.cache_max_seconds,
            backoff=config.retry_backoff,
            max_backoff=config.retry_max_backoff,
        )
        self.stats = crawler.stats
        budget = config.licence_budget
        self.broker = Broker(
            credentials=config.licence_credentials or Credentials(),
            budget=Budget(budget, config.licence_max_price) if budget is not None else None,
            mode=config.mode,
            use=config.use,
            user_agent=config.user_agent,
            timeout=config.licence_timeout,
            engine=lambda: crawler.engine,
        )
        self.provenance.licensing = self.broker.summary
        self._licensed: weakref.WeakKeyDictionary[Request, Licensed] = weakref.WeakKeyDictionary()
        """Each request in flight under a licence, with the token and terms it went with."""
        self._reserved_pages: dict[str, Statement] = {}
        self._decided: weakref.WeakKeyDictionary[Request, DecidedAccess] = (
            weakref.WeakKeyDictionary()
        )
        """Each request in flight and the access decided before it left, for its response's
        page plan (held here, not in ``request.meta``, which a scheduler may serialise)."""
        self._waiting = 0
        """Requests to be tried again that are not back in the scheduler yet."""
        self.ledger_error = ""
        """Why the ledger could not be opened; while set, nothing is requested."""
        crawler.signals.connect(self._opened, signal=scrapy_signals.spider_opened)
        crawler.signals.connect(self._closed, signal=scrapy_signals.spider_closed)
        crawler.signals.connect(self._idle, signal=scrapy_signals.spider_idle)
        if crawler.settings.getbool("HTTPCACHE_ENABLED"):
            log.warning(
                "heedful: HTTPCACHE_ENABLED stores responses before Heedful decides them; "
                "disable it for a compliant crawl"
            )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, read_config(crawler.settings))

    async def _opened(self, spider: Spider) -> None:
        seeds = [str(u) for u in getattr(spider, "start_urls", ()) or ()]
        try:
            await self.provenance.open(seeds=seeds)
        except Exception as exc:  # noqa: BLE001 -- any failure to open the ledger stops the crawl
            # Without its ledger a crawl could not prove what it took: take nothing.
            self.ledger_error = f"{type(exc).__name__}: {exc}"
            log.error("heedful: cannot open the ledger (%s); closing the crawl", self.ledger_error)
            await self.crawler.engine.close_spider_async(reason=LEDGER_UNAVAILABLE)
            return
        problem = self._share_budget()
        if problem:
            # A worker that cannot count against the crawl's one budget would spend its own.
            log.error("heedful: cannot share the licence budget (%s); closing the crawl", problem)
            await self.crawler.engine.close_spider_async(reason=BUDGET_UNAVAILABLE)

    def _share_budget(self) -> str:
        """Count the budget in Redis with the other workers, when the crawl is distributed;
        why that failed, else ``""``."""
        budget, key = self.broker.budget, self.config.licence_budget_key
        if budget is None or not key:
            return ""
        import redis

        try:
            client = redis.Redis.from_url(self.config.redis_url)
            budget.purse = RedisPurse(client, key, budget.limit)
        except (BudgetMismatch, redis.RedisError) as exc:
            return f"{type(exc).__name__}: {exc}"
        return ""

    async def _closed(self, spider: Spider) -> None:
        await self.provenance.close()
        if self.broker.budget is not None and isinstance(self.broker.budget.purse, RedisPurse):
            self.broker.budget.purse.close()

    def _idle(self) -> None:
        # A URL waiting for its origin's files to be fetched again keeps the crawl open.
        if self._waiting:
            raise DontCloseSpider

    def _retry_later(
        self, request: Request, origin: str, *, wait: int | None = None, own: bool = False
    ) -> str:
        """Put ``request`` back once its origin's files are due again, after the ``wait`` a
        ``Retry-After`` asked for, or (``own``: once the response itself may be whole) after
        ``HEEDFUL_RETRY_BACKOFF`` doubled per try; says when, for the ledger."""
        tries = int(request.meta.get(RETRIES_META, 0))
        limit = self.config.retry_times
        if tries >= limit:
            return f"not tried again: tried {tries + 1} times (HEEDFUL_RETRY_TIMES = {limit})"
        if wait is not None:
            delay, why = float(wait), f"as its Retry-After asks ({wait} s)"
        elif own:
            delay = min(self.config.retry_backoff * 2**tries, self.config.retry_max_backoff)
            why = "when the file may arrive whole"
        else:
            delay, why = self.cache.due_in(origin), "when the origin's files are fetched again"
        again = request.replace(dont_filter=True)
        again.meta[RETRIES_META] = tries + 1
        self._waiting += 1
        asyncio.get_running_loop().call_later(delay, self._requeue, again)
        return f"try {tries + 2} of {limit + 1} in {delay:.1f} s, {why}"

    def _requeue(self, request: Request) -> None:
        self._waiting -= 1
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            engine.crawl(request)

    def _undecided(
        self,
        request: Request,
        decision: Decision,
        *,
        stage: str,
        state: OriginSignals,
        own: bool = False,
        **extra: Any,
    ) -> HeedfulRefused:
        """A URL with no verdict (``failed`` or ``unknown``): a ``failed`` row, a retry, nothing kept."""
        retry = self._retry_later(request, state.origin, own=own)
        line = undecided_line(request.url, decision, retry)
        log.info("%s", line)
        self._record(
            request,
            decision,
            status="failed",
            stage=stage,
            state=state,
            stat=f"heedful/undecided/{self.config.use}/{decision.verdict}",
            error=line.removeprefix("heedful: "),
            **extra,
        )
        return HeedfulRefused(decision, line)

    def _record_signal(
        self, origin: str, kind: str, url: str, got: SignalFile, not_modified: bool, fresh: float
    ) -> str:
        snapshot = self.provenance.record_signal(origin, kind, url, got, not_modified, fresh)
        status = got.status if got.status is not None else "error"
        if self.stats is not None:
            self.stats.inc_value(f"heedful/fetch/{kind}/status/{status}")
        self.crawler.signals.send_catch_log(
            signal=signals.signal_file_fetched,
            origin=origin,
            kind=kind,
            url=url,
            status=got.status,
            snapshot=snapshot,
        )
        return snapshot

    def _refuse(
        self,
        request: Request,
        decision: Decision | None,
        *,
        stage: str,
        state: OriginSignals | None,
        message: str,
        **extra: Any,
    ) -> HeedfulRefused:
        log_refusal(request.url, stage, decision, message)
        self._record(
            request,
            decision,
            status="refused",
            stage=stage,
            state=state,
            stat=f"heedful/denied/{self.config.use}/{stage}",
            **extra,
        )
        return HeedfulRefused(decision, message)

    def _record(
        self,
        request: Request,
        decision: Decision | None,
        *,
        status: str,
        stage: str,
        state: OriginSignals | None,
        stat: str,
        **extra: Any,
    ) -> None:
        """A URL that is not kept: its ledger row, its stats counter and the signal."""
        self.provenance.event(
            url=request.url,
            origin=url_origin(request.url),
            status=status,
            stage=stage,
            decision=decision,
            snapshots=state.snapshots if state is not None else (),
            redirected_from=request.meta.get("redirect_urls", ()),
            **extra,
        )
        if self.stats is not None:
            self.stats.inc_value(stat)
        self.crawler.signals.send_catch_log(
            signal=signals.policy_decided,
            request=request,
            decision=decision,
            status=status,
            stage=stage,
        )

    async def process_request(self, request: Request) -> None:
        if self.ledger_error:
            raise IgnoreRequest(f"the ledger is unavailable: {self.ledger_error}")
        if request.meta.get(POLICY_META):
            return
        url = request.url
        refusal = url_refusal(url)
        if refusal:
            raise self._refuse(
                request, None, stage="before-fetch", state=None, message=f"heedful: {refusal}"
            )
        origin = origin_of(url)
        state = self.cache.fresh(origin) or await self.cache.get(origin)
        if (
            b"User-Agent" not in request.headers
            or self.config.token.lower().encode()
            not in (request.headers.get(b"User-Agent") or b"").lower()
        ):
            request.headers[b"User-Agent"] = self.config.user_agent
        bought = self._licensed.get(request)
        if bought is None and (request.headers.get(b"Authorization") or b"").startswith(
            b"License "
        ):
            # A redirect copies the header; a token goes only where the broker sends it.
            del request.headers[b"Authorization"]
        found_on = str(request.meta.get(FROM_PAGE_META) or "")
        step = before_fetch(
            state.site,
            url,
            question=self.question,
            found_on=found_on,
            reservation=self._reserved_pages.get(found_on) if found_on else None,
        )
        if step.action is Action.RETRY:
            raise self._undecided(request, step.decision, stage="before-fetch", state=state)
        if (
            step.action is Action.REFUSE
            and not step.images_reserved
            and step.decision.verdict is Verdict.LICENSE
            and self.broker.enabled
        ):
            got = bought or await self.broker.acquire(url, step.decision)
            if isinstance(got, Refusal):
                raise self._refuse(
                    request,
                    step.decision,
                    stage="before-fetch",
                    state=state,
                    message=f"heedful: licence required for {url}: {got.reason}",
                    error=got.reason,
                    extra={"licensing": got.record},
                )
            self._present(request, got)
        elif step.action is Action.REFUSE:
            if bought is not None:
                self._licensed.pop(request, None)
                self.broker.failed(bought)
            raise self._refuse(
                request,
                step.decision,
                stage="before-fetch",
                state=state,
                message=f"heedful: {step.why}",
                **({"extra": {"images_reserved": True}} if step.images_reserved else {}),
            )
        request.meta[PROVISIONAL_META] = step.provisional
        self._decided[request] = DecidedAccess(state.site, step.decision)
        if state.crawl_delay:
            self._apply_crawl_delay(request, origin, state.crawl_delay)

    def _present(self, request: Request, licensed: Licensed) -> None:
        """Send ``request`` under ``licensed``: the token (RSL CAP ``Authorization: License``)
        and, for a per-fetch licence, the most it may be charged (pay-per-crawl)."""
        self._licensed[request] = licensed
        request.meta[LICENSED_META] = licensed.grant.server
        request.headers[b"Authorization"] = licensed.authorization
        if licensed.reservation is not None:
            request.headers[b"crawler-max-price"] = str(licensed.reservation.price)
            # A request that never comes back here (Scrapy's RedirectMiddleware answers a 3xx
            # before this gate sees it, a download dropped on close) frees its reservation when
            # it is collected; settling first makes this a no-op.
            weakref.finalize(request, self.broker.failed, licensed)

    def _apply_crawl_delay(self, request: Request, origin: str, delay: float) -> None:
        """Crawl-delay is per origin (the robots.txt's own), so the origin gets its own slot."""
        engine = self.crawler.engine
        if engine is None:
            return
        downloader = engine.downloader
        key = request.meta.setdefault("download_slot", f"heedful:{origin}")
        slot = downloader.slots.get(key)
        if slot is None:
            _, slot = downloader._get_slot(request)
        slot.delay = max(slot.delay, delay)

    async def process_response(self, request: Request, response: Response) -> Response | Request:
        if request.meta.get(POLICY_META):
            return response
        url = response.url
        origin = origin_of(url)
        state = self.cache.fresh(origin) or await self.cache.get(origin)
        headers = header_pairs(response)
        decided = self._decided.pop(request, None)
        licensed = self._licensed.pop(request, None)
        licensing: dict[str, Any] = {}
        if licensed is not None:
            licensing = self._settle(licensed, response, headers)
            if response.status in TOKEN_REJECTED:
                why = _rejection(response)
                raise self._refuse(
                    request,
                    None,
                    stage="after-fetch",
                    state=state,
                    message=f"heedful: licence token not accepted for {url}: {why}",
                    http_status=response.status,
                    error=why,
                    extra={"licensing": {**licensing, "refused": why, "label": "licence rejected"}},
                )
        page, snapshots = await self._read_page(response, headers, state, decided)
        step = after_fetch(
            state.site,
            page,
            url=url,
            question=self.question,
            body=response.body,
            whole="dataloss" not in response.flags,
        )
        if step.media_checked and self.stats is not None:
            read = step.embedded is not None
            self.stats.inc_value("heedful/media/read" if read else "heedful/media/unread")
        decision = step.decision
        fetched_at = utcnow()
        digest = sha256(response.body)
        common: dict[str, Any] = {
            "http_status": response.status,
            "fetched_at": fetched_at,
            "extra": {
                "content_type": media_type(headers),
                "size": len(response.body),
                "sha256": digest,
            },
        }
        if licensed is not None:
            common["extra"]["licensing"] = licensing
        if step.action is Action.FAIL:
            # Scrapy's RetryMiddleware has already retried what it retries; its error handling
            # takes it from here. A 429 or 503 that says when to come back is tried again then.
            error = step.why
            if step.retry_after is not None:
                error += f"; {self._retry_later(request, origin, wait=step.retry_after)}"
            self.provenance.event(
                url=url,
                origin=origin,
                status="failed",
                stage="after-fetch",
                decision=decision,
                snapshots=snapshots,
                redirected_from=request.meta.get("redirect_urls", ()),
                error=error,
                **common,
            )
            return response
        if step.action is Action.RETRY:
            raise self._undecided(
                request,
                decision,
                stage="after-fetch",
                state=state,
                own=step.body_unread,
                **common,
            )
        licensed_keep = (
            licensed is not None
            and step.action is Action.REFUSE
            and decision.verdict is Verdict.LICENSE
            and 200 <= response.status < 300
        )
        if (
            step.action is Action.REFUSE
            and licensed is None
            and response.status in (401, 402)
            and decision.verdict is Verdict.LICENSE
            and self.broker.enabled
            and not request.meta.get(CHALLENGED_META)
        ):
            # The page's own challenge (CAP: 401/402 with the RSL Link) named the licence the
            # site files did not: buy it and ask once more, with the token.
            got = await self.broker.acquire(url, decision)
            if isinstance(got, Licensed):
                again = request.replace(dont_filter=True)
                again.meta[CHALLENGED_META] = True
                self._present(again, got)
                return again
            common["extra"]["licensing"] = got.record
            raise self._refuse(
                request,
                decision,
                stage="after-fetch",
                state=state,
                message=f"heedful: licence required for {url}: {got.reason}",
                **{**common, "error": got.reason},
            )
        if step.action is Action.REFUSE and not licensed_keep:
            raise self._refuse(
                request,
                decision,
                stage="after-fetch",
                state=state,
                message=f"heedful: {step.why}",
                **common,
            )
        reserved = step.reserves_images
        if reserved is not None:
            self._reserved_pages[url] = reserved
            request.meta[IMAGES_RESERVED_META] = reserved
        self._keep(
            request,
            response,
            decision,
            headers,
            snapshots,
            fetched_at,
            origin=origin,
            images=reserved is not None,
            digest=digest,
            head=page.head if page is not None else None,
            embedded=step.embedded,
            licensing=licensing if licensed is not None else None,
        )
        request.meta[DECISION_META] = decision
        return response

    async def _read_page(
        self,
        response: Response,
        headers: tuple[tuple[str, str], ...],
        state: OriginSignals,
        decided: DecidedAccess | None,
    ) -> tuple[PageSignals | None, list[str]]:
        """The response read by the core's page plan, and the snapshots it was read with.

        The plan asks for the page (Scrapy has fetched it: the response is its answer) and then
        for the licences the page names, fetched here through the origin cache. Redirects are
        Scrapy's RedirectMiddleware's, each hop passing this gate as a request of its own, so a
        3xx that reaches here says it is not followed. ``decided`` is the access decided before
        the request left, so robots.txt is read once per URL.
        """
        fetched = SignalFile(
            url=response.url,
            status=response.status,
            headers=headers,
            body=response.body,
            error=NOT_FOLLOWED if response.status in REDIRECT_STATUSES else "",
        )
        plan = PagePlan(state.site, response.url, agents=(self.config.token,), decided=decided)
        snapshots = list(state.snapshots)
        while not plan.done:
            wanted = plan.next_requests()
            if not wanted:
                raise PlanError(f"the plan for {response.url} waits for answers it never asked for")
            named = [r.url for r in wanted if r.purpose is Purpose.LICENSE]
            docs = await self.cache.files(named, origin=state.origin, kind="rsl") if named else {}
            snapshots.extend(s for u in named if (s := self.cache.snapshot_of(u)))
            for request in wanted:
                answer = fetched if request.purpose is Purpose.PAGE else docs.get(request.url)
                if answer is None:
                    plan.fail(request, "not fetched")
                else:
                    plan.receive(request, answer)
        return plan.page, snapshots

    def _keep(
        self,
        request: Request,
        response: Response,
        decision: Decision,
        headers: tuple[tuple[str, str], ...],
        snapshots: list[str],
        fetched_at: Any,
        *,
        origin: str,
        images: bool,
        digest: str,
        head: HtmlHead | None,
        embedded: MediaSignals | None = None,
        licensing: dict[str, Any] | None = None,
    ) -> None:
        body = response.body
        warc_file, offset = self.provenance.warc.write_response(
            response.url,
            status=response.status,
            headers=headers,
            body=body,
            fetched_at=fetched_at,
            sha256=digest,
        )
        content_type = media_type(headers)
        attribution: dict[str, str] = {}
        if self.config.attribution and "html" in content_type:
            attribution = extract_attribution(body, response.url, head=head)
        elif self.config.attribution and embedded is not None:
            attribution = credits_attribution(embedded)
        self.provenance.event(
            url=response.url,
            origin=origin,
            status="kept",
            stage="after-fetch",
            decision=decision,
            snapshots=snapshots,
            http_status=response.status,
            fetched_at=fetched_at,
            redirected_from=request.meta.get("redirect_urls", ()),
            extra={
                "sha256": digest,
                "size": len(body),
                "content_type": content_type,
                "warc_file": warc_file,
                "warc_offset": offset,
                "attribution": attribution,
                "license": licence_entries(decision),
                "images_reserved": images,
                **({"licensing": licensing} if licensing is not None else {}),
            },
        )
        if self.stats is not None:
            self.stats.inc_value(f"heedful/allowed/{self.config.use}")
        self.crawler.signals.send_catch_log(
            signal=signals.policy_decided,
            request=request,
            decision=decision,
            status="kept",
            stage="after-fetch",
        )

    def _settle(
        self, licensed: Licensed, response: Response, headers: tuple[tuple[str, str], ...]
    ) -> dict[str, Any]:
        """The licensed fetch paid for (or its reservation released); its ledger record."""
        charged = next((v for k, v in headers if k.lower() == "crawler-charged"), "")
        if response.status in TOKEN_REJECTED:
            self.broker.failed(licensed, rejected=_rejection(response))
        else:
            self.broker.fetched(licensed, response.status, charged)
        return dict(licensed.record)

    def process_exception(self, request: Request, exception: BaseException) -> None:
        licensed = self._licensed.pop(request, None)
        if licensed is not None:
            self.broker.failed(licensed)
        if request.meta.get(POLICY_META) or isinstance(exception, IgnoreRequest):
            return
        origin = url_origin(request.url)
        state = self.cache.fresh(origin)
        self.provenance.event(
            url=request.url,
            origin=origin,
            status="failed",
            stage="after-fetch",
            decision=None,
            snapshots=state.snapshots if state is not None else (),
            error=f"{type(exception).__name__}: {exception}",
            redirected_from=request.meta.get("redirect_urls", ()),
        )
        self.crawler.signals.send_catch_log(
            signal=signals.policy_decided,
            request=request,
            decision=None,
            status="failed",
            stage="after-fetch",
        )


def _rejection(response: Response) -> str:
    """Why a site did not accept a token: its status and ``WWW-Authenticate`` (RFC 6750
    section 3 ``error``/``error_description``, which CAP reuses), bounded."""
    challenge = (response.headers.get(b"WWW-Authenticate") or b"").decode("latin-1")
    detail = " ".join(challenge.split())[:200]
    return f"HTTP {response.status}" + (f" ({detail})" if detail else "")
