"""Bounded fetches for a re-check: signal files through :func:`heedful.client.fetch.fetch`, kept pages
with a conditional GET (RFC 9110 13.1: ``If-None-Match`` from the stored ``ETag``, else
``If-Modified-Since`` from the stored ``Last-Modified``) so an unchanged page costs a 304.

Pages are requested only after robots.txt allows it, never follow redirects (a moved page is
not the work that was kept; its stored copy is decided instead), read at most the HTML head
limit, and every failure is data, never an exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Final

import aiohttp

from heedful.client.fetch import describe_error, fetch
from heedful.policies.fetch.outcomes import MAX_SIGNAL_BYTES
from heedful.policies.html import MAX_HEAD_BYTES
from heedful.policies.signals.read import SignalFile
from heedful.policies.signals.removals import MAX_REMOVALS_BYTES, REMOVALS_PATH

CHUNK: Final = 64 * 1024


async def fetch_signal_file(
    session: aiohttp.ClientSession,
    url: str,
    extra: Mapping[str, str],
    *,
    timeout: float,  # noqa: ASYNC109 -- one deadline for the whole exchange, set inside
    user_agent: str,
) -> SignalFile:
    """One site-level file; ``extra`` (revalidation headers) is not needed within one run."""
    limit = MAX_REMOVALS_BYTES if url.endswith(REMOVALS_PATH) else MAX_SIGNAL_BYTES
    got = await fetch(session, url, timeout=timeout, max_bytes=limit, user_agent=user_agent)
    return SignalFile(
        url=got.final_url or got.url,
        status=got.status,
        headers=got.headers,
        body=got.body,
        error=got.error,
        redirects=got.redirects,
        truncated=got.truncated,
    )


async def fetch_page(
    session: aiohttp.ClientSession,
    url: str,
    *,
    etag: str,
    last_modified: str,
    timeout: float,  # noqa: ASYNC109 -- one deadline for the whole exchange, set inside
    user_agent: str,
) -> SignalFile:
    """A conditional GET of a kept page; ``status`` is ``None`` when nothing came back."""
    headers = {"User-Agent": user_agent}
    if etag:
        headers["If-None-Match"] = etag
    elif last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with asyncio.timeout(timeout):
            async with session.get(url, headers=headers, allow_redirects=False) as response:
                body = b""
                truncated = False
                if response.status != 304:
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in response.content.iter_chunked(CHUNK):
                        chunks.append(chunk)
                        size += len(chunk)
                        if size >= MAX_HEAD_BYTES:
                            truncated = True
                            break
                    body = b"".join(chunks)[:MAX_HEAD_BYTES]
                return SignalFile(
                    url=url,
                    status=response.status,
                    headers=tuple(response.headers.items()),
                    body=body,
                    truncated=truncated,
                )
    except TimeoutError:
        return SignalFile(url=url, status=None, error=f"timed out after {timeout} s")
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        return SignalFile(url=url, status=None, error=describe_error(exc))
