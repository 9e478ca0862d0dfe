"""The structured access log: one JSON object per request, written in batches.

aiohttp writes access lines through an :class:`~aiohttp.abc.AbstractAccessLogger` that it makes
itself, one per connection, from a class (``AppRunner(access_log_class=...)``). The lines of one
application go to one :class:`AccessLog`, which lives on the application (``app[ACCESS_LOG]``)
and is flushed when the application cleans up; :func:`access_logger_class` is the class aiohttp
makes its loggers from, bound to that one log. Nothing here is process-global: two applications
in one process keep two logs.

No addresses and no query strings are logged: the log must not become a store of personal data
(a receipt travels in the status page's query string).
"""

from __future__ import annotations

import asyncio
from json.encoder import encode_basestring_ascii as _string
from select import PIPE_BUF
from typing import TYPE_CHECKING, Final, TextIO

from aiohttp import hdrs, web
from aiohttp.abc import AbstractAccessLogger

from policies.agents import agent_for_user_agent

if TYPE_CHECKING:
    from aiohttp.web_request import BaseRequest
    from aiohttp.web_response import StreamResponse

FLUSH_SECONDS: Final = 0.05
"""How long an access line may wait before it is written (the log stays live to the eye)."""
MAX_PENDING: Final = 512
"""Lines held at most; a burst beyond this is written at once (memory stays bounded)."""
MAX_PREFIXES: Final = 2048
"""Distinct (method, path, status, bytes, User-Agent) line beginnings kept (paths are untrusted)."""
MAX_AGENT_CHARS: Final = 512
"""Only this much of a User-Agent is read: a huge header cannot make every line cost a scan."""

LineKey = tuple[str, str, int, int, str]


class AccessLog:
    """The access lines of one application, written to ``stream`` every ``FLUSH_SECONDS``.

    One write per batch instead of one per request keeps logging out of the per-request cost:
    adding a line is an ``append``, and only the first line of a batch arms the timer. A crawler
    repeats the same request, so a line up to its time is built once per (method, path, status,
    bytes, User-Agent) and looked up after that; only the milliseconds are formatted per request.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lines: list[str] = []
        self._timer: asyncio.TimerHandle | None = None
        self._prefixes: dict[LineKey, str] = {}

    def add(self, request: BaseRequest, response: StreamResponse, seconds: float) -> None:
        key = (
            request.method,
            request.rel_url.path_safe,  # decoded but %2F and %25; the router made it already
            response.status,
            response.body_length,
            request.headers.get(hdrs.USER_AGENT, "")[:MAX_AGENT_CHARS],  # istr: no case folding
        )
        lines = self._lines
        lines.append(f"{self._prefixes.get(key) or self._prefix(key)}{seconds * 1000:.2f}}}\n")
        if len(lines) == 1:
            self._first_line()
        elif len(lines) >= MAX_PENDING:
            self.flush()

    def _prefix(self, key: LineKey) -> str:
        """Everything of a line but the time; client strings go through the JSON string encoder."""
        method, path, status, length, user_agent = key
        found = agent_for_user_agent(user_agent)
        agent = _string(found.token) if found is not None else "null"
        prefix = (
            f'{{"method": {_string(method)}, "path": {_string(path)}, "status": {status}, '
            f'"agent": {agent}, "bytes": {length}, "ms": '
        )
        if len(self._prefixes) >= MAX_PREFIXES:
            self._prefixes.clear()
        self._prefixes[key] = prefix
        return prefix

    def _first_line(self) -> None:
        """A batch has begun: it is written within ``FLUSH_SECONDS`` (at once without a loop)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._timer = loop.call_later(FLUSH_SECONDS, self.flush)  # flush() left none behind

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._lines:
            return
        lines, self._lines = self._lines, []
        # Worker processes share one stderr: a write of at most PIPE_BUF bytes reaches a pipe
        # whole (POSIX), so each write is whole lines within that size and lines never mix.
        chunk: list[str] = []
        size = 0
        for line in lines:
            length = len(line)  # in bytes too: the JSON string encoder escaped all but ASCII
            if chunk and size + length > PIPE_BUF:
                self._write("".join(chunk))
                chunk, size = [], 0
            chunk.append(line)
            size += length
        self._write("".join(chunk))

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()


ACCESS_LOG: Final = web.AppKey("access_log", AccessLog)


async def flush_on_cleanup(app: web.Application) -> None:
    """``on_cleanup`` hook: nothing logged is lost when the server stops."""
    app[ACCESS_LOG].flush()


def access_logger_class(log: AccessLog) -> type[AbstractAccessLogger]:
    """The ``access_log_class`` whose loggers write to ``log``.

    aiohttp builds the logger of each connection itself, from a class and a ``logging.Logger``,
    and hands it requests that may never have been routed (a malformed request line gets its
    400 before any application sees it). So the log is bound to the class, not found through
    the request.
    """

    class JsonAccessLogger(AbstractAccessLogger):
        """One JSON object per line: method, path, status, agent, bytes, milliseconds."""

        def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
            log.add(request, response, time)

    return JsonAccessLogger
