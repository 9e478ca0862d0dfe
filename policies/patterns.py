"""RFC 9309 path patterns, shared by every signal that scopes rules by path.

robots.txt ``Allow``/``Disallow`` and ``Content-Usage`` rules, TDMRep ``location`` values, Spawning
ai.txt globs and RSL ``<content url>`` all use the robots.txt matching rules (RFC 9309 sections
2.2.2 and 2.2.3; TDMRep, section TDM File on the Origin Server; draft-ietf-aipref-attach-05
section 3; RSL 1.0 section 3). They live here once so that every reader matches a path the same
way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final
from urllib.parse import urlsplit

_UNRESERVED: Final = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)
_HEX: Final = "0123456789ABCDEF"
_ESCAPE: Final = re.compile(r"%([0-9A-Fa-f]{2})")
_NEEDS_WORK: Final = re.compile(r"[^\x21-\x7e]|%")
_ABSOLUTE: Final = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#\t\r\n]*([^#\t\r\n]*)(?:#[^\t\r\n]*)?"
)
"""An absolute URL, its path-and-query grouped (RFC 3986 3.2: the authority ends at the first
"/", "?" or "#"), without a tab or line break: urlsplit removes those (WHATWG), so such URLs
take the general path."""


def _normalise(text: str) -> str:
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


def path_of(url: str) -> str:
    """The part of ``url`` that rules match: path, params and query, always starting with ``/``.

    Scheme, authority and fragment are dropped (RFC 9309 section 2.2.2; Google's
    ``GetPathParamsQuery``): ``https://a.example?x`` -> ``/?x``, ``""`` -> ``/``.
    """
    if url.startswith("/") and not url.startswith("//"):
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
    """``path_of(url)`` percent-normalised for matching."""
    return _normalise(path_of(url))


@dataclass(frozen=True, slots=True)
class PathPattern:
    """A compiled robots.txt-style pattern: ``*`` matches any run, a final ``$`` anchors the end.

    ``priority`` is the length of the normalised pattern, counting ``*`` and ``$`` as one octet
    each, so the longest (most specific) match wins (RFC 9309 section 2.2.2).
    """

    text: str
    """The pattern as written in the file."""
    priority: int
    source: str
    """The regular expression, anchored at the start of the path by ``re.match``."""
    _prefix: str | None
    _regex: re.Pattern[str] | None

    def matches(self, path: str) -> bool:
        """Whether the canonical ``path`` (see :func:`canonical_path`) matches."""
        if self._prefix is not None:
            return path.startswith(self._prefix)
        assert self._regex is not None
        return self._regex.match(path) is not None


@lru_cache(maxsize=4096)
def compile_pattern(text: str) -> PathPattern:
    """Compile one rule value; an empty value compiles to a pattern that never matches.

    ``%2A`` and ``%24`` in a pattern stand for literal ``*`` and ``$`` (RFC 9309 section 2.2.3).
    Each literal after a ``*`` is matched at its leftmost place and never revisited (an atomic
    group): that is the whole answer for a glob, and keeps a hostile ``/*a*a*a*a*b`` linear
    instead of letting the regex engine backtrack through every placement.
    """
    anchored = text.endswith("$")
    body = text[:-1] if anchored else text
    pieces = [_normalise(piece) for piece in body.split("*")]
    priority = sum(len(piece) for piece in pieces) + len(pieces) - 1 + int(anchored)
    if not text:
        return PathPattern(text, 0, "(?!)", None, re.compile("(?!)"))
    literal = [re.escape(_unescape_specials(piece)) for piece in pieces]
    if len(pieces) == 1 and not anchored:
        return PathPattern(text, priority, literal[0], _unescape_specials(pieces[0]), None)
    parts = [literal[0]]
    middle = literal[1:-1] if anchored else literal[1:]
    parts.extend(f"(?>.*?{piece})" for piece in middle)
    if anchored:
        # The last literal must end the path: after leftmost placements, a plain scan back.
        parts.append((f".*{literal[-1]}" if len(literal) > 1 else "") + r"\Z")
    source = "".join(parts)
    return PathPattern(text, priority, source, None, re.compile(source, re.DOTALL))


@dataclass(frozen=True, slots=True)
class PatternList:
    """Patterns tried in their given order in one regular expression (one call into ``re``).

    Sorted by priority, the first pattern that matches is the longest match: deciding a URL
    against hundreds of rules costs one ``match`` instead of a Python loop.
    """

    patterns: tuple[PathPattern, ...]
    _regex: re.Pattern[str] | None

    def first(self, path: str) -> int | None:
        """Index of the first pattern matching the canonical ``path``, or None."""
        if self._regex is None:
            return None
        found = self._regex.match(path)
        return None if found is None or found.lastindex is None else found.lastindex - 1


def pattern_list(patterns: Sequence[PathPattern]) -> PatternList:
    """Compile ``patterns`` (in the order given) into one :class:`PatternList`."""
    if not patterns:
        return PatternList((), None)
    source = "|".join(f"({pattern.source})" for pattern in patterns)
    return PatternList(tuple(patterns), re.compile(source, re.DOTALL))


def _unescape_specials(piece: str) -> str:
    return piece.replace("%2A", "*").replace("%24", "$")
