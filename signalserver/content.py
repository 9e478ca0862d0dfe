"""What the server answers for a content path, shared by the content routes and the check API.

``--static DIR`` serves files, ``--upstream URL`` proxies an origin, and with neither a content
path is a 404. Every answer carries the policy's headers for its path and media type; HTML gets
the policy's ``<head>`` elements (docs/site-policy.md) inserted after its ``<head>`` tag. The check
API asks :func:`simulate` what a page request would return, so it decides on exactly what a
crawler fetching the page would read, without an HTTP request to itself.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import unquote

from heedful.policies.urlpath import has_encoded_separator, normalise_path
from heedful.signalserver.errors import ApiError
from heedful.signalserver.live import Rendering

MAX_INJECT_BYTES: Final = 10 * 1024 * 1024
"""HTML larger than this is served unchanged (headers only)."""
_HEAD_TAG: Final = re.compile(rb"<head(?:\s[^>]*)?>", re.IGNORECASE)
NOT_FOUND_TYPE: Final = "application/json"


def served_path(raw_path: str) -> str:
    """The one path a request for ``raw_path`` is served, matched and checked as.

    Percent-normalised with its dot segments removed (RFC 3986 sections 6.2.2.2 and 5.2.4), as
    every policy matcher sees it (:func:`heedful.policies.urlpath.canonical_path`), so the file, the
    upstream request and the policy headers all belong to it. A path holding an encoded slash or
    a backslash is refused: the file system (and many origins) would read it as a separator and
    serve another path's file than the one the policy was matched for
    (docs/decisions.md, Paths are normalised once).
    """
    if has_encoded_separator(raw_path):
        raise ApiError(
            400,
            f"the path {raw_path!r} holds an encoded slash or a backslash: refused, as servers "
            "disagree on which file it names (RFC 3986 section 2.2)",
        )
    return normalise_path(raw_path)


def media_type_of(path: str) -> str | None:
    """The media type a path's extension suggests (``None`` when it suggests none)."""
    return mimetypes.guess_type(unquote(path), strict=False)[0]


def is_html(media_type: str | None) -> bool:
    return media_type in ("text/html", "application/xhtml+xml")


def inject_head(body: bytes, head_html: str) -> bytes:
    """Insert the policy's elements right after ``<head>``; a document without one is kept."""
    if not head_html:
        return body
    match = _HEAD_TAG.search(body, 0, 64 * 1024)
    if match is None:
        return body
    return body[: match.end()] + b"\n" + head_html.encode("utf-8") + body[match.end() :]


def static_path(root: Path, request_path: str) -> Path | None:
    """The file under ``root`` a decoded URL path names (``index.html`` for a folder), if any.

    Resolved and checked against ``root``, so ``..`` and symlinks cannot leave it.
    """
    relative = request_path.lstrip("/")
    if "\x00" in relative:
        return None
    base = root.resolve()
    try:
        candidate = (base / relative).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if candidate != base and not candidate.is_relative_to(base):
        return None
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def policy_headers(
    rendering: Rendering, raw_path: str, media_type: str | None
) -> tuple[tuple[str, str], ...]:
    return rendering.headers_for(raw_path, media_type)


@dataclass(frozen=True, kw_only=True, slots=True)
class PageView:
    """A page response as a crawler would receive it (body: the first bytes, for the head)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""


def simulate(
    rendering: Rendering,
    *,
    raw_path: str,
    static_dir: Path | None,
    upstream: bool,
    max_body: int,
) -> PageView:
    """What a GET of ``raw_path`` (already :func:`served_path`) returns, without making one.

    Behind ``--upstream`` the origin's own status, headers and body are unknown here, so the
    page is taken as a 200 of the media type its extension suggests, carrying only the policy's
    headers: what Heedful adds, which is what the policy controls.
    """
    media_type = media_type_of(raw_path)
    if upstream:
        headers = policy_headers(rendering, raw_path, media_type)
        typed = (("Content-Type", media_type),) if media_type else ()
        return PageView(status=200, headers=typed + headers)
    if static_dir is not None:
        found = static_path(static_dir, unquote(raw_path))
        if found is not None:
            media_type = media_type_of(found.name)
            headers = policy_headers(rendering, raw_path, media_type)
            typed = (("Content-Type", media_type),) if media_type else ()
            body = b""
            if is_html(media_type):
                with found.open("rb") as handle:
                    body = handle.read(max_body)
                body = inject_head(body, rendering.site.html_head_for(raw_path))[:max_body]
            return PageView(status=200, headers=typed + headers, body=body)
    headers = policy_headers(rendering, raw_path, None)
    return PageView(status=404, headers=(("Content-Type", NOT_FOUND_TYPE), *headers))
