"""The one place exceptions become responses: the error middleware.

Every error, from any route, leaves as ``{"ok": false, "status", "error", "errors": [...]}``
(style.md D, rule G.8); each entry of ``errors`` is an object with at least a ``message``. The
HTML pages (``/removals/...``, ``/admin/...``) get the same message as a readable page instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Final

from aiohttp import web
from pydantic import ValidationError

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


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every exception of every route, the router's own 404 and 405 included, in one shape."""
    try:
        return await handler(request)
    except Exception as exc:  # noqa: BLE001 -- every error leaves in the one shape
        return error_for(request, exc)
