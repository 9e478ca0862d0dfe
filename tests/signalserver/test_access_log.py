"""The JSON access log: one object per line, client strings escaped, written in batches.

Lines are held at most ``FLUSH_SECONDS`` (or until ``MAX_PENDING`` pile up) and whatever is
pending is written when the app cleans up, so nothing logged is lost (issue 3 section 3 and 5).
"""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any, cast

import pytest
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from signalserver import middlewares
from signalserver.middlewares import (
    FLUSH_SECONDS,
    MAX_AGENT_CHARS,
    MAX_PENDING,
    JsonAccessLogger,
    _Sink,
    flush_access_log,
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


@pytest.fixture
def sink(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> _Sink:
    fresh = _Sink()
    monkeypatch.setattr(middlewares, "_SINK", fresh)
    monkeypatch.setattr(middlewares, "_PREFIXES", {})
    return fresh


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()]


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
    sink: _Sink,
    capsys: pytest.CaptureFixture[str],
    method: str,
    path: str,
    user_agent: str | None,
    status: int,
    length: int,
    logged: str,
    agent: str | None,
) -> None:
    logger = JsonAccessLogger(cast(Any, None), "")
    for _ in range(2):  # the second line comes from the cached prefix
        logger.log(_request(method, path, user_agent), _response(status, length), 0.001234)
    await flush_access_log(cast(web.Application, None))
    lines = _lines(capsys)
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
    sink: _Sink, capsys: pytest.CaptureFixture[str]
) -> None:
    logger = JsonAccessLogger(cast(Any, None), "")
    logger.log(_request("GET", "/robots.txt", GPTBOT), _response(200, 10), 0.0)
    assert capsys.readouterr().err == ""  # batched, not written per request
    await asyncio.sleep(FLUSH_SECONDS * 4)
    assert [line["path"] for line in _lines(capsys)] == ["/robots.txt"]


async def test_a_burst_is_written_at_once(sink: _Sink, capsys: pytest.CaptureFixture[str]) -> None:
    logger = JsonAccessLogger(cast(Any, None), "")
    for number in range(MAX_PENDING):
        logger.log(_request("GET", f"/p{number}", None), _response(200, 1), 0.0)
    assert len(_lines(capsys)) == MAX_PENDING


def test_without_a_loop_lines_are_written_at_once(
    sink: _Sink, capsys: pytest.CaptureFixture[str]
) -> None:
    JsonAccessLogger(cast(Any, None), "").log(_request("GET", "/x", None), _response(200, 1), 0.0)
    assert [line["path"] for line in _lines(capsys)] == ["/x"]
