"""Distributed crawling through scrapy-redis: a shared Redis scheduler and duplicate filter.

Each worker process keeps its own origin cache and fetches an origin's signal files itself
before any of its requests to that origin leaves (issue 4 section 4): correctness never depends
on another worker. The ledger goes to one PostgreSQL database (``HEEDFUL_LEDGER_URL``), WARC
files to per-process names in a shared directory.

Workers stop when the shared queue has stayed empty for ``HEEDFUL_REDIS_IDLE_SECONDS``; the
queue and duplicate filter persist across workers (``SCHEDULER_PERSIST``) so that the first
worker to finish does not delete what the others still use. :func:`clear` removes the keys.

:class:`BatchedScheduler` is scrapy-redis's scheduler with its round trips batched: stock
scrapy-redis makes one blocking Redis call per duplicate check, one per enqueue and one per
dequeue, which cost a worker more than a millisecond per page on a loaded two-core machine
(issue 4 section 6 asks two workers to beat one plain process). The keys, the fingerprints
and the queue encoding are scrapy-redis's own, so stock workers can share a crawl with it.
Policy is untouched: every request still goes through Heedful's middleware before it leaves.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Final

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.asyncio import call_later
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler as RedisScheduler  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

IDLE_SECONDS: Final = 2.0
IDLE_POLL: Final = 0.25
SCHEDULER: Final = "heedful.crawler.distributed.BatchedScheduler"
PUSH_BATCH: Final = 256
"""Requests buffered before a push is forced (normally a push happens once per loop turn)."""
POP_BATCH: Final = 8
"""Requests taken from the shared queue at once. Small, so that workers share the frontier
evenly; a worker that closes gives back what it took and did not start."""
_PUSH_SCRIPT: Final = """
local added = 0
for i = 1, #ARGV, 3 do
    local fp = ARGV[i]
    if fp == "" or redis.call("SADD", KEYS[1], fp) == 1 then
        redis.call("ZADD", KEYS[2], ARGV[i + 1], ARGV[i + 2])
        added = added + 1
    end
end
return added
"""
"""scrapy-redis's ``request_seen`` (SADD) then ``PriorityQueue.push`` (ZADD), per request, in
one atomic round trip for the whole batch."""


def redis_settings(
    redis_url: str, key_prefix: str, *, idle_seconds: float = IDLE_SECONDS
) -> dict[str, Any]:
    """The settings that make a crawl one worker among many sharing ``key_prefix``."""
    return {
        "SCHEDULER": SCHEDULER,
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": f"{key_prefix}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{key_prefix}:dupefilter",
        "REDIS_URL": redis_url,
        "HEEDFUL_REDIS_IDLE_SECONDS": idle_seconds,
        "HEEDFUL_LICENCE_BUDGET_KEY": f"{key_prefix}:licence-budget",
        "EXTENSIONS": {"heedful.crawler.distributed.IdleCloser": 500},
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
        scheduler = load_object(crawler.settings.get("SCHEDULER"))
        if not (isinstance(scheduler, type) and issubclass(scheduler, RedisScheduler)):
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


class BatchedScheduler(RedisScheduler):  # type: ignore[misc]
    """scrapy-redis's scheduler, one Redis round trip per batch instead of per request.

    Requests a spider yields are buffered and pushed together at the end of the event-loop turn
    (one Lua script: duplicate check and enqueue, atomically, for each); dequeues take
    :data:`POP_BATCH` requests at once. Works with scrapy-redis's ``PriorityQueue`` (the
    default) and ``RFPDupeFilter`` key layout; other queue classes fall back to the stock
    behaviour.
    """

    def open(self, spider: Spider) -> None:
        super().open(spider)
        self._outbox: list[Any] = []
        self._inbox: deque[Request] = deque()
        self._flush_scheduled = False
        self._batched = type(self.queue).__name__ == "PriorityQueue" and hasattr(
            self.df, "request_fingerprint"
        )
        self._push = self.server.register_script(_PUSH_SCRIPT) if self._batched else None

    def enqueue_request(self, request: Request) -> bool:
        if not self._batched:
            return bool(super().enqueue_request(request))
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        self._outbox.extend((fingerprint, -request.priority, self.queue._encode_request(request)))
        if self.stats is not None:
            self.stats.inc_value("scheduler/enqueued/redis")
        if len(self._outbox) >= 3 * PUSH_BATCH:
            self.flush_outbox()
        elif not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush_outbox)
        return True

    def flush_outbox(self) -> None:
        """Push what was buffered: one script call for the whole batch."""
        self._flush_scheduled = False
        if not self._outbox:
            return
        batch, self._outbox = self._outbox, []
        assert self._push is not None
        added = int(self._push(keys=[self.df.key, self.queue.key], args=batch))
        duplicates = len(batch) // 3 - added
        if duplicates and self.stats is not None:
            self.stats.inc_value("heedful/redis/duplicates", duplicates)

    def next_request(self) -> Request | None:
        if not self._batched:
            return super().next_request()  # type: ignore[no-any-return]
        if not self._inbox:
            self.flush_outbox()  # our own requests first, so that the queue is never empty here
            pipe = self.server.pipeline()
            pipe.multi()
            pipe.zrange(self.queue.key, 0, POP_BATCH - 1).zremrangebyrank(
                self.queue.key, 0, POP_BATCH - 1
            )
            results, _ = pipe.execute()
            self._inbox.extend(self.queue._decode_request(data) for data in results)
        if not self._inbox:
            return None
        if self.stats is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return self._inbox.popleft()

    def has_pending_requests(self) -> bool:
        if self._batched and (self._inbox or self._outbox):
            return True
        return bool(super().has_pending_requests())

    def close(self, reason: str) -> None:
        if self._batched:
            self.flush_outbox()
            if self._inbox:
                # Give back what this worker took and did not start (already deduplicated,
                # so they go straight to the queue).
                pipe = self.server.pipeline()
                for request in self._inbox:
                    pipe.execute_command(
                        "ZADD",
                        self.queue.key,
                        -request.priority,
                        self.queue._encode_request(request),
                    )
                pipe.execute()
                self._inbox.clear()
        super().close(reason)
