"""robots.txt: the RFC 9309 access decision plus the rules Heedful reads inside groups.

The access boolean comes from protego, fed a normalised file holding only the selected groups'
``Allow``/``Disallow`` lines: group selection follows RFC 9309 token *equality* here (protego
matches by substring), and protego does the path matching it is known for. The reason names the
deciding line, found with :mod:`policies.patterns` (RFC 9309 section 2.2.2; google/robotstxt
robots.cc).

Inside groups this module also reads ``Content-Usage`` (aipref attach, draft-ietf-aipref-attach-05
section 3),
``Content-Signal`` (Cloudflare's Content Signals Policy) and ``Crawl-delay`` (RFC 9309 section
2.2.4); ``License`` (RSL discovery,
RSL 1.0 section 4) and ``Sitemap`` are site-wide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Final
from urllib.parse import urljoin

from protego import Protego

from policies.content_signal import parse_content_signal
from policies.content_usage import parse_content_usage
from policies.diagnostics import Diagnostic, ParseResult, Severity
from policies.model import Permission, Signal, Statement, Use
from policies.patterns import PathPattern, compile_pattern, pattern_list
from policies.robots_checks import check_agent, check_training_group, check_wildcard_drops
from policies.robots_groups import Selection, describe, index_groups, select_groups
from policies.robots_lines import MAX_ROBOTS_BYTES, Group, Key, Line, scan
from policies.robots_render import RobotsGroupSpec, RobotsSpec, render_robots
from policies.robots_training import TRAINING_PREFERENCE_TOKEN
from policies.urlpath import canonical_path

__all__ = [
    "MAX_ROBOTS_BYTES",
    "PROTEGO_OVERRIDE",
    "Access",
    "RobotsGroupSpec",
    "RobotsSpec",
    "RobotsTxt",
    "parse_robots",
    "render_robots",
    "robots_allowed",
]

KIND: Final = "robots.txt"
_ROBOTS_ITSELF: Final = -2
_NO_MATCH: Final = -1
_INDEX: Final = "/index.html"
_INDEX_NOTE: Final = "an Allow for .../index.html also allows the directory (Google's parser, google/robotstxt robots.cc)"
_PLACEHOLDER_ORIGIN: Final = "http://robots.invalid"
"""RFC 2606 section 2: a name that is never a real host."""
PROTEGO_OVERRIDE: Final = "protego's answer is used"
"""Ends the note of an access statement whose line disagrees with protego (should not happen)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Access:
    """May the crawler fetch the URL, and which line (or absence of one) says so."""

    allowed: bool
    statement: Statement
    wildcard_replaced: bool
    """A named group was chosen, so the ``*`` group's rules were ignored (RFC 9309 2.2.1)."""


@dataclass(frozen=True, kw_only=True, slots=True, eq=False)
class _UseRule:
    """A ``Content-Usage`` or ``Content-Signal`` line, parsed."""

    signal: Signal
    line: Line
    pattern: PathPattern | None = None
    """None for a rule without a path: it matches every path with priority 0 (draft-ietf-aipref-attach-05 section 3)."""
    uses: dict[Use, Permission]

    @property
    def priority(self) -> int:
        return self.pattern.priority if self.pattern is not None else 0


@dataclass(frozen=True, kw_only=True, slots=True, eq=False)
class _Rule:
    """One Allow/Disallow pattern of a crawler's groups, ready to match."""

    pattern: PathPattern
    allow: bool
    line: Line
    why: str = ""


class _View:
    """Everything about one crawler token that does not depend on the URL, built once.

    Deciding a URL then costs protego's match plus a scan of pre-sorted rules that stops at the
    first hit (the longest pattern, ties to Allow), and statements that are built only once.
    """

    __slots__ = (
        "accesses",
        "matcher",
        "no_match",
        "note",
        "protego",
        "rules",
        "selection",
        "signals",
        "usage",
    )

    def __init__(self, robots: RobotsTxt, agent: str) -> None:
        selection = select_groups(robots._groups, agent, index=robots._index)
        self.selection = selection
        self.note = _replaced_note(selection)
        self.protego = robots._protego(selection)
        rules: list[_Rule] = []
        for group in selection.groups:
            for line in group.lines:
                if line.key not in (Key.ALLOW, Key.DISALLOW) or not line.value:
                    continue
                allow = line.key is Key.ALLOW
                rules.append(_Rule(pattern=robots._pattern(line.value), allow=allow, line=line))
                if allow and line.value.endswith(_INDEX):
                    implied = line.value.removesuffix(_INDEX[1:]) + "$"
                    rules.append(
                        _Rule(
                            pattern=robots._pattern(implied), allow=True, line=line, why=_INDEX_NOTE
                        )
                    )
        # Longest pattern first; at equal length Allow first (RFC 9309 2.2.2: ties allow).
        rules.sort(key=lambda r: (r.pattern.priority, r.allow), reverse=True)
        self.rules = tuple(rules)
        self.matcher = pattern_list([rule.pattern for rule in rules])
        if selection.groups:
            text = f"no rule matches this path for {describe(selection)}"
        else:
            text = f"no group for {agent} and no * group"
        self.no_match = Statement(
            signal=Signal.ROBOTS,
            source=robots.source,
            location="robots.txt",
            rule=text,
            note=self.note,
        )
        self.accesses: dict[tuple[int, bool], Access] = {}
        """Answers by deciding rule index and protego's boolean: every URL one rule decides
        shares one answer."""
        in_groups = [
            robots._rules[line.number]
            for group in selection.groups
            for line in group.lines
            if line.number in robots._rules
        ]
        usage = [r for r in (*robots._outside, *in_groups) if r.signal is Signal.CONTENT_USAGE]
        usage.sort(key=lambda r: r.priority, reverse=True)
        self.usage = tuple((r, robots._statement(r, self.note)) for r in usage)
        self.signals = tuple(
            robots._statement(r, self.note)
            for r in (*robots._outside, *in_groups)
            if r.signal is Signal.CONTENT_SIGNAL
        )


class RobotsTxt:
    """A parsed robots.txt. Build it with :func:`parse_robots`."""

    __slots__ = (
        "_cache",
        "_groups",
        "_index",
        "_outside",
        "_patterns",
        "_rules",
        "_views",
        "discovery",
        "license_urls",
        "sitemaps",
        "source",
    )

    def __init__(
        self,
        *,
        source: str,
        groups: tuple[Group, ...],
        index: dict[str, tuple[int, ...]],
        rules: dict[int, _UseRule],
        outside: tuple[_UseRule, ...],
        license_urls: tuple[str, ...],
        sitemaps: tuple[str, ...],
        discovery: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.source = source
        self.license_urls = license_urls
        self.sitemaps = sitemaps
        self.discovery = discovery
        """``(name, absolute URL)`` of each discovery record (``Agentmap:``, ``LLM-policy:``,
        ``llm-context:``), in file order: recorded for reports, never a permission."""
        self._groups = groups
        self._index = index
        self._rules = rules
        """In-group Content-Usage/Content-Signal rules by line number."""
        self._outside = outside
        """Content-Usage/Content-Signal lines before any group: they bind every crawler."""
        self._cache: dict[tuple[int, ...], Protego] = {}
        self._patterns: dict[str, PathPattern] = {}
        """Compiled Allow/Disallow values: a big file would thrash compile_pattern's LRU cache."""
        self._views: dict[str, _View] = {}

    def _view(self, agent: str) -> _View:
        view = self._views.get(agent)
        if view is None:
            view = self._views[agent] = _View(self, agent)
        return view

    def access(self, url: str, agent: str) -> Access:
        """The RFC 9309 decision for ``url``; the boolean is protego's (see module docstring)."""
        view = self._view(agent)
        path = canonical_path(url)
        if "/." in url or "%2e" in url or "%2E" in url:
            # protego does not remove dot segments: it is asked about the normalised path
            # (policies.urlpath), on a placeholder origin so a "//" path stays a path.
            allowed = view.protego.can_fetch(_PLACEHOLDER_ORIGIN + path, "*")
        else:
            allowed = view.protego.can_fetch(url, "*")
        if path == "/robots.txt" or path.startswith("/robots.txt?"):
            index = _ROBOTS_ITSELF
        else:
            first = view.matcher.first(path)
            index = _NO_MATCH if first is None else first
        key = (index, allowed)
        found = view.accesses.get(key)
        if found is None:
            found = view.accesses[key] = self._access(view, index, allowed)
        return found

    def _access(self, view: _View, index: int, allowed: bool) -> Access:
        """The answer for one deciding rule (or none), built once per crawler and rule."""
        if index == _ROBOTS_ITSELF:
            statement = Statement(
                signal=Signal.ROBOTS,
                source=self.source,
                location="robots.txt",
                rule="/robots.txt is always allowed",
                note="RFC 9309 2.2.2",
            )
            mine = True
        elif index == _NO_MATCH:
            statement, mine = view.no_match, True
        else:
            best = view.rules[index]
            statement = Statement(
                signal=Signal.ROBOTS,
                source=self.source,
                location=f"line {best.line.number}",
                rule=best.line.text,
                note=_join(view.note, best.why),
            )
            mine = best.allow
        if mine != allowed:
            verdict = "allows" if allowed else "disallows"
            statement = replace(
                statement,
                note=_join(statement.note, f"protego {verdict} this URL; {PROTEGO_OVERRIDE}"),
            )
        return Access(
            allowed=allowed, statement=statement, wildcard_replaced=view.selection.wildcard_replaced
        )

    def use_statements(
        self, url: str, agent: str, *, allowed: bool | None = None
    ) -> list[Statement]:
        """The ``Content-Usage`` and ``Content-Signal`` statements binding ``agent`` at ``url``.

        None for a URL the crawler may not fetch: preferences attach only to crawlable paths
        (draft-ietf-aipref-attach-05 section 3; Cloudflare's Content Signals Policy). Lines outside
        any group bind every crawler (lenient, logged).
        ``allowed`` is the caller's access answer for ``url``, when it already has one.
        """
        if allowed is None:
            allowed = self.access(url, agent).allowed
        if not allowed:
            return []
        view = self._view(agent)
        out: list[Statement] = []
        if view.usage:
            path = canonical_path(url)
            top = -1
            for rule, statement in view.usage:
                if rule.priority < top:
                    break
                if rule.pattern is None or rule.pattern.matches(path):
                    # Longest path wins; equal ones all count and combine most-restrictively.
                    top = rule.priority
                    out.append(statement)
        out.extend(view.signals)
        return out

    def crawl_delay(self, agent: str) -> float | None:
        """The largest ``Crawl-delay`` in the crawler's groups (non-standard, RFC 9309 section 2.2.4)."""
        delays = [
            delay
            for group in self._view(agent).selection.groups
            for line in group.lines
            if line.key is Key.CRAWL_DELAY and (delay := _delay(line.value)) is not None
        ]
        return max(delays, default=None)

    def named_agents(self) -> tuple[str, ...]:
        """Every ``user-agent`` value as written, first occurrence order."""
        return tuple(dict.fromkeys(a.value for g in self._groups for a in g.agents))

    def _pattern(self, value: str) -> PathPattern:
        pattern = self._patterns.get(value)
        if pattern is None:
            pattern = self._patterns[value] = compile_pattern(value)
        return pattern

    def _statement(self, rule: _UseRule, note: str) -> Statement:
        return Statement(
            signal=rule.signal,
            source=self.source,
            location=f"line {rule.line.number}",
            rule=rule.line.text,
            uses=dict(rule.uses),
            note="" if rule in self._outside else note,
        )

    def _protego(self, selection: Selection) -> Protego:
        """protego over the selected groups' Allow/Disallow lines, under ``User-agent: *``."""
        parser = self._cache.get(selection.indices)
        if parser is None:
            lines = ["User-agent: *"]
            lines.extend(
                f"{line.key.value.capitalize()}: {_escape(line.value)}"
                for group in selection.groups
                for line in group.lines
                if line.key in (Key.ALLOW, Key.DISALLOW)
            )
            parser = Protego.parse("\n".join(lines) + "\n")
            self._cache[selection.indices] = parser
        return parser


def parse_robots(data: str | bytes, *, source: str = "/robots.txt") -> ParseResult[RobotsTxt]:
    """Read a robots.txt body (any bytes or text; never raises on content)."""
    scanned = scan(data, kind=KIND)
    diagnostics = list(scanned.diagnostics)

    def note(severity: Severity, line: int, code: str, message: str) -> None:
        diagnostics.append(
            Diagnostic(severity=severity, kind=KIND, line=line, code=code, message=message)
        )

    rules: dict[int, _UseRule] = {}
    outside: list[_UseRule] = []
    usage, signal, delay = Key.CONTENT_USAGE, Key.CONTENT_SIGNAL, Key.CRAWL_DELAY
    lines = [(line, True) for group in scanned.groups for line in group.lines]
    lines.extend((line, False) for line in scanned.outside)
    for line, grouped in lines:
        key = line.key
        if key is usage or key is signal:
            if not grouped:
                note(
                    Severity.WARNING,
                    line.number,
                    f"{key.value}-outside-group",
                    f"{line.name} before any User-agent line; applied to every crawler "
                    "(Cloudflare's Content Signals Policy)",
                )
            rule = _use_rule(line, diagnostics)
            if grouped:
                rules[line.number] = rule
            else:
                outside.append(rule)
        elif key is delay and _delay(line.value) is None:
            note(
                Severity.WARNING,
                line.number,
                "crawl-delay-value",
                f"Crawl-delay {line.value!r} is not a number of seconds",
            )
    for group in scanned.groups:
        for agent in group.agents:
            check_agent(agent, note)
    index = index_groups(scanned.groups)
    check_wildcard_drops(scanned.groups, note, index=index)
    # draft-kelley-aipref-training-preference-signal-00: the token's group is a preference.
    check_training_group(scanned.groups, note, token=TRAINING_PREFERENCE_TOKEN.lower())
    licenses = tuple(
        urljoin(source, line.value)
        for line in scanned.outside
        if line.key is Key.LICENSE and line.value
    )
    sitemaps = tuple(
        line.value for line in scanned.outside if line.key is Key.SITEMAP and line.value
    )
    discovery = tuple(
        (line.name.lower(), urljoin(source, line.value))
        for line in scanned.outside
        if line.key is Key.DISCOVERY and line.value
    )
    robots = RobotsTxt(
        source=source,
        groups=scanned.groups,
        index=index,
        rules=rules,
        outside=tuple(outside),
        license_urls=licenses,
        sitemaps=sitemaps,
        discovery=discovery,
    )
    diagnostics.sort(key=lambda d: d.line)
    return ParseResult(robots, tuple(diagnostics))


def robots_allowed(robots_txt: str, user_agent: str, url: str) -> bool:
    """The RFC 9309 answer: may ``user_agent`` fetch ``url`` under ``robots_txt``."""
    return parse_robots(robots_txt).value.access(url, user_agent).allowed


# -- helpers -----------------------------------------------------------------------------------


def _use_rule(line: Line, diagnostics: list[Diagnostic]) -> _UseRule:
    """Parse a Content-Usage (optional path, then the SF dictionary) or Content-Signal line."""
    if line.key is Key.CONTENT_SIGNAL:
        signal = parse_content_signal(line.value, kind=KIND, line=line.number)
        diagnostics.extend(signal.diagnostics)
        return _UseRule(signal=Signal.CONTENT_SIGNAL, line=line, uses=dict(signal.value.uses))
    pattern: PathPattern | None = None
    value = line.value
    if value.startswith("/"):
        # draft-ietf-aipref-attach-05 section 3: a value starting with "/" is a path up to the first
        # SP/HTAB.
        cut = min((i for i in (value.find(" "), value.find("\t")) if i >= 0), default=len(value))
        pattern = compile_pattern(value[:cut])
        value = value[cut:].strip(" \t")
    if not value:
        diagnostics.append(
            Diagnostic(
                severity=Severity.WARNING,
                kind=KIND,
                line=line.number,
                code="content-usage-empty",
                message="Content-Usage rule without a preference; every use unknown",
            )
        )
        return _UseRule(signal=Signal.CONTENT_USAGE, line=line, pattern=pattern, uses={})
    usage = parse_content_usage(value, kind=KIND)
    diagnostics.extend(replace(d, line=line.number) for d in usage.diagnostics)
    return _UseRule(
        signal=Signal.CONTENT_USAGE, line=line, pattern=pattern, uses=dict(usage.value.uses)
    )


def _replaced_note(selection: Selection) -> str:
    if not selection.wildcard_replaced:
        return ""
    verb = "replace" if len(selection.groups) > 1 else "replaces"
    return f"{describe(selection)} {verb} the * group (RFC 9309 2.2.1)"


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _delay(value: str) -> float | None:
    try:
        delay = float(value)
    except ValueError:
        return None
    return delay if math.isfinite(delay) and delay >= 0 else None


def _escape(value: str) -> str:
    """Percent-encode whitespace protego's ``splitlines``/``strip`` would treat as line breaks or
    trim; both matchers percent-encode such characters anyway, so the meaning is unchanged.
    """
    if all(not ch.isspace() or ch in " \t" for ch in value):
        return value
    return "".join(
        "".join(f"%{b:02X}" for b in ch.encode("utf-8")) if ch.isspace() and ch not in " \t" else ch
        for ch in value
    )
