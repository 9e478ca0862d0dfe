"""The batched scrapy-redis scheduler keeps scrapy-redis's semantics (issue 4 s. 4 and 6).

Against the Redis at ``HEEDFUL_TEST_REDIS_URL``: duplicates are dropped through the shared
duplicate filter (the same fingerprints as stock scrapy-redis, so workers agree), priorities
order the shared queue, ``dont_filter`` bypasses the filter, and a closing worker gives back
the requests it took but did not start.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
import scrapy
from scrapy.utils.test import get_crawler
from scrapy_redis.dupefilter import RFPDupeFilter

from heedful.crawler.distributed import POP_BATCH, BatchedScheduler, clear, redis_settings
from tests.helpers.services import redis_url


class _Spider(scrapy.Spider):
    name = "batched"


@pytest.fixture
def prefix() -> Iterator[tuple[str, str]]:
    url = redis_url()
    key = f"heedful-test-{uuid.uuid4().hex}"
    yield url, key
    clear(url, key)


def _open(url: str, key: str) -> BatchedScheduler:
    crawler = get_crawler(_Spider, redis_settings(url, key))
    scheduler = BatchedScheduler.from_crawler(crawler)
    scheduler.open(_Spider.from_crawler(crawler))
    return scheduler


async def _settle() -> None:
    await asyncio.sleep(0)  # the push runs at the end of the loop turn
    await asyncio.sleep(0)


async def test_duplicates_priorities_and_dont_filter(prefix: tuple[str, str]) -> None:
    url, key = prefix
    worker = _open(url, key)
    base = "http://site.test/"
    for request in (
        scrapy.Request(base + "a"),
        scrapy.Request(base + "a"),
        scrapy.Request(base + "b", dont_filter=True),
        scrapy.Request(base + "c", priority=5),
    ):
        assert worker.enqueue_request(request)
    assert worker.has_pending_requests()  # buffered requests count as pending
    await _settle()
    assert len(worker.queue) == 3  # a, b, c
    order = [worker.next_request() for _ in range(3)]
    assert next(r.url for r in order if r is not None) == base + "c"
    assert sorted(r.url for r in order if r is not None) == [base + "a", base + "b", base + "c"]
    assert worker.next_request() is None
    assert not worker.has_pending_requests()
    # The duplicate filter is stock scrapy-redis's: another worker sees "a" as seen.
    stock = RFPDupeFilter(worker.server, worker.df.key)
    assert stock.request_seen(scrapy.Request(base + "a"))
    assert not stock.request_seen(scrapy.Request(base + "new"))
    assert not stock.request_seen(scrapy.Request(base + "b"))  # dont_filter never entered it
    worker.close("finished")


# scrapy-redis's own open() logs "Resuming crawl" through the deprecated Spider.log().
@pytest.mark.filterwarnings("ignore:Spider.log:scrapy.exceptions.ScrapyDeprecationWarning")
async def test_closing_worker_gives_back_what_it_did_not_start(prefix: tuple[str, str]) -> None:
    url, key = prefix
    first = _open(url, key)
    for n in range(POP_BATCH + 2):
        first.enqueue_request(scrapy.Request(f"http://site.test/{n}"))
    await _settle()
    started = first.next_request()  # takes POP_BATCH from the shared queue, starts one
    assert started is not None
    assert len(first.queue) == 2
    first.close("shutdown")
    second = _open(url, key)
    rest = []
    while (request := second.next_request()) is not None:
        rest.append(request.url)
    assert len(rest) == POP_BATCH + 1
    assert started.url not in rest
    second.close("finished")
