"""The one place exceptions become responses, and the structured access log.

Every error, from any route, leaves as ``{"ok": false, "status", "error", "errors": [...]}``
(style.md D, rule G.8); each entry of ``errors`` is an object with at least a ``message``. The
HTML pages (``/removals/...``, ``/admin/...``) get the same message as a readable page instead.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import lru_cache
from json.encoder import encode_basestring_ascii as _string
from typing import Final

from aiohttp import web
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


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(
            request, exc.status, exc.message, exc.errors, headers=exc.headers or None
        )
    except ValidationError as exc:
        return error_response(request, 400, "invalid input", validation_errors(exc))
    except PolicyFormatError as exc:
        return error_response(request, 422, "the policy was refused", problem_errors(exc))
    except HeedfulError as exc:
        return error_response(request, int(getattr(exc, "status_hint", 400)), str(exc))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: exc.headers[k] for k in _PASS_HEADERS if k in exc.headers}
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else ""
        return error_response(request, exc.status, message or exc.reason.lower(), headers=headers)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(request, 500, "internal server error")


@lru_cache(maxsize=1024)
def agent_token(user_agent: str) -> str | None:
    """The known AI agent a User-Agent header names, if any (cached: crawlers repeat)."""
    found = agent_for_user_agent(user_agent)
    return found.token if found is not None else None


class _Sink:
    """Lines written to stderr once per event-loop turn, not once per request.

    Every request answered in one turn of the loop shares one write; a line is never held past
    the turn it was made in, so the log stays live.
    """

    def __init__(self) -> None:
        self._lines: list[str] = []

    def add(self, line: str) -> None:
        if not self._lines:
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # no loop: write at once
                self._lines.append(line)
                self.flush()
                return
        self._lines.append(line)

    def flush(self) -> None:
        if self._lines:
            text = "".join(self._lines)
            self._lines.clear()
            sys.stderr.write(text)
            sys.stderr.flush()


_SINK: Final = _Sink()


class JsonAccessLogger(AbstractAccessLogger):
    """One JSON object per line on stderr: method, path, status, agent, bytes, milliseconds.

    No addresses and no query strings: the log must not become a store of personal data
    (a receipt travels in the status page's query string).
    """

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        agent = agent_token(request.headers.get("User-Agent", "")[:512])
        # Hand-built (json.dumps of a dict costs as much as serving a small file); every
        # string that comes from the client goes through the JSON string encoder.
        _SINK.add(
            f'{{"method": {_string(request.method)}, "path": {_string(request.path)}, '
            f'"status": {response.status}, '
            f'"agent": {_string(agent) if agent is not None else "null"}, '
            f'"bytes": {response.body_length}, "ms": {time * 1000:.2f}}}\n'
        )
