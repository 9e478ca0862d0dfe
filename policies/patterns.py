"""RFC 9309 path patterns, shared by every signal that scopes rules by path.

robots.txt ``Allow``/``Disallow`` and ``Content-Usage`` rules, TDMRep ``location`` values, Spawning
ai.txt globs and RSL ``<content url>`` all use the robots.txt matching rules (RFC 9309 sections
2.2.2 and 2.2.3; TDMRep, section TDM File on the Origin Server; draft-ietf-aipref-attach-05
section 3; RSL 1.0 section 3). They live here once so that every reader matches a path the same
way. The URL side is normalised once, in :mod:`heedful.policies.urlpath`.

:class:`PatternList` matches many rules at once and names the most specific one
(docs/decisions.md, One robots.txt matcher).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Final

from heedful.policies.urlpath import normalise_percent

_UNRESERVED_OR_KEPT: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/%="
)
"""Characters :func:`robots_form` leaves as they are: RFC 3986 section 2.3's unreserved set,
the path separator, the escape sign, and ``=`` (written plain, as protego writes it)."""


@dataclass(frozen=True, slots=True)
class PathPattern:
    """A compiled robots.txt-style pattern: ``*`` matches any run, a final ``$`` anchors the end.

    ``priority`` is the length of the normalised pattern, counting ``*`` and ``$`` as one octet
    each, so the longest (most specific) match wins (RFC 9309 section 2.2.2).

    A glob needs no backtracking: placing each literal at its leftmost place after the previous
    one finds a match whenever there is one, and a final anchored literal only has to end the
    path after them. Matching is therefore a few ``str.find`` calls, linear in the path even for
    a hostile ``/*a*a*a*a*b``, and compiling a pattern costs no regular expression.
    """

    text: str
    """The pattern as written in the file."""
    priority: int
    pieces: tuple[str, ...]
    """The literals between the ``*``s, normalised; ``pieces[0]`` starts every matching path."""
    anchored: bool
    """Written with a final ``$``: the last piece must end the path."""
    _prefix: str | None
    """The literal a plain pattern (no ``*``, no final ``$``) matches as a prefix."""

    @property
    def head(self) -> str:
        """The literal every matching path starts with."""
        return self.pieces[0]

    def matches(self, path: str) -> bool:
        """Whether the canonical ``path`` (see :func:`heedful.policies.urlpath.canonical_path`) matches."""
        if self._prefix is not None:
            return path.startswith(self._prefix)
        pieces = self.pieces
        if not pieces:
            return False
        head = pieces[0]
        if len(pieces) == 1:
            return path == head
        if not path.startswith(head):
            return False
        position = len(head)
        last = len(pieces) - 1 if self.anchored else len(pieces)
        for index in range(1, last):
            found = path.find(pieces[index], position)
            if found < 0:
                return False
            position = found + len(pieces[index])
        if not self.anchored:
            return True
        tail = pieces[-1]
        return len(path) - len(tail) >= position and path.endswith(tail)


_NEVER = PathPattern("", 0, (), False, None)


@lru_cache(maxsize=4096)
def compile_pattern(text: str) -> PathPattern:
    """Compile one rule value; an empty value compiles to a pattern that never matches.

    ``%2A`` and ``%24`` in a pattern stand for literal ``*`` and ``$`` (RFC 9309 section 2.2.3).
    """
    if not text:
        return _NEVER
    return _compile(text, fold=False)


def compile_robots_pattern(text: str) -> PathPattern:
    """:func:`compile_pattern` for a robots.txt ``Allow``/``Disallow`` value, which matches
    paths in :func:`robots_form` (docs/decisions.md, One robots.txt matcher)."""
    if not text:
        return _NEVER
    return _compile(text, fold=True)


_RESERVED_ESCAPES: Final = {
    code: f"%{code:02X}" for code in range(0x21, 0x7F) if chr(code) not in _UNRESERVED_OR_KEPT
}
_FOLD: Final = str.maketrans(_RESERVED_ESCAPES)
_HAS_RESERVED: Final = re.compile("[" + re.escape("".join(map(chr, _RESERVED_ESCAPES))) + "]|%3D")


def robots_form(text: str) -> str:
    """A canonical path (or pattern literal) with every reserved character spelled one way.

    RFC 9309 section 2.2.2 keeps ``%26`` and ``&`` apart (reserved characters stay encoded),
    but a site that writes ``Disallow: /*%26sort`` means the ``&`` its own server decodes it to,
    and protego, Scrapy's parser, reads them alike. robots.txt matching takes that reading:
    printable reserved characters are encoded on both sides, ``=`` is written plain as protego
    writes it, and ``%2F`` stays distinct from ``/`` (a separator, RFC 3986 section 2.2).
    """
    if _HAS_RESERVED.search(text) is None:
        return text
    return text.translate(_FOLD).replace("%3D", "=")


_AS_WRITTEN: Final = re.compile(r"[A-Za-z0-9\-._~/=*]*\$?")
"""A value every normalisation leaves as it is: most values of a large file."""


def _compile(text: str, *, fold: bool) -> PathPattern:
    anchored = text.endswith("$")
    body = text[:-1] if anchored else text
    normalised = body.split("*")
    if _AS_WRITTEN.fullmatch(text) is not None:
        # Nothing to normalise: the length is the written length (each "*" counts one).
        priority = len(text)
    else:
        normalised = [normalise_percent(piece) for piece in normalised]
        if fold:
            # Both sides spell a literal "*" or "$" %2A and %24 in this form (RFC 9309 2.2.3).
            normalised = [robots_form(piece) for piece in normalised]
        priority = sum(map(len, normalised)) + len(normalised) - 1 + anchored
    pieces = tuple(normalised) if fold else tuple(_unescape_specials(p) for p in normalised)
    plain = len(pieces) == 1 and not anchored
    return PathPattern(text, priority, pieces, anchored, pieces[0] if plain else None)


@dataclass(frozen=True, slots=True)
class PatternList:
    """Patterns in priority order, compiled together: :meth:`first` names the first that matches.

    Sorted most specific first, the first match is the deciding rule (RFC 9309 section 2.2.2).
    A plain pattern can only match as a prefix of the path and an exact one (``/a$``) only the
    whole path, so both are dictionary lookups: one per distinct plain-pattern length, longest
    first, and one for the path. A wildcard pattern can only match a path that starts with its
    head (the literal before the first ``*``), so only the patterns under the heads the path
    starts with are tried, cheapest test first: the pattern's longest literal must occur in the
    path, and an anchored pattern's last literal must end it. Thousands of rules then cost a few
    lookups and a pass over the few wildcard rules that could match.
    """

    patterns: tuple[PathPattern, ...]
    _prefixes: Mapping[str, int]
    _prefix_lengths: tuple[int, ...]
    """Distinct plain-pattern lengths, longest first."""
    _exact: Mapping[str, int]
    _wild: Mapping[str, tuple[tuple[int, str, bool, PathPattern], ...]]
    """Head -> ``(index, required literal, anchored, pattern)`` in list order."""
    _head_lengths: tuple[int, ...]

    def first(self, path: str) -> int | None:
        """Index of the first pattern matching the canonical ``path``, or None."""
        size = len(path)
        none = best = len(self.patterns)
        prefixes = self._prefixes
        for length in self._prefix_lengths:
            if length <= size and (found := prefixes.get(path[:length])) is not None:
                # Plain patterns are in length order: the longest one that matches is the
                # earliest plain pattern that matches.
                best = found
                break
        found = self._exact.get(path)
        if found is not None and found < best:
            best = found
        wild = self._wild
        for length in self._head_lengths:
            if length > size:
                continue
            for index, required, anchored, pattern in wild.get(path[:length], ()):
                if index >= best:
                    break
                if (path.endswith(required) if anchored else required in path) and pattern.matches(
                    path
                ):
                    best = index
                    break
        return None if best == none else best


def pattern_list(patterns: Sequence[PathPattern]) -> PatternList:
    """Compile ``patterns`` (in the order given, most specific first) into a :class:`PatternList`.

    The plain-pattern lookup relies on that order: a plain pattern's priority is its length, so
    between two plain patterns the longer comes first.
    """
    prefixes: dict[str, int] = {}
    exact: dict[str, int] = {}
    wild: dict[str, list[tuple[int, str, bool, PathPattern]]] = {}
    for index, pattern in enumerate(patterns):
        pieces = pattern.pieces
        if not pieces:
            continue
        if pattern._prefix is not None and len(pattern._prefix) == pattern.priority:
            prefixes.setdefault(pattern._prefix, index)
        elif len(pieces) == 1 and pattern.anchored and len(pieces[0]) + 1 == pattern.priority:
            exact.setdefault(pieces[0], index)
        else:
            # Wildcards, and the rare pattern whose %2A or %24 makes it shorter than its
            # priority (the length-ordered lookup would misplace it): tried one by one.
            if pattern.anchored and len(pieces) > 1:
                required, anchored = pieces[-1], True
            else:
                required, anchored = max(pieces[1:] or pieces, key=len), False
            wild.setdefault(pieces[0], []).append((index, required, anchored, pattern))
    return PatternList(
        tuple(patterns),
        MappingProxyType(prefixes),
        tuple(sorted({len(p) for p in prefixes}, reverse=True)),
        MappingProxyType(exact),
        MappingProxyType({head: tuple(rules) for head, rules in wild.items()}),
        tuple(sorted({len(h) for h in wild}, reverse=True)),
    )


def _unescape_specials(piece: str) -> str:
    return piece.replace("%2A", "*").replace("%24", "$")
