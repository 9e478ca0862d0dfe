"""A bounded HTTP GET that never raises on what a server does.

Every site Heedful reads is untrusted (RFC 9309 section 2.5): it may stall, reset,
loop, send a gzip bomb or an endless body. :func:`fetch` bounds the whole exchange (every hop,
headers and body) by one deadline, cuts the decompressed body at ``max_bytes`` and reports every
failure as data (``status`` ``None`` or the status seen, plus a one-sentence ``error``), which
``heedful.policies.fetch.outcomes`` then interprets. Redirects are followed here, hop by hop, so that the count
and loops are visible to the RFC 9309 2.3.1.2 rules.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

import aiohttp

from heedful.policies.fetch.outcomes import MAX_SIGNAL_BYTES
from heedful.policies.fetch.redirects import MAX_REDIRECTS, REDIRECT_STATUSES, next_hop

log = logging.getLogger(__name__)

CHUNK_BYTES: Final = 64 * 1024
"""Read size from the (already decompressing) body stream."""
MAX_HEADER_LINE: Final = 8190
"""Longest status line or header field accepted (aiohttp's default, stated on purpose)."""
MAX_HEADERS: Final = 128
"""Most header fields accepted in one response."""
CONNECTIONS: Final = 64
"""Simultaneous connections per session; a crawler is polite per host elsewhere."""
CONNECTIONS_PER_HOST: Final = 4
COMPRESSED: Final = frozenset({"gzip", "x-gzip", "deflate", "br", "zstd"})


@dataclass(frozen=True, kw_only=True, slots=True)
class FetchResult:
    """What happened, as data: the adapter's half of style.md B.1."""

    url: str
    """The URL asked for."""
    final_url: str
    """The URL of the last response (after redirects)."""
    status: int | None
    """The last status seen, ``None`` when no response arrived."""
    headers: tuple[tuple[str, str], ...]
    """The last response's header fields, repeated fields kept in order."""
    body: bytes
    """The decompressed body, at most ``max_bytes`` long."""
    truncated: bool
    """True when the body was cut at ``max_bytes``."""
    redirects: int
    """Redirects followed (one more than the limit when the limit was passed)."""
    error: str
    """Empty on success; otherwise one sentence saying what went wrong."""
    elapsed: float
    """Seconds from start to finish, all hops included."""

    @property
    def ok(self) -> bool:
        """A complete 2xx answer."""
        return self.status is not None and 200 <= self.status < 300 and not self.error


def make_session(*, user_agent: str) -> aiohttp.ClientSession:
    """A session fit for untrusted servers: no cookies, no proxy from the environment, bounded
    header sizes, transparent decompression (bounded by aiohttp's flow control and our cap)."""
    connector = aiohttp.TCPConnector(
        limit=CONNECTIONS, limit_per_host=CONNECTIONS_PER_HOST, ttl_dns_cache=300
    )
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={"User-Agent": user_agent},
        auto_decompress=True,
        trust_env=False,
        timeout=aiohttp.ClientTimeout(total=None),  # fetch() sets the deadline per call
        max_line_size=MAX_HEADER_LINE,
        max_field_size=MAX_HEADER_LINE,
        max_headers=MAX_HEADERS,
    )


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    *,
    timeout: float = 10.0,  # noqa: ASYNC109 -- one deadline for every hop, set inside
    max_bytes: int = MAX_SIGNAL_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    method: str = "GET",
    read_body: bool = True,
    user_agent: str,
    accept: str = "",
    follow_redirects: bool = True,
) -> FetchResult:
    """Fetch ``url`` within ``timeout`` seconds in total; never raise on server behaviour.

    Redirects are followed by hand (``next_hop``), up to ``max_redirects``; one more is counted
    so the caller sees the overrun (RFC 9309 2.3.1.2). A target already visited is a loop.
    ``follow_redirects=False`` returns a redirect as it came, for a caller whose plan decides
    whether its target may be fetched (a page: :class:`heedful.policies.fetch.plan.PagePlan`).
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    state = _State(url=url)
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        state.error = f"invalid URL: {exc}"
        return state.result(loop.time() - started)
    if scheme not in {"http", "https"}:
        state.error = f"unsupported URL scheme {scheme or '(none)'!r}: only http and https"
        return state.result(loop.time() - started)
    try:
        async with asyncio.timeout(timeout):
            await _exchange(
                session,
                state,
                method=method,
                user_agent=user_agent,
                max_bytes=max_bytes,
                max_redirects=max_redirects,
                read_body=read_body,
                accept=accept,
                follow_redirects=follow_redirects,
            )
    except TimeoutError:
        state.error = f"timed out after {timeout} s"
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        # ValueError covers yarl rejecting a malformed URL or Location.
        state.error = describe_error(exc)
    return state.result(loop.time() - started)


@dataclass(kw_only=True, slots=True)
class _State:
    """What is known so far; a timeout can strike at any point and keeps what was seen."""

    url: str
    final_url: str = ""
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    truncated: bool = False
    redirects: int = 0
    error: str = ""

    def result(self, elapsed: float) -> FetchResult:
        return FetchResult(
            url=self.url,
            final_url=self.final_url or self.url,
            status=self.status,
            headers=self.headers,
            body=self.body,
            truncated=self.truncated,
            redirects=self.redirects,
            error=self.error,
            elapsed=elapsed,
        )


async def _exchange(
    session: aiohttp.ClientSession,
    state: _State,
    *,
    method: str,
    user_agent: str,
    max_bytes: int,
    max_redirects: int,
    read_body: bool,
    accept: str = "",
    follow_redirects: bool = True,
) -> None:
    current = state.url
    headers = {"User-Agent": user_agent, **({"Accept": accept} if accept else {})}
    seen = {current}
    while True:
        state.final_url = current
        async with session.request(
            method, current, allow_redirects=False, headers=headers
        ) as response:
            state.status = response.status
            state.headers = tuple(response.headers.items())
            if response.status in REDIRECT_STATUSES and follow_redirects:
                target = next_hop(
                    current, response.status, response.headers.get("Location"), state.redirects
                )
                if target is not None:
                    if target in seen:
                        state.error = f"redirect loop: {current} -> {target}"
                        return
                    state.redirects += 1
                    if state.redirects > max_redirects:
                        state.error = f"more than {max_redirects} redirects"
                        return
                    seen.add(target)
                    current = target
                    continue
                state.error = f"{response.status} redirect without a usable Location"
                return
            if read_body and method.upper() != "HEAD":
                await _read_capped(response, state, max_bytes)
            return


async def _read_capped(response: aiohttp.ClientResponse, state: _State, max_bytes: int) -> None:
    """Read the decompressed body in chunks, keeping at most ``max_bytes``.

    aiohttp decompresses in bounded steps under flow control, so a gzip bomb never inflates more
    than a few chunks beyond what is read; stopping here closes the connection.
    """
    parts: list[bytes] = []
    size = 0
    try:
        async for chunk in response.content.iter_chunked(CHUNK_BYTES):
            parts.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                break
    finally:
        # A body that ends early still reports the bytes that arrived: a TDMRep file is read
        # from the rules that arrived whole (policies.site), and the reason gives the count.
        state.body = b"".join(parts)[:max_bytes]
    if size > max_bytes:
        state.truncated = True
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        state.error = (
            "compressed body expands beyond the cap"
            if encoding in COMPRESSED
            else f"body larger than {max_bytes} bytes: truncated"
        )
        response.close()


def describe_error(exc: BaseException) -> str:
    """One short sentence for a client-side exception (the ``error`` of a FetchResult)."""
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "server closed the connection without answering"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return f"body ended early: {_cause(exc)}"
    if isinstance(exc, aiohttp.ClientResponseError):
        text = str(exc.message)
        if "too long" in text.lower() or "more than" in text.lower() or "too many" in text.lower():
            return "response headers too large"
        return f"malformed response: {text}"
    if isinstance(exc, aiohttp.InvalidURL):
        return f"invalid URL: {exc}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"could not connect: {exc.os_error.strerror or exc.os_error}"
    if isinstance(exc, ConnectionResetError) or (
        isinstance(exc, OSError) and exc.errno == errno.ECONNRESET
    ):
        return "connection reset by peer"
    if isinstance(exc, aiohttp.ClientOSError) and "reset" in str(exc).lower():
        return "connection reset by peer"
    return f"{type(exc).__name__}: {exc}"


def _cause(exc: BaseException) -> str:
    """The innermost message, so ``body ended early`` says why."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return str(exc) or type(exc).__name__
