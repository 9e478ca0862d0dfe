"""The JSON access log: one object per line, client strings escaped, written in batches.

Lines are held at most ``FLUSH_SECONDS`` (or until ``MAX_PENDING`` pile up) and whatever is
pending is written when the app cleans up, so nothing logged is lost (issue 3 section 3 and 5).
Each application has its own log (issue 11 section 4): the loggers aiohttp makes are bound to it.
"""

from __future__ import annotations

import asyncio
import io
import json
import select
from types import SimpleNamespace
from typing import Any, cast

import pytest
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from signalserver.access_log import (
    ACCESS_LOG,
    FLUSH_SECONDS,
    MAX_AGENT_CHARS,
    MAX_PENDING,
    AccessLog,
    access_logger_class,
    flush_on_cleanup,
)

GPTBOT = "Mozilla/5.0 (compatible; GPTBot/1.2; +https://openai.com/gptbot)"


def _request(method: str, path: str, user_agent: str | None) -> web.BaseRequest:
    headers = CIMultiDict[str]()
    if user_agent is not None:
        headers["User-Agent"] = user_agent
    url = URL.build(path=path, encoded=True)  # as aiohttp's parser builds it
    fake = SimpleNamespace(method=method, rel_url=url, headers=CIMultiDictProxy(headers))
    return cast(web.BaseRequest, fake)


def _response(status: int, length: int) -> web.StreamResponse:
    return cast(web.StreamResponse, SimpleNamespace(status=status, body_length=length))


class Written(io.StringIO):
    """A stream that hands out what was written since the last look."""

    def taken(self) -> list[dict[str, Any]]:
        text = self.getvalue()
        self.seek(0)
        self.truncate()
        return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def stream() -> Written:
    return Written()


@pytest.fixture
def logger(stream: Written) -> AbstractAccessLogger:
    """A logger as aiohttp makes one per connection, from the class bound to one log."""
    return access_logger_class(AccessLog(stream))(cast(Any, None), "")


LINES = [
    # (id, method, path as sent, User-Agent, status, bytes, path logged, agent logged);
    # source: docs/server.md
    ("known crawler", "GET", "/robots.txt", GPTBOT, 200, 31000, "/robots.txt", "GPTBot"),
    ("browser", "GET", "/ai.txt", "Mozilla/5.0 (X11; Linux x86_64)", 304, 0, "/ai.txt", None),
    ("no user agent", "HEAD", "/", None, 404, 120, "/", None),
    ("quotes and newline in path", "GET", "/a%22b%0Ac%5Cd", "x", 404, 1, '/a"b\nc\\d', None),
    ("non-ascii path", "GET", "/caf%C3%A9/%E2%98%83", "x", 200, 5, "/caf\u00e9/\u2603", None),
    (
        "slash and percent stay encoded",
        "GET",
        "/a%2Fb/c%25d%20e",
        "x",
        404,
        1,
        "/a%2Fb/c%25d e",
        None,
    ),
    # Only the first MAX_AGENT_CHARS of a User-Agent are read: a client cannot make every line
    # cost a scan of a huge header, nor a crawler name hidden past them count.
    ("agent named too late", "GET", "/", "x" * MAX_AGENT_CHARS + GPTBOT, 200, 1, "/", None),
    ("agent named in time", "GET", "/", "x" * 400 + " " + GPTBOT, 200, 1, "/", "GPTBot"),
]


@pytest.mark.parametrize(
    ("method", "path", "user_agent", "status", "length", "logged", "agent"),
    [c[1:] for c in LINES],
    ids=[c[0] for c in LINES],
)
async def test_each_request_is_one_json_object(
    stream: Written,
    method: str,
    path: str,
    user_agent: str | None,
    status: int,
    length: int,
    logged: str,
    agent: str | None,
) -> None:
    log = AccessLog(stream)
    app = web.Application()
    app[ACCESS_LOG] = log
    logger = access_logger_class(log)(cast(Any, None), "")
    for _ in range(2):  # the second line comes from the cached prefix
        logger.log(_request(method, path, user_agent), _response(status, length), 0.001234)
    await flush_on_cleanup(app)
    lines = stream.taken()
    expected = {
        "method": method,
        "path": logged,
        "status": status,
        "agent": agent,
        "bytes": length,
        "ms": 1.23,
    }
    assert lines == [expected, expected]


async def test_lines_wait_at_most_the_flush_interval(
    stream: Written, logger: AbstractAccessLogger
) -> None:
    logger.log(_request("GET", "/robots.txt", GPTBOT), _response(200, 10), 0.0)
    assert stream.taken() == []  # batched, not written per request
    await asyncio.sleep(FLUSH_SECONDS * 4)
    assert [line["path"] for line in stream.taken()] == ["/robots.txt"]


async def test_a_burst_is_written_at_once(stream: Written, logger: AbstractAccessLogger) -> None:
    for number in range(MAX_PENDING):
        logger.log(_request("GET", f"/p{number}", None), _response(200, 1), 0.0)
    assert len(stream.taken()) == MAX_PENDING


def test_without_a_loop_lines_are_written_at_once(
    stream: Written, logger: AbstractAccessLogger
) -> None:
    logger.log(_request("GET", "/x", None), _response(200, 1), 0.0)
    assert [line["path"] for line in stream.taken()] == ["/x"]


class Chunks(io.StringIO):
    """Records each write: several processes share stderr, so each write must be whole lines."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def test_a_batch_is_written_in_whole_lines_no_longer_than_a_pipe_write() -> None:
    chunks = Chunks()
    log = AccessLog(chunks)
    bound = access_logger_class(log)(cast(Any, None), "")
    for number in range(200):
        bound.log(_request("GET", f"/page/{number}", GPTBOT), _response(200, 1), 0.0)
    log.flush()
    assert len(chunks.writes) > 1
    assert all(w.endswith("\n") and len(w.encode()) <= select.PIPE_BUF for w in chunks.writes)
    assert len("".join(chunks.writes).splitlines()) == 200


async def test_two_apps_keep_two_logs(stream: Written) -> None:
    """No process-global sink: each application's lines go to its own stream."""
    other = Written()
    first, second = AccessLog(stream), AccessLog(other)
    access_logger_class(first)(cast(Any, None), "").log(
        _request("GET", "/a", None), _response(200, 1), 0.0
    )
    access_logger_class(second)(cast(Any, None), "").log(
        _request("GET", "/b", None), _response(200, 1), 0.0
    )
    first.flush()
    second.flush()
    assert [line["path"] for line in stream.taken()] == ["/a"]
    assert [line["path"] for line in other.taken()] == ["/b"]
