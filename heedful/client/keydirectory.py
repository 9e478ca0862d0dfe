"""Fetch a Web Bot Auth key directory and verify a request against it (the I/O half).

:mod:`heedful.policies.identity.webbotauth` is sans-IO: it says which directory a request's
``Signature-Agent`` names and verifies against the directory's bytes and the current time. This
adapter does the fetch, with the rules of draft-ietf-webbotauth-httpsig-protocol-01 for
verifiers: HTTPS (the core refuses other schemes), ``200`` only, no redirects followed, a size
cap. Anything else yields ``b""``, which the core reports as ``unknown key``: an unreachable
directory never verifies a request.

Caching directories per HTTP caching (``Cache-Control: max-age``) belongs to whoever verifies
many requests (the server); this module fetches on every call.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

import aiohttp

from heedful.client.check import USER_AGENT
from heedful.client.fetch import fetch
from heedful.policies.identity.webbotauth import (
    MAX_DIRECTORY_BYTES,
    SignatureAgent,
    WebBotAuthResult,
    signature_agent,
    verify_web_bot_auth,
)


async def fetch_key_directory(
    session: aiohttp.ClientSession,
    agent: SignatureAgent,
    *,
    timeout: float = 5.0,  # noqa: ASYNC109 -- passed to fetch(), which sets one deadline
) -> bytes:
    """The JWKS at ``agent.directory_url``, or ``b""`` when it cannot be used."""
    result = await fetch(
        session,
        agent.directory_url,
        timeout=timeout,
        max_bytes=MAX_DIRECTORY_BYTES,
        max_redirects=0,
        user_agent=USER_AGENT,
    )
    if result.status != 200 or result.error or result.truncated or result.redirects:
        return b""
    return result.body


async def verify_request(
    session: aiohttp.ClientSession,
    *,
    method: str,
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    now: int | None = None,
    timeout: float = 5.0,  # noqa: ASYNC109 -- passed on to fetch_key_directory
) -> WebBotAuthResult:
    """Fetch the directory the request names and verify its ``web-bot-auth`` signature."""
    lines = list(headers.items() if isinstance(headers, Mapping) else headers)
    agent = signature_agent(lines)
    directory = b""
    if agent is not None:
        directory = await fetch_key_directory(session, agent, timeout=timeout)
    return verify_web_bot_auth(
        method=method,
        url=url,
        headers=lines,
        directory=directory,
        now=int(time.time()) if now is None else now,
    )
