"""The published files: robots.txt, ai.txt, tdmrep.json, the RSL licence, the removals list.

Each is rendered once per policy version (signalserver/live.py); a request is a lookup and a
conditional check, answered 304 when the crawler's copy is current (RFC 9309 section 2.4;
docs/site-policy.md).
"""

from __future__ import annotations

from typing import Final

from aiohttp import hdrs, web

from policies.removals import REMOVALS_PATH
from signalserver.errors import NotFound
from signalserver.live import AI_TXT, ROBOTS, TDMREP, PolicyState, Published, not_modified
from signalserver.middlewares import Handler

CONDITIONAL_1: Final = hdrs.IF_NONE_MATCH
CONDITIONAL_2: Final = hdrs.IF_MODIFIED_SINCE
"""``istr`` names: a header lookup with them skips case folding."""
LICENSE: Final = "/license.xml"
RENDERED: Final = (ROBOTS, AI_TXT, TDMREP, LICENSE)
"""Rendered per policy version; the RSL document (RSL 1.0 section 3) is 404 without a licence."""


def respond(request: web.Request, published: Published) -> web.Response:
    """The file, or 304 Not Modified when the client's validators match."""
    headers = request.headers
    if (CONDITIONAL_1 in headers or CONDITIONAL_2 in headers) and not_modified(
        published, headers.get(CONDITIONAL_1), headers.get(CONDITIONAL_2)
    ):
        return web.Response(status=304, headers=published.not_modified_headers)
    return web.Response(body=published.body, headers=published.headers)


def rendered_file(state: PolicyState, path: str) -> Handler:
    """The handler of the rendered file at ``path``: one lookup of the prepared file.

    Bytes and headers are made once per policy version and origin (signalserver/live.py); a
    request that sends no validator costs a dictionary lookup and a ``web.Response``.
    """

    async def handler(request: web.Request) -> web.Response:
        scheme, host = request.scheme, request.host
        found = state.published.get((scheme, host, path)) or state.file_for(scheme, host, path)
        if found is None:
            raise NotFound(f"this site's policy publishes no {path}")
        headers = request.headers
        if CONDITIONAL_1 in headers or CONDITIONAL_2 in headers:
            return respond(request, found)
        return web.Response(body=found.body, headers=found.headers)  # respond(), inlined

    handler.__name__ = handler.__qualname__ = f"rendered {path}"
    return handler


def removals_json(state: PolicyState) -> Handler:
    """The handler of the approved removals: URLs and approval times only (policies/removals.py)."""

    async def handler(request: web.Request) -> web.Response:
        return respond(request, state.removals_file)

    return handler


def routes(state: PolicyState) -> list[web.RouteDef]:
    """The published files' routes (GET and HEAD), each holding the app's policy state."""
    return [
        *(web.get(path, rendered_file(state, path)) for path in RENDERED),
        web.get(REMOVALS_PATH, removals_json(state)),
    ]
