"""The published files: robots.txt, ai.txt, tdmrep.json, the RSL licence, the removals list.

Each is rendered once per policy version (signalserver/live.py); a request is a lookup and a
conditional check, answered 304 when the crawler's copy is current (standards.md 1.9, 12.5).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from aiohttp import hdrs, web

from policies.removals import REMOVALS_PATH
from signalserver.errors import NotFound
from signalserver.keys import STATE
from signalserver.live import AI_TXT, ROBOTS, TDMREP, Published, not_modified
from signalserver.middlewares import error_for

routes = web.RouteTableDef()
"""Served unguarded: each handler catches its own errors (see :func:`_published`)."""
CONDITIONAL_1: Final = hdrs.IF_NONE_MATCH
CONDITIONAL_2: Final = hdrs.IF_MODIFIED_SINCE
"""``istr`` names: a header lookup with them skips case folding."""
LICENSE: Final = "/license.xml"

_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?")


@lru_cache(maxsize=256)
def _origin(scheme: str, host: str) -> str | None:
    return f"{scheme}://{host.lower()}" if _HOST.fullmatch(host) else None


def request_origin(request: web.Request) -> str | None:
    """The origin the client asked for, when its Host header is a plausible host name."""
    return _origin(request.scheme, request.host)


def respond(request: web.Request, published: Published) -> web.Response:
    """The file, or 304 Not Modified when the client's validators match."""
    headers = request.headers
    if (CONDITIONAL_1 in headers or CONDITIONAL_2 in headers) and not_modified(
        published, headers.get(CONDITIONAL_1), headers.get(CONDITIONAL_2)
    ):
        return web.Response(status=304, headers=published.not_modified_headers)
    return web.Response(body=published.body, headers=published.headers)


def _published(request: web.Request, path: str) -> web.Response:
    """The rendered file at ``path``: a lookup, no await, no middleware (issue 3 section 5).

    These routes are registered unguarded (signalserver/app.py), so they turn their own
    errors into the one error shape; a ``try`` costs nothing until something raises.
    """
    try:
        state = request.app[STATE]
        rendering = state.rendering(None if state.base_url else request_origin(request))
        found = rendering.files.get(path)
        if found is None:
            raise NotFound(f"this site's policy publishes no {path}")
        headers = request.headers
        if CONDITIONAL_1 in headers or CONDITIONAL_2 in headers:
            return respond(request, found)
        return web.Response(body=found.body, headers=found.headers)  # respond(), inlined
    except Exception as exc:  # noqa: BLE001 -- every error leaves in the one shape
        return error_for(request, exc)


@routes.get(ROBOTS)
async def robots_txt(request: web.Request) -> web.Response:
    return _published(request, ROBOTS)


@routes.get(AI_TXT)
async def ai_txt(request: web.Request) -> web.Response:
    return _published(request, AI_TXT)


@routes.get(TDMREP)
async def tdmrep_json(request: web.Request) -> web.Response:
    return _published(request, TDMREP)


@routes.get(LICENSE)
async def license_xml(request: web.Request) -> web.Response:
    """The RSL document (standards.md 6.3); 404 when the policy offers no licence."""
    return _published(request, LICENSE)


@routes.get(REMOVALS_PATH)
async def removals_json(request: web.Request) -> web.Response:
    """Approved removals: URLs and approval times only (policies/removals.py)."""
    try:
        return respond(request, request.app[STATE].removals_file)
    except Exception as exc:  # noqa: BLE001 -- every error leaves in the one shape
        return error_for(request, exc)
