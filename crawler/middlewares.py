"""The downloader middleware that decides before and after every fetch (docs/crawler.md).

Before a request leaves: its origin's files are decided (one shared task per origin, see
:mod:`crawler.origincache`), then robots.txt access and every site-level statement for the
declared use (``policies.evaluate`` with ``page=None``). A refusal raises ``IgnoreRequest`` and
writes a ledger row; the site never sees the request. After a response: headers and HTML head
are read (``policies.read_page``) and the URL decided with everything; content that may not be
used is dropped here, before any pipeline, spider or WARC sees it.

It takes the slot of Scrapy's ``RobotsTxtMiddleware`` (100), which the add-on disables.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from scrapy import signals as scrapy_signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest

from crawler import signals
from crawler.attribution import extract_attribution, licence_entries
from crawler.crawllog import log_refusal, undecided_line
from crawler.evidence import Provenance
from crawler.ledger import utcnow
from crawler.origincache import OriginCache, OriginSignals
from crawler.settings import HeedfulConfig, read_config
from crawler.signalfetch import POLICY_META, ScrapyFetcher, header_pairs
from crawler.snapshots import sha256
from policies.evaluate import evaluate
from policies.fetching import retry_after
from policies.media import read_media
from policies.media.layer import credits_attribution, is_media_type, layer
from policies.media.plus import VOCAB_PREFIX
from policies.media.signals import MAX_MEDIA_BYTES
from policies.model import Decision, Permission, Reason, Signal, Statement, Verdict
from policies.robots_tag import images_reserved
from policies.site import SignalFile, SiteSignals, page_license_urls, read_page
from policies.urlpath import hides_dot_segment

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from policies.html import HtmlHead
    from policies.media import MediaSignals

log = logging.getLogger(__name__)
LEDGER_UNAVAILABLE = "heedful_ledger_unavailable"
"""The finish reason of a crawl whose ledger could not be opened."""

DECISION_META: Final = "heedful_decision"
"""``response.meta`` key holding the after-fetch :class:`~policies.model.Decision`."""
IMAGES_RESERVED_META: Final = "heedful_images_reserved"
FROM_PAGE_META: Final = "heedful_from_page"
"""Set on requests for a page's images: they are refused when that page reserved its images."""
PROVISIONAL_META: Final = "heedful_provisional"
RETRIES_META: Final = "heedful_undecided_retries"
"""How many times a request was tried again because it could not be decided."""
BLOCKING: Final = (Permission.DENY, Permission.LICENSE)
UNDECIDED: Final = (Verdict.UNKNOWN, Verdict.FAILED)
"""Verdicts that are no answer: nothing is kept, and the URL is tried again (docs/crawler.md)."""


class HeedfulRefused(IgnoreRequest):
    """A request or response Heedful refused; carries the decision."""

    def __init__(self, decision: Decision | None, message: str) -> None:
        super().__init__(message)
        self.decision = decision


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class PolicyDownloaderMiddleware:
    """Heedful's gate: no request before its origin is decided, no content that may not be used."""

    def __init__(self, crawler: Crawler, config: HeedfulConfig) -> None:
        self.crawler = crawler
        self.config = config
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
        self._reserved_pages: dict[str, Statement] = {}
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

    async def _closed(self, spider: Spider) -> None:
        await self.provenance.close()

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

    def _decide(self, state: OriginSignals, url: str, page: Any = None, **kw: Any) -> Decision:
        return evaluate(
            kw.pop("site", state.site),
            page,
            url=url,
            agent=self.config.token,
            use=self.config.use,
            mode=self.config.mode,
            tdm_covers_search=self.config.tdm_covers_search,
            strict=self.config.strict,
            aipref_draft=self.config.aipref_draft,
        )

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
            origin=origin_of(request.url),
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
        if urlsplit(url).scheme not in ("http", "https"):
            raise self._refuse(
                request,
                None,
                stage="before-fetch",
                state=None,
                message=f"heedful: not an http(s) URL: {url}",
            )
        if hides_dot_segment(url):
            # docs/decisions.md, Paths are normalised once: which page this names depends on the
            # server, so no policy can be matched for it.
            raise self._refuse(
                request,
                None,
                stage="before-fetch",
                state=None,
                message=f"heedful: {url} hides a dot segment behind an encoded slash or a "
                "backslash; servers disagree on which page it names (RFC 3986 sections 2.2, 5.2.4)",
            )
        origin = origin_of(url)
        state = self.cache.fresh(origin) or await self.cache.get(origin)
        if (
            b"User-Agent" not in request.headers
            or self.config.token.lower().encode()
            not in (request.headers.get(b"User-Agent") or b"").lower()
        ):
            request.headers[b"User-Agent"] = self.config.user_agent
        source_page = request.meta.get(FROM_PAGE_META)
        if source_page and source_page in self._reserved_pages:
            # DeviantArt's noai and noimageai directives; docs/decisions.md, Each mechanism's own
            # rules: the page's noimageai applies to its images.
            stmt = self._reserved_pages[source_page]
            decision = self._decide(state, url)
            decision = dataclasses.replace(
                decision,
                verdict=Verdict.DENY,
                reasons=(
                    *decision.reasons,
                    Reason(
                        signal=stmt.signal,
                        source=stmt.source,
                        location=stmt.location,
                        rule=stmt.rule,
                        effect="deny",
                        note=stmt.note,
                    ),
                ),
            )
            raise self._refuse(
                request,
                decision,
                stage="before-fetch",
                state=state,
                message=f"heedful: images of {source_page} are reserved",
                extra={"images_reserved": True},
            )
        decision = self._decide(state, url)
        request.meta[PROVISIONAL_META] = False
        if decision.access is Verdict.FAILED:
            raise self._undecided(request, decision, stage="before-fetch", state=state)
        if decision.access is not Verdict.ALLOW:
            raise self._refuse(
                request,
                decision,
                stage="before-fetch",
                state=state,
                message=f"heedful: access {decision.access} for {url}",
            )
        if decision.verdict is Verdict.UNKNOWN or decision.uses[self.config.use] in BLOCKING:
            # TDMRep, section Processing priority: a response header or meta supersedes tdmrep.json.
            # When the file (or a file that could not be read) is the only thing in the way,
            # fetch, decide with everything, discard unless allowed.
            without = self._decide(state, url, site=_without_tdmrep(state.site))
            if (
                without.verdict is Verdict.UNKNOWN
                or without.uses[self.config.use] in BLOCKING
                or not _has_tdmrep(state.site)
            ):
                if decision.verdict is Verdict.UNKNOWN:
                    raise self._undecided(request, decision, stage="before-fetch", state=state)
                raise self._refuse(
                    request,
                    decision,
                    stage="before-fetch",
                    state=state,
                    message=f"heedful: {decision.verdict} for {url}",
                )
            request.meta[PROVISIONAL_META] = True
        if state.crawl_delay:
            self._apply_crawl_delay(request, origin, state.crawl_delay)
        return

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

    async def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get(POLICY_META):
            return response
        url = response.url
        origin = origin_of(url)
        state = self.cache.fresh(origin) or await self.cache.get(origin)
        headers = header_pairs(response)
        fetched = SignalFile(url=url, status=response.status, headers=headers, body=response.body)
        first = read_page(fetched)
        named = [
            u for u in page_license_urls(url, headers, first.head) if u not in state.site.licenses
        ]
        page = first
        snapshots = list(state.snapshots)
        if named:
            docs = await self.cache.files(named, origin=origin, kind="rsl")
            page = read_page(fetched, licenses=docs)
            snapshots.extend(s for u in named if (s := self.cache.snapshot_of(u)))
        decision = self._decide(state, url, page)
        embedded = None
        embedded_unread = False
        if (
            self.config.media
            and decision.verdict is Verdict.ALLOW
            and 200 <= response.status < 300
            and is_media_type(_content_type(headers))
        ):
            decision, embedded = self._embedded(response, headers, decision)
            embedded_unread = decision.verdict is Verdict.UNKNOWN
        fetched_at = utcnow()
        digest = sha256(response.body)
        common: dict[str, Any] = {
            "http_status": response.status,
            "fetched_at": fetched_at,
            "extra": {
                "content_type": _content_type(headers),
                "size": len(response.body),
                "sha256": digest,
            },
        }
        if decision.verdict is Verdict.FAILED:
            # A 404, 429 or 5xx page (policies.fetching.page_failure): Scrapy's RetryMiddleware
            # has already retried what it retries; its error handling takes it from here. A 429
            # or 503 that says when to come back is tried again then (RFC 9110 section 10.2.3).
            error = f"HTTP {response.status}"
            wait = retry_after(response.status, headers)
            if wait is not None:
                error += f"; {self._retry_later(request, origin, wait=wait)}"
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
        if decision.verdict is Verdict.UNKNOWN:
            # Unknown only because the file's own metadata could not be read (checked only when
            # the site allowed): that is the response's fault, not the origin's files'.
            raise self._undecided(
                request,
                decision,
                stage="after-fetch",
                state=state,
                own=embedded_unread,
                **common,
            )
        if decision.verdict is not Verdict.ALLOW or not 200 <= response.status < 300:
            raise self._refuse(
                request,
                decision,
                stage="after-fetch",
                state=state,
                message=f"heedful: {decision.verdict} after fetch for {url}"
                + (_embedded_why(decision) if embedded is not None else ""),
                **common,
            )
        metas = page.head.metas if page.head is not None else ()
        reserved = images_reserved(headers, metas, agent=self.config.token, source=url)
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
            images=reserved is not None,
            digest=digest,
            head=page.head,
            embedded=embedded,
        )
        request.meta[DECISION_META] = decision
        return response

    def _keep(
        self,
        request: Request,
        response: Response,
        decision: Decision,
        headers: tuple[tuple[str, str], ...],
        snapshots: list[str],
        fetched_at: Any,
        *,
        images: bool,
        digest: str,
        head: HtmlHead | None,
        embedded: MediaSignals | None = None,
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
        content_type = _content_type(headers)
        attribution: dict[str, str] = {}
        if self.config.attribution and "html" in content_type:
            attribution = extract_attribution(body, response.url, head=head)
        elif self.config.attribution and embedded is not None:
            attribution = credits_attribution(embedded)
        self.provenance.event(
            url=response.url,
            origin=origin_of(response.url),
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

    def _embedded(
        self, response: Response, headers: tuple[tuple[str, str], ...], decision: Decision
    ) -> tuple[Decision, MediaSignals | None]:
        """The decision after what a downloaded media file says about itself
        (``policies.media.layer``); a body that did not arrive whole is not read."""
        body = response.body
        unread = ""
        if "dataloss" in response.flags:
            unread = f"the body ended early ({len(body)} bytes arrived); its metadata was not read"
        elif len(body) > MAX_MEDIA_BYTES:
            unread = f"{len(body)} bytes exceeds the {MAX_MEDIA_BYTES}-byte limit; not read"
        signals = None if unread else read_media(body, _content_type(headers), source=response.url)
        if self.stats is not None:
            self.stats.inc_value("heedful/media/read" if signals else "heedful/media/unread")
        layered = layer(
            decision,
            signals,
            source=response.url,
            unread=unread,
            tdm_covers_search=self.config.tdm_covers_search,
        )
        return layered, signals

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if request.meta.get(POLICY_META) or isinstance(exception, IgnoreRequest):
            return
        origin = origin_of(request.url)
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


def _has_tdmrep(site: SiteSignals) -> bool:
    return site.tdmrep is not None or any(note.signal is Signal.TDMREP for note in site.notes)


def _without_tdmrep(site: SiteSignals) -> SiteSignals:
    """``site`` as if it had no tdmrep.json: what a response's own TDMRep values could not
    override."""
    notes = tuple(note for note in site.notes if note.signal is not Signal.TDMREP)
    return dataclasses.replace(site, tdmrep=None, notes=notes)


def _embedded_why(decision: Decision) -> str:
    """The deciding embedded statement, as the log line names it:
    ``: XMP plus:DataMining = DMI-PROHIBITED-AIMLTRAINING``."""
    first = decision.reasons[0]
    return f": {first.location} = {first.rule.removeprefix(VOCAB_PREFIX)}"


def _content_type(headers: tuple[tuple[str, str], ...]) -> str:
    for name, value in headers:
        if name.lower() == "content-type":
            return value.split(";", 1)[0].strip().lower()
    return ""
