"""RFC 9309 path patterns, shared by every signal that scopes rules by path.

robots.txt ``Allow``/``Disallow`` and ``Content-Usage`` rules, TDMRep ``location`` values, Spawning
ai.txt globs and RSL ``<content url>`` all use the robots.txt matching rules (RFC 9309 sections
2.2.2 and 2.2.3; TDMRep, section TDM File on the Origin Server; draft-ietf-aipref-attach-05
section 3; RSL 1.0 section 3). They live here once so that every reader matches a path the same
way. The URL side is normalised once, in :mod:`policies.urlpath`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from policies.urlpath import normalise_percent


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
        """Whether the canonical ``path`` (see :func:`policies.urlpath.canonical_path`) matches."""
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
    pieces = [normalise_percent(piece) for piece in body.split("*")]
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
