"""Per-origin signal files, fetched once, shared by every request, refreshed when stale.

RFC 9309 scopes robots.txt to one origin (scheme, host, port; RFC 9309 section 2.3), and so are
``/.well-known/tdmrep.json``, ``/ai.txt`` and the removals list; RSL documents are cached by URL.
The first request for an origin starts one refresh *task*; every other request for that origin
awaits the same task (style.md C: cache the task, not the result, so a burst makes one fetch and
no request leaves before the files are decided). Which files are read, in which order, and
whether a file robots.txt keeps this crawler from is fetched at all is the core's
:class:`heedful.policies.fetch.plan.OriginPlan`; this module performs the fetches and keeps them fresh.

Freshness (RFC 9309 section 2.4): each file lives ``cache_lifetime(headers)`` seconds,
at most 24 hours; a stale file is revalidated with ``If-None-Match``/``If-Modified-Since``.
A file that could not be fetched (5xx, 429, network error) is *never* cached as permission: its
outcome (complete disallow for robots.txt, unknown for the others) holds only until a retry,
after an exponential backoff. A stale good copy is not reused when the refresh fails: the rules
may have become stricter, and failing closed is the reading that respects the creator (RFC 9309
section 2.3.1).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from heedful.policies.fetch.freshness import cache_lifetime, retry_after
from heedful.policies.fetch.outcomes import robots_outcome, signal_file_outcome
from heedful.policies.fetch.plan import OriginPlan, PlanError, Purpose
from heedful.policies.fetch.statuses import Availability
from heedful.policies.headers import header_values
from heedful.policies.origin import BadURL, origin_of
from heedful.policies.signals.read import SignalFile, SiteSignals, read_site

log = logging.getLogger(__name__)

MIN_FRESH_SECONDS: Final = 1.0
"""A ``no-cache`` file still serves the requests that waited for it, and those within a second:
without a floor a burst would revalidate once per request (RFC 9111 allows a cache to serve
what it just fetched to the requests waiting on it)."""

Fetch = Callable[[str, Mapping[str, str]], Awaitable[SignalFile]]
"""``fetch(url, extra_headers)``: one bounded GET following redirects; never raises."""
Record = Callable[[str, str, str, SignalFile, bool, float], str]
"""``record(origin, kind, requested_url, file, not_modified, fresh_seconds)`` -> snapshot id."""


@dataclass(slots=True)
class _Entry:
    """One cached file: what it answered and until when that answer holds."""

    file: SignalFile | None = None
    snapshot: str = ""
    expires: float = 0.0
    failures: int = 0
    task: asyncio.Future[None] | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class OriginSignals:
    """What one origin's files say, the snapshots read, and until when it holds."""

    origin: str
    site: SiteSignals
    snapshots: tuple[str, ...]
    crawl_delay: float | None
    expires: float
    files: Mapping[str, SignalFile] = field(default_factory=dict)


class OriginCache:
    """Fetches each origin's signal files once per lifetime and shares them."""

    def __init__(
        self,
        fetch: Fetch,
        record: Record,
        *,
        agent: str,
        max_seconds: float,
        backoff: float,
        max_backoff: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._record = record
        self._agent = agent
        self._max_seconds = max_seconds
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._clock = clock
        self._files: dict[str, _Entry] = {}
        self._origins: dict[str, OriginSignals] = {}
        self._pending: dict[str, asyncio.Future[OriginSignals]] = {}
        self.fetches = 0

    def fresh(self, origin: str) -> OriginSignals | None:
        """The origin's signals when they are decided and fresh (no await: the fast path)."""
        found = self._origins.get(origin)
        if found is not None and self._clock() < found.expires:
            return found
        return None

    def due_in(self, origin: str) -> float:
        """Seconds until ``origin``'s files are fetched again (at least :data:`MIN_FRESH_SECONDS`)."""
        found = self._origins.get(origin)
        until = found.expires - self._clock() if found is not None else 0.0
        return max(until, MIN_FRESH_SECONDS)

    async def get(self, origin: str) -> OriginSignals:
        """The origin's signals, fetching or revalidating what is stale; one task per origin."""
        found = self.fresh(origin)
        if found is not None:
            return found
        pending = self._pending.get(origin)
        if pending is None:
            pending = asyncio.ensure_future(self._refresh(origin))
            self._pending[origin] = pending
            pending.add_done_callback(lambda _: self._pending.pop(origin, None))
        # shield: a cancelled waiter must not cancel the fetch the others are waiting for.
        return await asyncio.shield(pending)

    async def files(self, urls: Iterable[str], *, origin: str, kind: str) -> dict[str, SignalFile]:
        """Fetch (or reuse) documents named by URL, such as RSL licences."""
        wanted = list(dict.fromkeys(urls))
        await asyncio.gather(*(self._ensure(url, origin=origin, kind=kind) for url in wanted))
        out = {}
        for url in wanted:
            found = self._files[url].file
            if found is not None:
                out[url] = found
        return out

    def snapshot_of(self, url: str) -> str:
        entry = self._files.get(url)
        return entry.snapshot if entry is not None else ""

    async def _refresh(self, origin: str) -> OriginSignals:
        try:
            return await self._read(origin)
        except Exception:
            # Never allow on an internal error: robots.txt "not fetched" is complete disallow.
            log.exception("heedful: reading the signal files of %s failed", origin)
            site = read_site(origin, robots=None)
            state = OriginSignals(
                origin=origin,
                site=site,
                snapshots=(),
                crawl_delay=None,
                expires=self._clock() + max(self._backoff, MIN_FRESH_SECONDS),
            )
            self._origins[origin] = state
            return state

    async def _read(self, origin: str) -> OriginSignals:
        # The plan says which files to fetch and when (robots.txt first, the others and the
        # licences only where it lets this crawler go); this cache only fetches, through its
        # per-file entries, and hands the answers in.
        plan = OriginPlan(origin, gate_agent=self._agent, lint=False)
        asked: dict[str, Purpose] = {}
        while not plan.done:
            requests = plan.next_requests()
            if not requests:
                raise PlanError(f"the plan for {origin} waits for answers it never asked for")
            for request in requests:
                asked.setdefault(request.url, request.purpose)
            await asyncio.gather(
                *(self._ensure(r.url, origin=origin, kind=str(r.purpose)) for r in requests)
            )
            for request in requests:
                found = self._files[request.url].file
                if found is None:
                    plan.fail(request, "not fetched")
                else:
                    plan.receive(request, found)
        site = plan.site
        now = self._clock()
        for note in site.notes:
            entry = self._files.get(note.source)
            if entry is not None and entry.failures == 0:
                # It answered whole, but its reader could read nothing: like a failure, it is
                # fetched again after the backoff, not kept for its freshness lifetime.
                entry.expires = min(entry.expires, now + max(self._backoff, MIN_FRESH_SECONDS))
        entries = [self._files[url] for url in asked]
        state = OriginSignals(
            origin=origin,
            site=site,
            snapshots=tuple(e.snapshot for e in entries if e.snapshot),
            crawl_delay=site.robots.crawl_delay(self._agent) if site.robots is not None else None,
            expires=min(e.expires for e in entries),
            files={
                str(purpose): file
                for url, purpose in asked.items()
                if purpose is not Purpose.LICENSE and (file := self._files[url].file) is not None
            },
        )
        self._origins[origin] = state
        return state

    async def _ensure(self, url: str, *, origin: str, kind: str) -> None:
        """Make ``url``'s entry fresh; concurrent callers share one fetch."""
        entry = self._files.setdefault(url, _Entry())
        if entry.file is not None and self._clock() < entry.expires:
            return
        if entry.task is None or entry.task.done():
            entry.task = asyncio.ensure_future(self._load(entry, url, origin=origin, kind=kind))
        await asyncio.shield(entry.task)

    async def _load(self, entry: _Entry, url: str, *, origin: str, kind: str) -> None:
        conditional: dict[str, str] = {}
        previous = entry.file
        if previous is not None and previous.status is not None and 200 <= previous.status < 300:
            # RFC 9111 4.3.1: revalidate what we hold instead of downloading it again.
            etag = header_values(previous.headers, "ETag")
            modified = header_values(previous.headers, "Last-Modified")
            if etag:
                conditional["If-None-Match"] = etag[0]
            if modified:
                conditional["If-Modified-Since"] = modified[0]
        self.fetches += 1
        got = await self._fetch(url, conditional)
        not_modified = got.status == 304 and previous is not None and bool(conditional)
        if not_modified and previous is not None:
            # The stored body stays; the new headers carry the new freshness (RFC 9111 4.3.4).
            fresh_headers = got.headers or previous.headers
            current = SignalFile(
                url=previous.url,
                status=previous.status,
                headers=previous.headers,
                body=previous.body,
                redirects=previous.redirects,
                truncated=previous.truncated,
            )
            lifetime = float(cache_lifetime(fresh_headers))
        else:
            current = got
            lifetime = float(cache_lifetime(got.headers))
        outcome = (
            robots_outcome(
                status=current.status,
                error=current.error,
                redirects=current.redirects,
                truncated=current.truncated,
            )
            if kind == "robots"
            else signal_file_outcome(
                status=current.status,
                error=current.error,
                redirects=current.redirects,
                truncated=current.truncated,
                received=len(current.body),
            )
        )
        if outcome.availability in (Availability.UNREACHABLE, Availability.UNREADABLE):
            # Never cached as permission: the failure holds until a retry after backoff, and
            # no sooner than a 429 or 503 asks (Retry-After, RFC 9110 section 10.2.3).
            lifetime = min(self._backoff * (2**entry.failures), self._max_backoff)
            lifetime = max(lifetime, retry_after(got.status, got.headers) or 0)
            entry.failures += 1
        else:
            entry.failures = 0
            lifetime = min(lifetime, self._max_seconds)
        lifetime = max(lifetime, MIN_FRESH_SECONDS)
        entry.snapshot = self._record(origin, kind, url, got, not_modified, lifetime)
        entry.file = current
        entry.expires = self._clock() + lifetime


def url_origin(url: str) -> str:
    """:func:`heedful.policies.origin.origin_of`, or ``""`` for a URL that has none (not an absolute
    http(s) URL): for ledger rows of URLs refused at the gate, and the spider's links."""
    try:
        return origin_of(url)
    except BadURL:
        return ""
