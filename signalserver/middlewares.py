"""The one place exceptions become responses, and the structured access log.

Every error, from any route, leaves as ``{"ok": false, "status", "error", "errors": [...]}``
(style.md D, rule G.8); each entry of ``errors`` is an object with at least a ``message``. The
HTML pages (``/removals/...``, ``/admin/...``) get the same message as a readable page instead.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import lru_cache
from json.encoder import encode_basestring_ascii as _string
from typing import Final

from aiohttp import hdrs, web
from aiohttp.abc import AbstractAccessLogger
from pydantic import ValidationError

from policies.agents import agent_for_user_agent
from policies.errors import HeedfulError, PolicyFormatError
from signalserver.errors import ApiError
from signalserver.templating import page

log = logging.getLogger(__name__)

HTML_PREFIXES: Final = ("/removals", "/admin")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_body(status: int, message: str, errors: Sequence[Mapping[str, object]] = ()) -> bytes:
    """The canonical JSON error document."""
    document = {
        "ok": False,
        "status": status,
        "error": message,
        "errors": [dict(e) for e in errors] or [{"message": message}],
    }
    return json.dumps(document, ensure_ascii=False).encode()


def error_response(
    request: web.Request,
    status: int,
    message: str,
    errors: Sequence[Mapping[str, object]] = (),
    *,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """JSON for the API and files; a readable page for the HTML routes."""
    if request.path.startswith(HTML_PREFIXES):
        details = [str(e.get("message", "")) for e in errors if e.get("message") != message]
        html = page("error.html", title=f"Error {status}", message=message, details=details)
        return web.Response(status=status, text=html, content_type="text/html", headers=headers)
    return web.Response(
        status=status,
        body=error_body(status, message, errors),
        content_type="application/json",
        headers=headers,
    )


def validation_errors(exc: ValidationError) -> list[dict[str, object]]:
    """pydantic's errors as ``{"field", "message"}`` objects."""
    out: list[dict[str, object]] = []
    for item in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in item.get("loc", ()))
        message = str(item.get("msg", "invalid"))
        out.append({"field": where, "message": f"{where}: {message}" if where else message})
    return out


def problem_errors(exc: PolicyFormatError) -> list[dict[str, object]]:
    """Every problem of a refused policy: file, line, key and what is wrong."""
    out: list[dict[str, object]] = []
    for problem in exc.problems:
        item = {
            "file": getattr(problem, "file", ""),
            "line": getattr(problem, "line", 0),
            "key": getattr(problem, "key", ""),
            "message": str(getattr(problem, "message", problem)),
        }
        out.append(item)
    return out


_PASS_HEADERS: Final = ("Allow", "Retry-After", "WWW-Authenticate", "Location")


def error_for(request: web.Request, exc: Exception) -> web.Response:
    """The error response for ``exc``; an ``HTTPException`` below 400 (a redirect) is re-raised."""
    if isinstance(exc, ApiError):
        return error_response(
            request, exc.status, exc.message, exc.errors, headers=exc.headers or None
        )
    if isinstance(exc, ValidationError):
        return error_response(request, 400, "invalid input", validation_errors(exc))
    if isinstance(exc, PolicyFormatError):
        return error_response(request, 422, "the policy was refused", problem_errors(exc))
    if isinstance(exc, HeedfulError):
        return error_response(request, int(getattr(exc, "status_hint", 400)), str(exc))
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            raise exc
        headers = {k: exc.headers[k] for k in _PASS_HEADERS if k in exc.headers}
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else ""
        return error_response(request, exc.status, message or exc.reason.lower(), headers=headers)
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(request, 500, "internal server error")


def guarded(handler: Handler) -> Handler:
    """``handler`` with every exception turned into the one error shape.

    Guarding each route instead of installing an application middleware keeps the published
    files free of any per-request wrapper (aiohttp runs every middleware, plus one of its own,
    around every handler as soon as there is one): they catch their errors inline
    (routes/files.py), and issue 3 section 5 wants them as cheap as a bare handler.
    """

    @functools.wraps(handler)
    async def guarded_handler(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except Exception as exc:  # noqa: BLE001 -- every error leaves in the one shape
            return error_for(request, exc)

    return guarded_handler


@lru_cache(maxsize=1024)
def agent_token(user_agent: str) -> str | None:
    """The known AI agent a User-Agent header names, if any (cached: crawlers repeat)."""
    found = agent_for_user_agent(user_agent)
    return found.token if found is not None else None


FLUSH_SECONDS: Final = 0.05
"""How long an access line may wait before it is written (the log stays live to the eye)."""
MAX_PENDING: Final = 512
"""Lines held at most; a burst beyond this is written at once (memory stays bounded)."""
MAX_PREFIXES: Final = 2048
"""Distinct (method, path, status, bytes, User-Agent) line beginnings kept (paths are untrusted)."""
MAX_AGENT_CHARS: Final = 512


class _Sink:
    """Access lines written to stderr in batches: every ``FLUSH_SECONDS``, not per request.

    One write per batch instead of one per request keeps logging out of the per-request cost
    (issue 3 section 5): adding a line is an ``append``, and only the first line of a batch arms
    the timer (:meth:`_first_line`). Whatever is pending is written when the app
    shuts down (:func:`flush_access_log`, an ``on_cleanup`` hook) and, as a last resort, at exit.
    """

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._timer: asyncio.TimerHandle | None = None
        self._at_exit = False

    def add(self, line: str) -> None:
        lines = self._lines
        lines.append(line)
        if len(lines) == 1:
            self._first_line()
        elif len(lines) >= MAX_PENDING:
            self.flush()

    def _first_line(self) -> None:
        """A batch has begun: it is written within ``FLUSH_SECONDS`` (at once without a loop)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        if not self._at_exit:
            atexit.register(self.flush)
            self._at_exit = True
        self._timer = loop.call_later(FLUSH_SECONDS, self.flush)  # flush() left none behind

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._lines:
            text = "".join(self._lines)
            self._lines.clear()
            sys.stderr.write(text)
            sys.stderr.flush()


_SINK: Final = _Sink()
_PREFIXES: dict[tuple[str, str, int, int, str], str] = {}


async def flush_access_log(app: web.Application) -> None:
    """``on_cleanup`` hook: nothing logged is lost when the server stops."""
    _SINK.flush()


def _line_prefix(key: tuple[str, str, int, int, str]) -> str:
    """Everything of a line but the time; client strings go through the JSON string encoder."""
    method, path, status, length, user_agent = key
    agent = agent_token(user_agent)
    prefix = (
        f'{{"method": {_string(method)}, "path": {_string(path)}, "status": {status}, '
        f'"agent": {_string(agent) if agent is not None else "null"}, '
        f'"bytes": {length}, "ms": '
    )
    if len(_PREFIXES) >= MAX_PREFIXES:
        _PREFIXES.clear()
    _PREFIXES[key] = prefix
    return prefix


class JsonAccessLogger(AbstractAccessLogger):
    """One JSON object per line on stderr: method, path, status, agent, bytes, milliseconds.

    No addresses and no query strings: the log must not become a store of personal data
    (a receipt travels in the status page's query string). A crawler repeats the same request,
    so the line up to the time is built once per (method, path, status, bytes, User-Agent) and
    looked up after that; only the milliseconds are formatted per request.
    """

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        key = (
            request.method,
            request.rel_url.path_safe,  # decoded but %2F and %25; the router made it already
            response.status,
            response.body_length,
            request.headers.get(hdrs.USER_AGENT, "")[:MAX_AGENT_CHARS],  # istr: no case folding
        )
        _SINK.add(f"{_PREFIXES.get(key) or _line_prefix(key)}{time * 1000:.2f}}}\n")
