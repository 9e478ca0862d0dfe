"""The hardened client against real hostile servers on 127.0.0.1.

Each behaviour of the ``hostile`` and ``redirect-chain`` demo sites must come back as data (an
error sentence, a status or ``None``) within the deadline, with the body bounded by the cap.
"""

from __future__ import annotations

import socket
import tracemalloc
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from heedful.client.fetch import FetchResult, fetch
from heedful.demo.sites import ServedSites
from heedful.policies.fetch.outcomes import MAX_SIGNAL_BYTES, robots_outcome, signal_file_outcome
from heedful.policies.fetch.statuses import Availability
from tests.helpers.servers import FAST, USER_AGENT

SLACK = 0.75
"""Seconds a fetch may run past its timeout (scheduling, connection teardown)."""


async def get(session: aiohttp.ClientSession, url: str, **kwargs: object) -> FetchResult:
    result = await fetch(session, url, timeout=FAST, user_agent=USER_AGENT, **kwargs)  # type: ignore[arg-type]
    assert result.elapsed < FAST + SLACK, result
    assert len(result.body) <= MAX_SIGNAL_BYTES
    return result


async def test_robots_that_never_answers_times_out_and_fails_closed(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    result = await get(session, sites["hostile"] + "/robots.txt")
    assert result.status is None
    assert result.error == f"timed out after {FAST} s"
    outcome = robots_outcome(status=result.status, error=result.error)
    assert outcome.availability is Availability.UNREACHABLE


async def test_body_that_stalls_after_headers_times_out_and_fails_closed(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    result = await get(session, sites["hostile"] + "/stall-body")
    assert result.status == 200
    assert result.error == f"timed out after {FAST} s"
    outcome = robots_outcome(status=result.status, error=result.error, truncated=result.truncated)
    assert outcome.availability is Availability.UNREACHABLE


async def test_connection_reset_is_an_error_not_an_exception(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    result = await get(session, sites["hostile"] + "/reset")
    assert result.status is None
    # Linux delivers the RST; elsewhere the close may arrive as a plain disconnect.
    assert result.error in {
        "connection reset by peer",
        "server closed the connection without answering",
    }
    assert robots_outcome(status=None, error=result.error).availability is Availability.UNREACHABLE


async def test_gzip_bomb_costs_at_most_the_cap(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    url = sites["hostile"] + "/gzip-bomb"
    await get(session, sites["hostile"] + "/")  # warm the connection pool outside the trace
    tracemalloc.start()
    try:
        result = await get(session, url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.status == 200
    assert result.truncated
    assert result.error == "compressed body expands beyond the cap"
    assert result.body == bytes(MAX_SIGNAL_BYTES)  # decompressed zeros, cut at the cap
    # 100 MB inflated would show; the cap plus a few read buffers is what is allowed.
    assert peak < 8 * MAX_SIGNAL_BYTES


async def test_endless_body_is_cut_at_the_cap(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    result = await get(session, sites["hostile"] + "/endless")
    assert (result.status, result.truncated) == (200, True)
    assert len(result.body) == MAX_SIGNAL_BYTES
    assert result.error == f"body larger than {MAX_SIGNAL_BYTES} bytes: truncated"


async def test_smaller_cap_is_honoured(sites: ServedSites, session: aiohttp.ClientSession) -> None:
    result = await get(session, sites["hostile"] + "/endless", max_bytes=1000)
    assert len(result.body) == 1000
    assert result.error == "body larger than 1000 bytes: truncated"


async def test_endless_ai_txt_is_unreadable_never_no_statement(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    """Issue 16 s. 3: a signal file that answered 200 but is over its limit cannot be read."""
    result = await get(session, sites["hostile"] + "/ai.txt")
    outcome = signal_file_outcome(
        status=result.status,
        error=result.error,
        truncated=result.truncated,
        received=len(result.body),
        name="ai.txt",
    )
    assert outcome.availability is Availability.UNREADABLE
    assert f"only {len(result.body)} bytes were read" in outcome.reason


async def test_redirect_to_itself_is_a_loop(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    result = await get(session, sites["hostile"] + "/loop")
    assert result.status == 302
    assert result.error.startswith("redirect loop: ")
    assert result.redirects == 0
    outcome = robots_outcome(status=result.status, error=result.error, redirects=result.redirects)
    assert outcome.availability is Availability.UNREACHABLE


async def test_huge_header_is_refused(sites: ServedSites, session: aiohttp.ClientSession) -> None:
    result = await get(session, sites["hostile"] + "/big-headers")
    assert result.status is None
    assert result.error == "response headers too large"


async def test_invalid_utf8_and_nuls_arrive_as_bytes(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    result = await get(session, sites["hostile"] + "/bad-bytes")
    assert (result.status, result.error) == (200, "")
    assert b"\x00" in result.body
    assert b"\xff\xfe" in result.body


async def test_six_redirects_fail_closed(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    result = await get(session, sites["redirect-chain"] + "/robots.txt")
    assert result.redirects == 6
    assert result.error == "more than 5 redirects"
    assert result.status == 302
    outcome = robots_outcome(status=result.status, error=result.error, redirects=result.redirects)
    assert outcome.availability is Availability.UNREACHABLE


async def test_five_redirects_reach_the_file(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    result = await get(session, sites["redirect-chain"] + "/five")
    assert (result.status, result.redirects, result.error) == (200, 5, "")
    assert result.final_url == sites["redirect-chain"] + "/real-robots.txt"
    assert result.body.startswith(b"User-agent: *")
    outcome = robots_outcome(status=result.status, redirects=result.redirects)
    assert outcome.availability is Availability.FOUND


async def test_redirect_limit_is_a_parameter(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    result = await get(session, sites["redirect-chain"] + "/five", max_redirects=2)
    assert (result.redirects, result.error) == (3, "more than 2 redirects")


async def test_redirect_without_location_is_reported(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    result = await get(session, sites["redirect-chain"] + "/no-location")
    assert result.status == 301
    assert result.error == "301 redirect without a usable Location"
    assert robots_outcome(status=301, error=result.error).availability is Availability.UNREACHABLE


async def test_redirects_are_followed_across_origins(
    sites: ServedSites, session: aiohttp.ClientSession, aiohttp_server: Any
) -> None:
    """RFC 9309 2.3.1.2: follow redirects even to another authority (here: another port)."""
    target = sites["allow-all"] + "/robots.txt"

    async def away(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently(target)

    app = web.Application()
    app.router.add_get("/robots.txt", away)
    server = await aiohttp_server(app)
    result = await get(session, str(server.make_url("/robots.txt")))
    assert (result.status, result.redirects, result.final_url) == (200, 1, target)
    assert sites.paths("allow-all") == ["/robots.txt"]


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/robots.txt", "file:///etc/passwd", "robots.txt", "gopher://x/"],
    ids=["ftp", "file", "relative", "gopher"],
)
async def test_only_http_and_https(session: aiohttp.ClientSession, url: str) -> None:
    result = await get(session, url)
    assert result.status is None
    assert "only http and https" in result.error


@pytest.mark.parametrize(
    "url",
    ["http://", "http://[::1", "http://127.0.0.1:0/", "http://127.0.0.1:99999/"],
    ids=["no-host", "open-bracket", "port-zero", "port-out-of-range"],
)
async def test_malformed_urls_are_errors(session: aiohttp.ClientSession, url: str) -> None:
    result = await get(session, url)
    assert result.status is None
    assert result.error


async def test_refused_connection(session: aiohttp.ClientSession) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = await get(session, f"http://127.0.0.1:{port}/robots.txt")
    assert result.status is None
    assert result.error.startswith("could not connect")


async def test_head_and_read_body_false_read_no_body(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    head = await get(session, sites["allow-all"] + "/robots.txt", method="HEAD")
    skipped = await get(session, sites["allow-all"] + "/robots.txt", read_body=False)
    assert (head.status, head.body) == (200, b"")
    assert (skipped.status, skipped.body) == (200, b"")
    assert dict(skipped.headers)["Content-Type"].startswith("text/plain")


async def test_user_agent_is_sent_and_logged(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    await get(session, sites["optout-robots"] + "/robots.txt")
    assert sites.log("optout-robots") == [("GET", "/robots.txt", 200, USER_AGENT)]


async def test_oversize_robots_is_cut_before_the_secret_line(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    result = await get(session, sites["oversize-robots"] + "/robots.txt")
    assert result.truncated
    assert b"Disallow: /secret" not in result.body
    outcome = robots_outcome(status=result.status, error=result.error, truncated=result.truncated)
    assert outcome.availability is Availability.FOUND


HOSTILE_PATHS = [
    "/robots.txt",
    "/stall-body",
    "/reset",
    "/gzip-bomb",
    "/endless",
    "/loop",
    "/big-headers",
    "/bad-bytes",
    "/ai.txt",
]


@pytest.mark.parametrize("path", HOSTILE_PATHS, ids=HOSTILE_PATHS)
async def test_nothing_raises_and_every_failure_says_why(
    sites: ServedSites, session: aiohttp.ClientSession, path: str
) -> None:
    result = await get(session, sites["hostile"] + path)
    assert result.ok or result.error
    assert result.url == sites["hostile"] + path
