"""The path a URL names, normalised once, so every signal, the server and the crawler match it alike.

A request for ``/press/%2e%2e/index.html`` is a request for ``/index.html``: a file server, an
origin behind a proxy and every browser resolve the dot segments (RFC 3986 section 5.2.4; ``%2e``
is an encoded unreserved ``.``, equivalent to it by RFC 3986 section 6.2.2.2). Matching the
unresolved path against a policy would give ``/index.html``'s content the headers and verdict of
``/press/``. :func:`canonical_path` is therefore the one path every matcher sees:

1. path, parameters and query only (RFC 9309 section 2.2.2: scheme, authority and fragment are
   not matched);
2. percent-encoding normalised as RFC 9309 section 2.2.2 asks, which is RFC 3986 sections 6.2.2.1
   and 6.2.2.2: octets outside printable US-ASCII encoded, escapes upper-cased, escapes of
   unreserved characters decoded, reserved characters (``%2F``) kept encoded;
3. dot segments removed from the path (not the query), RFC 3986 section 5.2.4.

Robots.txt *patterns* are normalised by step 2 only (``heedful.policies.patterns``): RFC 9309 section
2.2.2 defines no dot-segment step for them, and a URL that reaches a matcher never holds one.

An encoded slash (``%2F``) is a reserved character, so ``..%2Findex.html`` is one segment and not
a dot segment (RFC 3986 section 2.2). Servers disagree: some decode it to ``/`` before resolving
``..`` (aiohttp's static files, nginx), others refuse it. :func:`hides_dot_segment` names the paths
where that disagreement decides which content is served; adapters refuse them rather than guess
(docs/decisions.md, Paths are normalised once).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final
from urllib.parse import urlsplit

_UNRESERVED: Final = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)
"""RFC 3986 section 2.3."""
_HEX: Final = "0123456789ABCDEF"
_NEEDS_WORK: Final = re.compile(r"[^\x21-\x7e]|%")
_ABSOLUTE: Final = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#\t\r\n]*([^#\t\r\n]*)(?:#[^\t\r\n]*)?"
)
"""An absolute URL, its path-and-query grouped (RFC 3986 3.2: the authority ends at the first
"/", "?" or "#"), without a tab or line break: urlsplit removes those (WHATWG), so such URLs
take the general path."""
_SEPARATOR: Final = re.compile(r"/|%2F|%5C|\\", re.IGNORECASE)
"""What some server reads as a segment separator: ``/``, an encoded slash, a backslash (IIS and
WHATWG URL parsing for special schemes) and an encoded backslash."""
_DOT_SEGMENTS: Final = frozenset({".", ".."})


def normalise_percent(text: str) -> str:
    """Percent-encode as RFC 9309 section 2.2.2 asks, so URL and pattern compare octet by octet.

    Octets outside printable US-ASCII are encoded with upper-case hex; existing escapes are
    upper-cased; an escape that decodes to an unreserved character is decoded
    (``%62%61%7A`` -> ``baz``), while reserved characters stay encoded (``%2F`` is not ``/``).
    """
    if not _NEEDS_WORK.search(text):
        return text
    out: list[str] = []
    raw = text.encode("utf-8", "surrogatepass")
    i = 0
    while i < len(raw):
        byte = raw[i]
        if byte == 0x25 and _is_hex(raw[i + 1 : i + 3]):
            value = int(raw[i + 1 : i + 3], 16)
            escape = "%" + raw[i + 1 : i + 3].decode().upper()
            out.append(chr(value) if value in _UNRESERVED else escape)
            i += 3
            continue
        if 0x21 <= byte <= 0x7E:
            out.append(chr(byte))
        else:
            out.append("%" + _HEX[byte >> 4] + _HEX[byte & 15])
        i += 1
    return "".join(out)


def _is_hex(pair: bytes) -> bool:
    return len(pair) == 2 and all(c in b"0123456789abcdefABCDEF" for c in pair)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4 on a path whose dots are already decoded; never above the root.

    Written over segments rather than as the RFC's input/output buffer loop; the result is the
    same: ``/a/b/c/./../../g`` -> ``/a/g``, ``/../x`` -> ``/x``, ``/a/..`` -> ``/``.
    """
    if "/." not in path and not path.startswith("."):
        return path  # a dot segment is "." or ".." after a "/" (or at the start)
    segments = path.split("/")
    out: list[str] = []
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    result = "/".join(out)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result


def normalise_path(path: str) -> str:
    """A path (with its query, if any) as every matcher sees it: percent-normalised, then its
    dot segments removed (RFC 3986 sections 6.2.2.2 and 5.2.4). Idempotent.

    ``/press/%2e%2e/index.html`` -> ``/index.html``; ``/a/./b?x=/../`` -> ``/a/b?x=/../``;
    ``/press/..%2findex.html`` -> ``/press/..%2Findex.html`` (one segment; see
    :func:`hides_dot_segment`).
    """
    text = normalise_percent(path)
    head, mark, query = text.partition("?")
    return remove_dot_segments(head) + mark + query


def path_of(url: str) -> str:
    """The part of ``url`` that rules match: path, params and query, always starting with ``/``.

    Scheme, authority and fragment are dropped (RFC 9309 section 2.2.2; Google's
    ``GetPathParamsQuery``): ``https://a.example?x`` -> ``/?x``, ``""`` -> ``/``. Not normalised:
    see :func:`canonical_path`. Anything starting with ``/`` is a path -- the origin-form of a
    request target (RFC 9112 section 3.2.1), where ``//f.pdf`` is a path, not an authority --
    so a path read twice is read the same.
    """
    if url.startswith("/"):
        path = url.split("#", 1)[0]
    elif (absolute := _ABSOLUTE.fullmatch(url)) is not None:
        # The common absolute URL, without urlsplit's generality.
        path = absolute[1]
        if not path.startswith("/"):
            path = "/" + path
    else:
        parts = urlsplit(url)
        path = parts.path
        if parts.query or url.split("#", 1)[0].endswith("?"):
            path = f"{path}?{parts.query}"
        if not path.startswith("/"):
            path = "/" + path
    return path


@lru_cache(maxsize=512)
def canonical_path(url: str) -> str:
    """``path_of(url)`` normalised for matching (:func:`normalise_path`)."""
    return normalise_path(path_of(url))


def hides_dot_segment(url: str) -> bool:
    """Whether ``url``'s path has a ``.`` or ``..`` segment once an encoded slash or a backslash
    is read as a separator (``/press/..%2Findex.html``, ``/a%5C..%5Cb``).

    RFC 3986 keeps such a segment whole, but a server that decodes ``%2F`` first serves another
    path's content for it, so which policy applies depends on the server: what cannot be known is
    not read as permission, and adapters refuse these paths.
    """
    head = normalise_percent(path_of(url)).partition("?")[0]
    if not _SEPARATOR.search(head.replace("/", "")):
        return False
    return any(segment in _DOT_SEGMENTS for segment in _SEPARATOR.split(head))


def has_encoded_separator(url: str) -> bool:
    """Whether ``url``'s path holds ``%2F``, ``%5C`` or a backslash: a server that decodes them
    (aiohttp's static files do) serves the file at another path than the one matched."""
    head = path_of(url).partition("?")[0]
    return _SEPARATOR.search(head.replace("/", "")) is not None
