"""The per-origin cache: one fetch per file under a burst, failures never cached as permission,
stale files revalidated (RFC 9309 2.3.1.4, 2.4; standards.md 1.8, 1.9)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from heedful.crawler.origincache import OriginCache
from heedful.policies.fetch.statuses import Availability
from heedful.policies.signals.read import SignalFile

ORIGIN = "http://site.test"


class FakeSite:
    """Answers by path; counts fetches; optional delay."""

    def __init__(self, answers: dict[str, SignalFile], delay: float = 0.0) -> None:
        self.answers = answers
        self.delay = delay
        self.calls: list[tuple[str, dict[str, str]]] = []

    async def __call__(self, url: str, headers: Mapping[str, str]) -> SignalFile:
        self.calls.append((url, dict(headers)))
        await asyncio.sleep(self.delay)
        path = url[len(ORIGIN) :]
        return self.answers.get(path, SignalFile(url=url, status=404))

    def count(self, path: str) -> int:
        return sum(1 for url, _ in self.calls if url == ORIGIN + path)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def robots(
    body: str, *, status: int = 200, headers: tuple[tuple[str, str], ...] = ()
) -> SignalFile:
    return SignalFile(
        url=ORIGIN + "/robots.txt", status=status, headers=headers, body=body.encode()
    )


def make(site: FakeSite, clock: Clock) -> tuple[OriginCache, list[tuple[str, bool]]]:
    recorded: list[tuple[str, bool]] = []

    def record(origin: str, kind: str, url: str, got: SignalFile, nm: bool, fresh: float) -> str:
        recorded.append((url, nm))
        return f"snap{len(recorded)}"

    cache = OriginCache(
        site,
        record,
        agent="HeedfulBot",
        max_seconds=86400,
        backoff=60,
        max_backoff=3600,
        clock=clock,
    )
    return cache, recorded


async def test_a_burst_shares_one_fetch_per_file() -> None:
    site = FakeSite({"/robots.txt": robots("User-agent: *\nDisallow: /x\n")}, delay=0.05)
    cache, recorded = make(site, Clock())
    results = await asyncio.gather(*(cache.get(ORIGIN) for _ in range(200)))
    assert len({id(r) for r in results}) == 1
    for path in ("/robots.txt", "/.well-known/tdmrep.json", "/ai.txt"):
        assert site.count(path) == 1
    assert len(recorded) == len(site.calls)
    assert results[0].site.robots is not None


async def test_unreachable_robots_is_complete_disallow_until_the_backoff_ends() -> None:
    site = FakeSite({"/robots.txt": robots("busy", status=503)})
    clock = Clock()
    cache, _ = make(site, clock)
    first = await cache.get(ORIGIN)
    assert first.site.robots_outcome.availability is Availability.UNREACHABLE
    assert site.calls == [(ORIGIN + "/robots.txt", {})]  # nothing else while disallowed
    clock.now += 30
    await cache.get(ORIGIN)
    assert site.count("/robots.txt") == 1
    site.answers["/robots.txt"] = robots("User-agent: *\nAllow: /\n")
    clock.now += 31
    again = await cache.get(ORIGIN)
    assert again.site.robots_outcome.availability is Availability.FOUND
    assert site.count("/robots.txt") == 2


@pytest.mark.parametrize("status", [429, 500, 503, None], ids=["429", "500", "503", "network"])
async def test_failures_are_never_permission(status: int | None) -> None:
    answer = (
        robots("x", status=status)
        if status is not None
        else SignalFile(url=ORIGIN + "/robots.txt", status=None, error="reset")
    )
    cache, _ = make(FakeSite({"/robots.txt": answer}), Clock())
    state = await cache.get(ORIGIN)
    assert state.site.robots_outcome.availability is Availability.UNREACHABLE


async def test_a_stale_file_is_revalidated_and_a_304_keeps_the_body() -> None:
    headers = (("ETag", '"v1"'), ("Cache-Control", "max-age=5"))
    site = FakeSite({"/robots.txt": robots("User-agent: *\nDisallow: /no\n", headers=headers)})
    clock = Clock()
    cache, recorded = make(site, clock)
    await cache.get(ORIGIN)
    site.answers["/robots.txt"] = robots("", status=304, headers=headers)
    clock.now += 2
    await cache.get(ORIGIN)
    assert site.count("/robots.txt") == 1  # still fresh
    clock.now += 4
    state = await cache.get(ORIGIN)
    assert site.count("/robots.txt") == 2
    assert site.calls[-1] == (ORIGIN + "/robots.txt", {"If-None-Match": '"v1"'})
    assert state.site.robots is not None
    assert not state.site.robots.access(ORIGIN + "/no", "HeedfulBot").allowed
    assert recorded[-1] == (ORIGIN + "/robots.txt", True)


async def test_cache_lifetime_is_capped_at_24_hours() -> None:
    site = FakeSite({"/robots.txt": robots("", headers=(("Cache-Control", "max-age=999999"),))})
    clock = Clock()
    cache, _ = make(site, clock)
    state = await cache.get(ORIGIN)
    assert state.expires - clock.now <= 86400


async def test_an_internal_error_fails_closed() -> None:
    async def broken(url: str, headers: Mapping[str, str]) -> SignalFile:
        raise RuntimeError("boom")

    cache = OriginCache(
        broken,
        lambda *a: "",
        agent="HeedfulBot",
        max_seconds=60,
        backoff=1,
        max_backoff=1,
        clock=Clock(),
    )
    state = await cache.get(ORIGIN)
    assert state.site.robots_outcome.availability is Availability.UNREACHABLE


async def test_crawl_delay_is_read_for_the_agent() -> None:
    site = FakeSite({"/robots.txt": robots("User-agent: HeedfulBot\nCrawl-delay: 2\nAllow: /\n")})
    cache, _ = make(site, Clock())
    assert (await cache.get(ORIGIN)).crawl_delay == 2.0
