"""One re-check's shared state, its evidence, and the decision for one kept item.

Split from :mod:`heedful.crawler.transparency.recheck` (which runs the whole re-check); see its
docstring for what the outcomes mean.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from heedful.crawler.ledger import Ledger, UrlEvent, utcnow
from heedful.crawler.origincache import OriginCache, OriginSignals
from heedful.crawler.snapshots import store_signal
from heedful.crawler.transparency.ledgerdata import BLOCKING_EFFECTS, item_key
from heedful.crawler.transparency.recheck_fetch import fetch_page
from heedful.crawler.transparency.warcrecords import Locations, RecordReader
from heedful.crawler.warc import WarcFiles
from heedful.policies.agents import HEEDFUL_TOKEN
from heedful.policies.evaluate import evaluate
from heedful.policies.fetch.statuses import Availability
from heedful.policies.model import Decision, Mode, Use, Verdict
from heedful.policies.signals.read import SignalFile, page_license_urls, read_page

SOFTWARE: Final = "Heedful re-check"
"""(crawler.settings is not imported: it pulls in Scrapy, which a re-check does not need.)"""


@dataclass(frozen=True, kw_only=True, slots=True)
class RecheckOptions:
    pages: bool = False
    concurrency: int = 16
    fetch_timeout: float = 10.0
    fail_closed: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class CrawlSettings:
    agent: str
    user_agent: str
    use: Use
    mode: Mode
    strict: bool


@dataclass(kw_only=True)
class Run:
    """State shared by every item of one re-check."""

    directory: Path
    options: RecheckOptions
    recheck_id: str
    ledger: Ledger
    warc: WarcFiles
    reader: RecordReader
    locations: Locations
    crawls: dict[str, CrawlSettings]
    caches: dict[tuple[str, str], OriginCache] = field(default_factory=dict)
    states: dict[tuple[str, str], OriginSignals] = field(default_factory=dict)
    limit: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(16))
    counts: Counter[str] = field(default_factory=Counter)
    withdrawn: list[dict[str, Any]] = field(default_factory=list)

    def record(
        self, origin: str, kind: str, url: str, got: SignalFile, not_modified: bool, fresh: float
    ) -> str:
        """Evidence of one signal-file fetch, stored as crawls store it."""
        return store_signal(
            self.ledger,
            self.warc,
            run_id=self.recheck_id,
            origin=origin,
            kind=kind,
            requested=url,
            got=got,
            not_modified=not_modified,
            fresh_seconds=fresh,
        )


def crawl_settings(
    rows: list[Mapping[str, Any]], events: list[Mapping[str, Any]]
) -> dict[str, CrawlSettings]:
    out: dict[str, CrawlSettings] = {}
    for row in rows:
        out.setdefault(
            row["crawl_id"],
            CrawlSettings(
                agent=row["agent"],
                user_agent=row["user_agent"],
                use=Use(row["use"]),
                mode=Mode(row["mode"]),
                strict=bool(row["strict"]),
            ),
        )
    for event in events:  # a ledger without its crawl row still names use and mode per event
        out.setdefault(
            event["crawl_id"],
            CrawlSettings(
                agent=HEEDFUL_TOKEN,
                user_agent=f"Mozilla/5.0 (compatible; {HEEDFUL_TOKEN}; {SOFTWARE})",
                use=Use(event["use"]),
                mode=Mode(event["mode"]),
                strict=False,
            ),
        )
    return out


def blocking_reasons(decision: Decision) -> list[dict[str, str]]:
    """The reasons that refuse (all of them when none is marked as refusing)."""
    reasons = [r.as_dict() for r in decision.reasons]
    return [r for r in reasons if r["effect"] in BLOCKING_EFFECTS] or reasons


async def decide_item(run: Run, item: Mapping[str, Any], session: Any) -> None:
    crawl = run.crawls[item["crawl_id"]]
    origin = str(item["origin"])
    url = str(item["url"])
    cache = run.caches[(crawl.agent, crawl.user_agent)]
    state = run.states[(crawl.agent, origin)]
    site = state.site
    stored = run.reader.read(*item_key(item))
    page_file: SignalFile | None = None
    note = "" if stored is not None else "stored record not found: decided without the page"
    if stored is not None:
        page_file = SignalFile(
            url=url, status=stored.status, headers=stored.headers, body=stored.body
        )
    http_status: int | None = None
    fetched_at = None

    def decide(page: Any) -> Decision:
        return evaluate(
            site,
            page,
            url=url,
            agent=crawl.agent,
            use=crawl.use,
            mode=crawl.mode,
            strict=crawl.strict,
        )

    if run.options.pages and decide(None).access is Verdict.ALLOW:
        async with run.limit:
            got = await fetch_page(
                session,
                url,
                etag=stored.header("ETag") if stored else "",
                last_modified=stored.header("Last-Modified") if stored else "",
                timeout=run.options.fetch_timeout,
                user_agent=crawl.user_agent,
            )
        fetched_at = utcnow()
        http_status = got.status
        if got.status is not None and (200 <= got.status < 300 or got.status in (401, 402, 403)):
            page_file, note = got, f"page fetched again (HTTP {got.status})"
        elif got.status == 304:
            note = "page not modified (HTTP 304): stored headers decided"
        else:
            note = f"page not read ({got.status or got.error}): stored copy decided"
    snapshots = list(state.snapshots)
    page = read_page(page_file) if page_file is not None else None
    if page is not None and page_file is not None:
        named = [
            u for u in page_license_urls(url, page.headers, page.head) if u not in site.licenses
        ]
        if named:
            docs = await cache.files(named, origin=origin, kind="rsl")
            page = read_page(page_file, licenses=docs)
            snapshots.extend(s for u in named if (s := cache.snapshot_of(u)))
    decision = decide(page)
    undecided = (
        site.robots_outcome.availability is Availability.UNREACHABLE
        or decision.verdict in (Verdict.UNKNOWN, Verdict.FAILED)
    )
    if undecided and not run.options.fail_closed:
        # Nothing readable was said today (robots.txt unreachable, or a file that governs the use
        # cannot be read): a purge cannot be undone, so the item waits for the next re-check.
        status = "unverified"
    elif decision.verdict is Verdict.ALLOW:
        status = "kept"
    else:
        status = "withdrawn"
    data = decision.as_dict()
    decided_at = utcnow()
    run.ledger.add(
        UrlEvent,
        {
            "crawl_id": item["crawl_id"],
            "event": "recheck",
            "url": url,
            "origin": origin,
            "status": status,
            "stage": "recheck",
            "verdict": data["verdict"],
            "access": data["access"],
            "use": str(crawl.use),
            "mode": str(crawl.mode),
            "reasons": data["reasons"],
            "offers": data["offers"],
            "http_status": http_status,
            "error": note,
            "decided_at": decided_at,
            "fetched_at": fetched_at,
            "sha256": item.get("sha256") or "",
            "size": item.get("size"),
            "content_type": item.get("content_type") or "",
            "warc_file": item.get("warc_file") or "",
            "warc_offset": item.get("warc_offset"),
            "license": item.get("license") or [],
            "attribution": item.get("attribution") or {},
            "snapshots": snapshots,
            "redirected_from": [],
            "images_reserved": bool(item.get("images_reserved")),
        },
    )
    run.counts[status] += 1
    if status == "withdrawn":
        file, offset = item_key(item)
        now_file, now_offset = run.locations.current(file, offset)
        run.withdrawn.append(
            {
                "url": url,
                "sha256": item.get("sha256") or "",
                "warc": {"file": now_file, "offset": now_offset},
                "reasons": blocking_reasons(decision),
                "verdict": data["verdict"],
                "crawl_id": item["crawl_id"],
                "item": {"warc_file": file, "warc_offset": offset},
                "recheck_id": run.recheck_id,
                "decided_at": decided_at.isoformat(),
            }
        )
