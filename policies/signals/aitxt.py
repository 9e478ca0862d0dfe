"""Spawning ``/ai.txt``: robots.txt grammar whose rules say whether a file may go into AI datasets.

There is no formal specification, only Spawning's ai.txt generator; Heedful reads it with
the RFC 9309 scanner and group selection of :mod:`heedful.policies.signals.robots.lines` and
:mod:`heedful.policies.signals.robots.groups`, patterns that need not
start with ``/`` (``*.jpg`` matches any path containing ``.jpg``), longest match, ties allow.

What a match means (docs/decisions.md, Each mechanism's own rules, row "Spawning /ai.txt"): a URL
that ends up disallowed
says *do not use this file for AI training / do not include it in a dataset* -> ``ai-train``
deny. Spawning's generator writes ``Allow`` lines for the media categories the owner permits, so
a URL decided by an explicit ``Allow`` line is read as an ``ai-train`` allow (a stated choice of
the owner, not mere silence). No matching line -> no statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from heedful.policies.diagnostics import Diagnostic, ParseResult, Severity
from heedful.policies.headers import media_type_of
from heedful.policies.model import Permission, Signal, Statement, Use
from heedful.policies.patterns import PathPattern, PatternList, compile_pattern, pattern_list
from heedful.policies.signals.robots.groups import describe, index_groups, select_groups
from heedful.policies.signals.robots.lines import Group, Key, Line, scan
from heedful.policies.urlpath import canonical_path

KIND: Final = "ai.txt"
_HTML_START: Final = re.compile(rb"\s*<(!doctype|html|head)\b", re.IGNORECASE)
_DIRECTIVES: Final = frozenset({Key.USER_AGENT, Key.ALLOW, Key.DISALLOW})


@dataclass(frozen=True, kw_only=True, slots=True)
class AiTxtSpec:
    """What to publish: globs to block, globs to permit, and what the rest of the site gets.

    The final catch-all is ``Allow: /`` when ``allow_rest`` (Spawning writes it when the Text
    category, which owns extension-less pages, is allowed) and ``Disallow: /`` otherwise.
    """

    disallow: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    allow_rest: bool = False


class AiTxt:
    """A parsed ai.txt. Build it with :func:`parse_ai_txt`."""

    __slots__ = ("_groups", "_index", "_matchers", "_views", "source")

    def __init__(self, *, source: str, groups: tuple[Group, ...]) -> None:
        self.source = source
        self._groups = groups
        self._index = index_groups(groups)
        self._views: dict[str, tuple[tuple[PathPattern, Statement], ...]] = {}
        self._matchers: dict[str, PatternList] = {}
        """Each crawler's rules compiled together, in the order of :meth:`rules`."""

    def rules(self, agent: str) -> tuple[tuple[PathPattern, Statement], ...]:
        """The crawler's rules, longest first and Allow first at equal length, built once."""
        view = self._views.get(agent)
        if view is None:
            selection = select_groups(self._groups, agent, index=self._index)
            note = (
                f"{describe(selection)} replaces the * group" if selection.wildcard_replaced else ""
            )
            rules = [
                (compile_pattern(line.value), line)
                for group in selection.groups
                for line in group.lines
                if line.key in (Key.ALLOW, Key.DISALLOW) and line.value
            ]
            rules.sort(key=lambda r: (r[0].priority, r[1].key is Key.ALLOW), reverse=True)
            view = self._views[agent] = tuple(
                (pattern, _statement(self.source, line, note)) for pattern, line in rules
            )
            self._matchers[agent] = pattern_list([pattern for pattern, _ in view])
        return view

    def statement(self, url: str, agent: str) -> Statement | None:
        """What the file says about training on ``url``, or None when no line matches it.

        Longest match wins, a tie goes to Allow (the robots.txt rules, Spawning's ai.txt generator).
        """
        view = self.rules(agent)
        if not view:
            return None
        found = self.rule_index(canonical_path(url), agent)
        return None if found is None else view[found][1]

    def rule_index(self, path: str, agent: str) -> int | None:
        """The position in :meth:`rules` of the line deciding the canonical ``path``, or None."""
        matcher = self._matchers.get(agent)
        if matcher is None:
            self.rules(agent)
            matcher = self._matchers[agent]
        return matcher.first(path)


def _statement(source: str, line: Line, note: str) -> Statement:
    permission = Permission.ALLOW if line.key is Key.ALLOW else Permission.DENY
    return Statement(
        signal=Signal.AI_TXT,
        source=source,
        location=f"line {line.number}",
        rule=line.text,
        uses={Use.AI_TRAIN: permission},
        note=note,
    )


def parse_ai_txt(
    data: str | bytes, *, source: str = "/ai.txt", content_type: str | None = None
) -> ParseResult[AiTxt]:
    """Read an ai.txt body; an HTML page or a file without robots-style lines gives no rules."""
    if not isinstance(data, str | bytes | bytearray | memoryview):
        raise TypeError(f"parse_ai_txt expects str or bytes, got {type(data).__name__}")
    head = data[:512].encode("utf-8", "replace") if isinstance(data, str) else bytes(data[:512])
    head = head.removeprefix(b"\xef\xbb\xbf")
    is_html = content_type is not None and "html" in media_type_of(content_type)
    if is_html or _HTML_START.match(head):
        # A soft 404: many sites answer every unknown path with their HTML page.
        diagnostic = Diagnostic(
            severity=Severity.WARNING,
            kind=KIND,
            line=0,
            code="ai-txt-html",
            message="ai.txt is an HTML page (a soft 404?); no rules read",
        )
        return ParseResult(AiTxt(source=source, groups=()), (diagnostic,))
    scanned = scan(data, kind=KIND)
    lines = [*scanned.outside, *(line for g in scanned.groups for line in (*g.agents, *g.lines))]
    if not any(line.key in _DIRECTIVES for line in lines):
        # e.g. Markdown served at /ai.txt (draft-car-ai-txt-wellknown and other ai.txt proposals):
        # not the Spawning format.
        diagnostic = Diagnostic(
            severity=Severity.WARNING,
            kind=KIND,
            line=0,
            code="ai-txt-not-spawning",
            message="no User-Agent/Allow/Disallow line: not a Spawning ai.txt; no rules read",
        )
        return ParseResult(AiTxt(source=source, groups=()), (diagnostic,))
    return ParseResult(AiTxt(source=source, groups=scanned.groups), scanned.diagnostics)


def render_ai_txt(spec: AiTxtSpec) -> str:
    """Write ``spec`` in the shape of Spawning's generator (Spawning's ai.txt generator)."""
    lines = [
        "# Spawning AI",
        "# Prevent datasets from using the following file types",
        "",
        "User-Agent: *",
    ]
    lines.extend(f"Allow: {_glob(glob)}" for glob in spec.allow if _glob(glob))
    lines.extend(f"Disallow: {_glob(glob)}" for glob in spec.disallow if _glob(glob))
    lines.append("Allow: /" if spec.allow_rest else "Disallow: /")
    return "\n".join(lines) + "\n"


def _glob(text: str) -> str:
    """A glob on one line: whitespace and ``#`` would cut it, so they are percent-encoded."""
    return re.sub(r"[\x00-\x20#\x7f]", lambda m: f"%{ord(m.group(0)):02X}", text.strip())
