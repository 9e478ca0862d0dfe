"""Where decisions and content go: the ledger rows and the WARC records of one crawl.

One :class:`Provenance` per crawler, shared by the middleware and the pipelines. Every fetched
signal file becomes a :class:`~heedful.crawler.ledger.SignalSnapshot` (its body as a WARC response
record, as Common Crawl keeps robots.txt captures); every considered URL becomes a
:class:`~heedful.crawler.ledger.UrlEvent` (docs/decisions.md, Reasons;
the GPAI Code of Practice, Copyright chapter, measure 1.3; the EU template for the public summary of
training content).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from heedful.crawler.crawllog import deciding_reason, quiet_drivers, warn_placeholder
from heedful.crawler.ledger import CrawlRun, Ledger, UrlEvent, database_url, utcnow
from heedful.crawler.settings import VERSION, HeedfulConfig
from heedful.crawler.snapshots import store_signal
from heedful.crawler.warc import WarcFiles
from heedful.policies.model import Decision

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from heedful.policies.signals.read import SignalFile

ATTRIBUTE: Final = "_heedful_provenance"


class Provenance:
    """The ledger and WARC files of one crawl (one worker), plus running totals."""

    def __init__(self, config: HeedfulConfig, *, crawl_id: str) -> None:
        self.config = config
        self.crawl_id = crawl_id
        self.ledger = Ledger(
            database_url(config.ledger_url, config.out_dir), batch=config.ledger_batch
        )
        self.warc = WarcFiles(
            config.out_dir,
            prefix=config.warc_prefix,
            max_bytes=config.warc_max_bytes,
            software=f"Heedful/{VERSION} (Scrapy add-on)",
        )
        self.totals: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()
        self.origins: set[str] = set()
        self.kept_bytes = 0
        self.licensing: Callable[[], dict[str, Any]] | None = None
        """What the crawl's licences came to (tokens, spent, budget), when it buys any."""
        self._use = str(config.use)
        self._mode = str(config.mode)

    @classmethod
    def of(cls, crawler: Crawler, config: HeedfulConfig) -> Provenance:
        """The crawler's one instance (created on first use)."""
        found = getattr(crawler, ATTRIBUTE, None)
        if found is None:
            crawl_id = config.crawl_id or uuid.uuid4().hex
            found = cls(config, crawl_id=crawl_id)
            setattr(crawler, ATTRIBUTE, found)
            # Once per crawl, whichever Heedful component starts first.
            quiet_drivers(crawler.settings)
            warn_placeholder(config)
        assert isinstance(found, Provenance)
        return found

    async def open(self, *, seeds: Sequence[str]) -> None:
        await self.ledger.create()
        self.ledger.add(
            CrawlRun,
            {
                "crawl_id": self.crawl_id,
                "worker": f"{socket.gethostname()}:{os.getpid()}",
                "started_at": utcnow(),
                "agent": self.config.token,
                "user_agent": self.config.user_agent,
                "use": str(self.config.use),
                "mode": str(self.config.mode),
                "strict": self.config.strict,
                "seeds": list(seeds),
            },
        )

    async def close(self) -> None:
        self.warc.close()
        await self.ledger.close()

    def record_signal(
        self,
        origin: str,
        kind: str,
        requested: str,
        got: SignalFile,
        not_modified: bool,
        fresh_seconds: float,
    ) -> str:
        """Store one signal-file fetch as evidence; returns its snapshot id."""
        snapshot: str = store_signal(
            self.ledger,
            self.warc,
            run_id=self.crawl_id,
            origin=origin,
            kind=kind,
            requested=requested,
            got=got,
            not_modified=not_modified,
            fresh_seconds=fresh_seconds,
        )
        self.totals["signal-fetches"] += 1
        return snapshot

    def event(
        self,
        *,
        url: str,
        origin: str,
        status: str,
        stage: str,
        decision: Decision | None,
        snapshots: Iterable[str],
        http_status: int | None = None,
        error: str = "",
        fetched_at: datetime | None = None,
        redirected_from: Sequence[str] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """One :class:`UrlEvent` row; refusals are counted by their deciding reason.

        Reasons and snapshot ids go in as tuples, which the ledger encodes once per distinct
        value (:class:`~heedful.crawler.ledger.JsonEncoding`)."""
        row: dict[str, Any] = {
            "crawl_id": self.crawl_id,
            "url": url,
            "origin": origin,
            "status": status,
            "stage": stage,
            "use": self._use,
            "mode": self._mode,
            "decided_at": utcnow(),
            "fetched_at": fetched_at,
            "http_status": http_status,
            "error": error,
            "snapshots": tuple(snapshots),
            "redirected_from": list(redirected_from),
        }
        if decision is not None:
            row.update(
                verdict=str(decision.verdict),
                access=str(decision.access),
                reasons=decision.reasons,
                offers=decision.offers,
                aipref_draft=decision.aipref_draft,
                uses={str(use): str(p) for use, p in decision.uses.items()},
            )
        else:
            row.update(verdict="", reasons=(), offers=())
        if extra:
            row.update(extra)
        if decision is not None and (decision.missing or decision.creator_consent):
            # Issue 14 section 4: which of licence and creator consent the use lacked. A licence
            # the broker obtained (or failed to) says so itself; the decision says the rest.
            licensing = dict(row.get("licensing") or {})
            licensing.setdefault("missing", list(decision.missing))
            if decision.creator_consent:
                licensing.setdefault("creator_consent_state", decision.creator_consent)
            row["licensing"] = licensing
        self.ledger.add(UrlEvent, row)
        self.totals[status] += 1
        self.origins.add(origin)
        if status == "refused":
            label = (row.get("licensing") or {}).get("label")
            self.refusals[str(label) if label else refusal_reason(decision)] += 1
        if status == "kept":
            self.kept_bytes += int(row.get("size") or 0)


def refusal_reason(decision: Decision | None) -> str:
    """A short label for the summary: the signal that decided, e.g. ``robots.txt access deny``."""
    if decision is None:
        return "error"
    reason = deciding_reason(decision)
    if reason is not None:
        return f"{reason.signal} {reason.effect}"
    return f"verdict {decision.verdict}"
