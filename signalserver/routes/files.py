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
from signalserver.middlewares import Handler, error_for

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
    """The handler of the rendered file at ``path``: a lookup, no middleware (issue 3 section 5).

    One coroutine per path, holding the app's policy state, so a request runs one frame of
    Heedful's code. These routes are registered unguarded (signalserver/app.py), so they turn
    their own errors into the one error shape; a ``try`` costs nothing until something raises.
    """

    async def handler(request: web.Request) -> web.Response:
        try:
            rendering = state.for_request(request.scheme, request.host)
            found = rendering.files.get(path)
            if found is None:
                raise NotFound(f"this site's policy publishes no {path}")
            headers = request.headers
            if CONDITIONAL_1 in headers or CONDITIONAL_2 in headers:
                return respond(request, found)
            return web.Response(body=found.body, headers=found.headers)  # respond(), inlined
        except Exception as exc:  # noqa: BLE001 -- every error leaves in the one shape
            return error_for(request, exc)

    handler.__name__ = handler.__qualname__ = f"rendered {path}"
    return handler


def removals_json(state: PolicyState) -> Handler:
    """The handler of the approved removals: URLs and approval times only (policies/removals.py)."""

    async def handler(request: web.Request) -> web.Response:
        try:
            return respond(request, state.removals_file)
        except Exception as exc:  # noqa: BLE001 -- every error leaves in the one shape
            return error_for(request, exc)

    return handler


def routes(state: PolicyState) -> list[web.RouteDef]:
    """The published files' routes (GET and HEAD), served unguarded (see :func:`rendered_file`)."""
    return [
        *(web.get(path, rendered_file(state, path)) for path in RENDERED),
        web.get(REMOVALS_PATH, removals_json(state)),
    ]
