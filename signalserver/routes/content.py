"""Everything else: the site's own content, from ``--static DIR`` or ``--upstream URL``.

Each answer carries the policy's headers for its path (docs/site-policy.md), so a site can put
Heedful in front of its content; HTML also gets the policy's ``<head>`` elements. The path is
normalised once (:func:`heedful.signalserver.content.served_path`) and that one path picks the file, is
forwarded upstream and chooses the headers, so content and policy never belong to two paths. The
:func:`heedful.signalserver.content.simulate` twin of this module tells the check API what is served.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Final
from urllib.parse import unquote

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from heedful.signalserver import cap
from heedful.signalserver.content import (
    MAX_INJECT_BYTES,
    NOT_FOUND_TYPE,
    inject_head,
    is_html,
    media_type_of,
    policy_headers,
    served_path,
    static_path,
)
from heedful.signalserver.errors import ApiError
from heedful.signalserver.keys import CONFIG, ENFORCER, STATE, UPSTREAM
from heedful.signalserver.live import Rendering
from heedful.signalserver.middlewares import error_body

HOP_BY_HOP: Final = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
APPENDED: Final = frozenset({"link"})
"""Policy headers added beside the origin's own; the others replace the origin's values."""


def _with_policy(
    headers: CIMultiDict[str], policy: tuple[tuple[str, str], ...]
) -> CIMultiDict[str]:
    for name in {n.lower() for n, _ in policy} - APPENDED:
        headers.popall(name, None)
    for name, value in policy:
        headers.add(name, value)
    return headers


def _not_found(rendering: Rendering, raw_path: str) -> web.Response:
    # Nothing is served here, so no media type applies (an image rule needs an image).
    headers = CIMultiDict(policy_headers(rendering, raw_path, None))
    headers["Content-Type"] = NOT_FOUND_TYPE
    return web.Response(
        status=404, body=error_body(404, f"nothing is published at {raw_path}"), headers=headers
    )


StatusHook = Callable[[int], Awaitable[Mapping[str, str]]]
"""Called with the status just before a response is sent; returns headers to add (the
licensed fetch is committed to the usage ledger here, signalserver/cap.py)."""


async def content(request: web.Request) -> web.StreamResponse:
    enforcer = request.app.get(ENFORCER)
    token = cap.presented(request)
    rendering = request.app[STATE].for_request(request.scheme, request.host)
    raw_path = served_path(request.rel_url.raw_path)
    if enforcer is None and token is None:
        return await _content(request, rendering, raw_path)
    hook: StatusHook | None = None
    if token is not None:
        licence = await cap.verify(request, rendering, raw_path, token)
        if isinstance(licence, web.Response):
            return licence

        async def hook(status: int) -> Mapping[str, str]:
            return await cap.record(request, rendering, raw_path, licence, status)

    if enforcer is None:
        return await _content(request, rendering, raw_path, hook)
    checked = await enforcer.check(request, rendering, raw_path, licensed=token is not None)
    if isinstance(checked, web.Response):
        return checked
    response = await _content(request, rendering, raw_path, hook)
    if checked is not None:
        enforcer.served(request, checked, response.status)
    return response


async def _content(
    request: web.Request, rendering: Rendering, raw_path: str, hook: StatusHook | None = None
) -> web.StreamResponse:
    config = request.app[CONFIG]
    if config.upstream is not None:
        return await _proxy(request, rendering, raw_path, hook)
    response = _static(request, config.static_dir, rendering, raw_path)
    if hook is not None:
        response.headers.update(await hook(response.status))
    return response


def _static(
    request: web.Request, static_dir: Path | None, rendering: Rendering, raw_path: str
) -> web.StreamResponse:
    if request.method not in ("GET", "HEAD"):
        raise web.HTTPMethodNotAllowed(request.method, ["GET", "HEAD"])
    if static_dir is None:
        return _not_found(rendering, raw_path)
    found = static_path(static_dir, unquote(raw_path))
    if found is None:
        return _not_found(rendering, raw_path)
    media_type = media_type_of(found.name)
    headers = CIMultiDict(policy_headers(rendering, raw_path, media_type))
    if is_html(media_type) and found.stat().st_size <= MAX_INJECT_BYTES:
        body = inject_head(found.read_bytes(), rendering.site.html_head_for(raw_path))
        headers["Content-Type"] = f"{media_type}"
        return web.Response(body=body, headers=headers)
    return web.FileResponse(found, headers=headers)


def _query_of(request: web.Request) -> str:
    query = request.rel_url.raw_query_string
    return f"?{query}" if query or request.rel_url.raw_path_qs.endswith("?") else ""


async def _proxy(
    request: web.Request, rendering: Rendering, raw_path: str, hook: StatusHook | None
) -> web.StreamResponse:
    """Forward to the origin; HTML without a content coding gets the head elements too."""
    session = request.app[UPSTREAM]
    base = str(request.app[CONFIG].upstream).rstrip("/")
    forward = CIMultiDict((k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP)
    forward["Accept-Encoding"] = "identity"
    body = await request.read() if request.body_exists else None
    try:
        async with session.request(
            request.method,
            base + raw_path + _query_of(request),
            headers=forward,
            data=body,
            allow_redirects=False,
        ) as upstream:
            headers = CIMultiDict(
                (k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP
            )
            media_type = upstream.content_type if "Content-Type" in upstream.headers else None
            _with_policy(headers, policy_headers(rendering, raw_path, media_type))
            if hook is not None:
                headers.update(await hook(upstream.status))
            coded = "Content-Encoding" in upstream.headers
            length = upstream.content_length
            if is_html(media_type) and not coded and (length or 0) <= MAX_INJECT_BYTES:
                payload = await upstream.content.read(MAX_INJECT_BYTES + 1)
                if len(payload) <= MAX_INJECT_BYTES:
                    payload = inject_head(payload, rendering.site.html_head_for(raw_path))
                    return web.Response(status=upstream.status, body=payload, headers=headers)
                response = web.StreamResponse(status=upstream.status, headers=headers)
                await response.prepare(request)
                await response.write(payload)
            else:
                response = web.StreamResponse(status=upstream.status, headers=headers)
                await response.prepare(request)
            async for chunk in upstream.content.iter_chunked(64 * 1024):
                await response.write(chunk)
            await response.write_eof()
            return response
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ApiError(502, f"the upstream server did not answer: {type(exc).__name__}") from None
