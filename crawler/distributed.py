"""Distributed crawling through scrapy-redis: a shared Redis scheduler and duplicate filter.

Each worker process keeps its own origin cache and fetches an origin's signal files itself
before any of its requests to that origin leaves (issue 4 section 4): correctness never depends
on another worker. The ledger goes to one PostgreSQL database (``HEEDFUL_LEDGER_URL``), WARC
files to per-process names in a shared directory.

Workers stop when the shared queue has stayed empty for ``HEEDFUL_REDIS_IDLE_SECONDS``; the
queue and duplicate filter persist across workers (``SCHEDULER_PERSIST``) so that the first
worker to finish does not delete what the others still use. :func:`clear` removes the keys.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Final

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.asyncio import call_later

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

IDLE_SECONDS: Final = 2.0
IDLE_POLL: Final = 0.25


def redis_settings(
    redis_url: str, key_prefix: str, *, idle_seconds: float = IDLE_SECONDS
) -> dict[str, Any]:
    """The settings that make a crawl one worker among many sharing ``key_prefix``."""
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": f"{key_prefix}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{key_prefix}:dupefilter",
        "REDIS_URL": redis_url,
        "HEEDFUL_REDIS_IDLE_SECONDS": idle_seconds,
        "EXTENSIONS": {"crawler.distributed.IdleCloser": 500},
    }


def clear(redis_url: str, key_prefix: str) -> int:
    """Delete every key under ``key_prefix`` (after a crawl, or a test run)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{key_prefix}:*", count=1000))
        return int(client.delete(*keys)) if keys else 0
    finally:
        client.close()


class IdleCloser:
    """Keeps an idle worker alive until the shared queue has been empty for a while."""

    def __init__(self, crawler: Crawler, idle_seconds: float) -> None:
        self.crawler = crawler
        self.idle_seconds = idle_seconds
        self.empty_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if "scrapy_redis" not in str(crawler.settings.get("SCHEDULER")):
            raise NotConfigured("IdleCloser only works with the scrapy-redis scheduler")
        ext = cls(crawler, crawler.settings.getfloat("HEEDFUL_REDIS_IDLE_SECONDS", IDLE_SECONDS))
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.reset, signal=signals.response_received)
        return ext

    def spider_idle(self, spider: Spider) -> None:
        now = time.monotonic()
        if self.empty_since is None:
            self.empty_since = now
        if now - self.empty_since >= self.idle_seconds:
            return
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        if slot is not None:  # look again soon instead of at the 5 s engine heartbeat
            call_later(IDLE_POLL, slot.nextcall.schedule)
        raise DontCloseSpider

    def reset(self, **_: Any) -> None:
        self.empty_since = None
