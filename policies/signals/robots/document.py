"""robots.txt: the RFC 9309 access decision plus the rules Heedful reads inside groups.

One matcher decides access and names the deciding line in the same step
(:class:`heedful.policies.patterns.PatternList`; RFC 9309 sections 2.2.2 and 2.2.3; docs/decisions.md,
One robots.txt matcher). Group selection follows RFC 9309 token *equality*
(:mod:`heedful.policies.signals.robots.groups`). protego, Scrapy's parser, is the differential oracle in the
tests and benchmarks, not a second opinion at run time.

Inside groups this module also reads ``Content-Usage`` (aipref attach, draft-ietf-aipref-attach-05
section 3),
``Content-Signal`` (Cloudflare's Content Signals Policy) and ``Crawl-delay`` (RFC 9309 section
2.2.4); ``License`` (RSL discovery,
RSL 1.0 section 4) and ``Sitemap`` are site-wide.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Final, NamedTuple
from urllib.parse import urljoin

from heedful.policies.diagnostics import Diagnostic, ParseResult, Severity
from heedful.policies.model import Permission, Reason, Signal, Statement, Use, Verdict
from heedful.policies.patterns import (
    PathPattern,
    compile_pattern,
    compile_robots_pattern,
    pattern_list,
    robots_form,
)
from heedful.policies.signals.content_signal import parse_content_signal
from heedful.policies.signals.content_usage import parse_content_usage
from heedful.policies.signals.robots.checks import (
    check_agent,
    check_training_group,
    check_wildcard_drops,
)
from heedful.policies.signals.robots.groups import (
    Selection,
    describe,
    index_groups,
    named_token,
    selection,
)
from heedful.policies.signals.robots.lines import MAX_ROBOTS_BYTES, Group, Key, Line, scan
from heedful.policies.signals.robots.render import RobotsGroupSpec, RobotsSpec, render_robots
from heedful.policies.signals.robots.training import TRAINING_PREFERENCE_TOKEN, training_statement
from heedful.policies.urlpath import canonical_path

__all__ = [
    "MAX_ROBOTS_BYTES",
    "Access",
    "AgentView",
    "RobotsGroupSpec",
    "RobotsSpec",
    "RobotsTxt",
    "parse_robots",
    "render_robots",
    "robots_allowed",
]

KIND: Final = "robots.txt"
_INDEX: Final = "/index.html"
_INDEX_NOTE: Final = "an Allow for .../index.html also allows the directory (Google's parser, google/robotstxt robots.cc)"
_TRAINING_KEY: Final = TRAINING_PREFERENCE_TOKEN.lower()


@dataclass(frozen=True, kw_only=True, slots=True)
class Access:
    """May the crawler fetch the URL, and which line (or absence of one) says so."""

    allowed: bool
    statement: Statement
    wildcard_replaced: bool
    """A named group was chosen, so the ``*`` group's rules were ignored (RFC 9309 2.2.1)."""
    reason: Reason
    """The statement as the decision's access reason (effect ``access allow``/``access deny``),
    built with the rule so every URL the rule decides shares it."""


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


class _Rule(NamedTuple):
    """One Allow/Disallow pattern of a crawler's groups, ready to match (a named tuple: a large
    file has thousands)."""

    pattern: PathPattern
    allow: bool
    line: Line
    why: str = ""


class AgentView:
    """Everything one selection of groups says that does not depend on the URL.

    One per product token the file names and one for the crawlers that fall to ``*``
    (:class:`RobotsTxt` says when each is compiled): the rules sorted most specific first and
    compiled into one matcher, and the preference statements. Deciding a URL is then one match and the answer of
    the rule it names. That answer (statement, reason) is made the first time its rule decides
    and kept in the rule's slot: a 500 KiB file has thousands of rules, a crawl meets a few, and
    making every answer up front would cost more than protego's whole parse.
    """

    __slots__ = (
        "_answers",
        "_note",
        "_replaced",
        "_rules",
        "_source",
        "itself",
        "matcher",
        "no_match",
        "selection",
        "signals",
        "usage",
    )

    def __init__(
        self,
        selection: Selection,
        *,
        source: str,
        rules_by_line: Mapping[int, _UseRule],
        outside: tuple[_UseRule, ...],
        patterns: dict[str, PathPattern],
    ) -> None:
        self.selection = selection
        note = _replaced_note(selection)
        rules: list[_Rule] = []
        for group in selection.groups:
            for line in group.lines:
                if line.key not in (Key.ALLOW, Key.DISALLOW) or not line.value:
                    continue
                allow = line.key is Key.ALLOW
                rules.append(_Rule(pattern=_pattern(patterns, line.value), allow=allow, line=line))
                if allow and line.value.endswith(_INDEX):
                    implied = line.value.removesuffix(_INDEX[1:]) + "$"
                    rules.append(
                        _Rule(
                            pattern=_pattern(patterns, implied),
                            allow=True,
                            line=line,
                            why=_INDEX_NOTE,
                        )
                    )
        # Longest pattern first; at equal length Allow first (RFC 9309 2.2.2: ties allow).
        rules.sort(key=lambda r: (r.pattern.priority, r.allow), reverse=True)
        self.matcher = pattern_list([rule.pattern for rule in rules])
        self._rules = tuple(rules)
        self._note = note
        self._source = source
        self._replaced = selection.wildcard_replaced
        self._answers: list[Access | None] = [None] * len(rules)
        replaced = selection.wildcard_replaced
        text = f"no rule matches this path for {describe(selection)}"
        self.no_match = _answer(
            True,
            Statement(
                signal=Signal.ROBOTS, source=source, location="robots.txt", rule=text, note=note
            ),
            replaced=replaced,
        )
        self.itself = _answer(
            True,
            Statement(
                signal=Signal.ROBOTS,
                source=source,
                location="robots.txt",
                rule="/robots.txt is always allowed",
                note="RFC 9309 2.2.2",
            ),
            replaced=replaced,
        )
        in_groups = [
            rules_by_line[line.number]
            for group in selection.groups
            for line in group.lines
            if line.number in rules_by_line
        ]
        usage = [r for r in (*outside, *in_groups) if r.signal is Signal.CONTENT_USAGE]
        usage.sort(key=lambda r: r.priority, reverse=True)
        self.usage = tuple(
            (r, _use_statement(r, source, "" if r in outside else note)) for r in usage
        )
        self.signals = tuple(
            _use_statement(r, source, "" if r in outside else note)
            for r in (*outside, *in_groups)
            if r.signal is Signal.CONTENT_SIGNAL
        )

    def access(self, path: str) -> Access:
        """The answer for ``path`` in :func:`heedful.policies.patterns.robots_form`."""
        if _is_robots_txt(path):
            return self.itself
        found = self.matcher.first(path)
        return self.no_match if found is None else self.answer(found)

    def rule_index(self, path: str) -> int | None:
        """The index of the rule that decides ``path`` (in robots form), or None when none
        does (no rule matches, or ``path`` is /robots.txt itself)."""
        return None if _is_robots_txt(path) else self.matcher.first(path)

    def usage_matches(self, path: str) -> list[int]:
        """Indices into :attr:`usage` of the ``Content-Usage`` rules binding the canonical
        ``path``: the longest path wins, equal ones all count and combine most-restrictively
        (draft-ietf-aipref-attach-05 section 3)."""
        out: list[int] = []
        top = -1
        for index, (rule, _) in enumerate(self.usage):
            if rule.priority < top:
                break
            if rule.pattern is None or rule.pattern.matches(path):
                top = rule.priority
                out.append(index)
        return out

    def answer(self, index: int) -> Access:
        """The answer of the rule at ``index`` of the matcher."""
        answer = self._answers[index]
        if answer is None:
            rule = self._rules[index]
            statement = Statement(
                signal=Signal.ROBOTS,
                source=self._source,
                location=f"line {rule.line.number}",
                rule=rule.line.text,
                note=_join(self._note, rule.why),
            )
            answer = self._answers[index] = _answer(rule.allow, statement, replaced=self._replaced)
        return answer


class RobotsTxt:
    """A parsed robots.txt, every group's matcher compiled. Build it with :func:`parse_robots`."""

    __slots__ = (
        "_groups",
        "_index",
        "_outside",
        "_patterns",
        "_use_rules",
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
        self._index = MappingProxyType(index)
        self._use_rules = MappingProxyType(rules)
        self._outside = outside
        self._patterns: dict[str, PathPattern] = {}
        """Compiled values by text: ``Disallow: /`` written for fifty crawlers compiles once."""
        self._views: dict[str | None, AgentView] = {}
        """The view of each product token the file names, and under None the view of every
        crawler it does not name (the ``*`` groups, or none). Each is compiled the first time
        a crawler of that name asks, and kept: a file may name a hundred crawlers and a crawl
        is one of them, and a crawler that never asks costs nothing (protego builds its rule
        index on first use for the same reason)."""

    def _compile_view(self, token: str | None) -> AgentView:
        return AgentView(
            selection(self._groups, self._index, token),
            source=self.source,
            rules_by_line=self._use_rules,
            outside=self._outside,
            patterns=self._patterns,
        )

    def view(self, agent: str) -> AgentView:
        """The rules binding ``agent``, compiled the first time a crawler of its name asks."""
        token = named_token(agent, self._index)
        view = self._views.get(token)
        if view is None:
            view = self._views[token] = self._compile_view(token)
        return view

    def access(self, url: str, agent: str) -> Access:
        """The RFC 9309 decision for ``url``, with the line that decides it."""
        view = self.view(agent)
        found = view.access(robots_form(canonical_path(url)))
        if found is view.no_match and not view.selection.groups:
            return self.unbound(agent, view)
        return found

    def unbound(self, agent: str, view: AgentView) -> Access:
        """The answer for ``agent`` when no group binds it at all (``view`` is its view): the
        one answer that names the crawler as asked."""
        statement = replace(view.no_match.statement, rule=f"no group for {agent} and no * group")
        return _answer(True, statement, replaced=False)

    def use_statements(
        self, url: str, agent: str, *, allowed: bool | None = None
    ) -> list[Statement]:
        """The ``Content-Usage`` and ``Content-Signal`` statements binding ``agent`` at ``url``.

        None for a URL the crawler may not fetch: preferences attach only to crawlable paths
        (draft-ietf-aipref-attach-05 section 3; Cloudflare's Content Signals Policy). Lines outside
        any group bind every crawler (lenient, logged).
        ``allowed`` is the caller's access answer for ``url``, when it already has one.
        """
        view = self.view(agent)
        if allowed is None:
            allowed = view.access(robots_form(canonical_path(url))).allowed
        if not allowed:
            return []
        out: list[Statement] = []
        if view.usage:
            out.extend(view.usage[i][1] for i in view.usage_matches(canonical_path(url)))
        out.extend(view.signals)
        return out

    def training_preference(self, url: str) -> Statement | None:
        """What the shared training-preference token's group says about ``url``, if a line of it
        matches (robots_training; draft-kelley-aipref-training-preference-signal-00)."""
        view = self.training_view()
        if view is None:
            return None
        found = view.rule_index(robots_form(canonical_path(url)))
        if found is None:
            return None
        access = view.answer(found)
        return training_statement(access.statement, allowed=access.allowed)

    def training_view(self) -> AgentView | None:
        """The shared training-preference token's rules, when the file has a group for it."""
        if _TRAINING_KEY not in self._index:
            return None
        return self.view(TRAINING_PREFERENCE_TOKEN)

    def crawl_delay(self, agent: str) -> float | None:
        """The largest ``Crawl-delay`` in the crawler's groups (non-standard, RFC 9309 section 2.2.4)."""
        delays = [
            delay
            for group in self.view(agent).selection.groups
            for line in group.lines
            if line.key is Key.CRAWL_DELAY and (delay := _delay(line.value)) is not None
        ]
        return max(delays, default=None)

    def named_agents(self) -> tuple[str, ...]:
        """Every ``user-agent`` value as written, first occurrence order."""
        return tuple(dict.fromkeys(a.value for g in self._groups for a in g.agents))


def _answer(allowed: bool, statement: Statement, *, replaced: bool) -> Access:
    effect = f"access {Verdict.ALLOW if allowed else Verdict.DENY}"
    reason = Reason(
        signal=statement.signal,
        source=statement.source,
        location=statement.location,
        rule=statement.rule,
        effect=effect,
        note=statement.note,
    )
    return Access(allowed=allowed, statement=statement, wildcard_replaced=replaced, reason=reason)


def _is_robots_txt(path: str) -> bool:
    """RFC 9309 2.2.2: the /robots.txt URI itself is implicitly allowed (``path`` in
    :func:`heedful.policies.patterns.robots_form`, where the query's "?" is "%3F")."""
    return path == "/robots.txt" or path.startswith("/robots.txt%3F")


def _pattern(patterns: dict[str, PathPattern], value: str) -> PathPattern:
    pattern = patterns.get(value)
    if pattern is None:
        pattern = patterns[value] = compile_robots_pattern(value)
    return pattern


def _use_statement(rule: _UseRule, source: str, note: str) -> Statement:
    return Statement(
        signal=rule.signal,
        source=source,
        location=f"line {rule.line.number}",
        rule=rule.line.text,
        uses=dict(rule.uses),
        note=note,
    )


def parse_robots(
    data: str | bytes, *, source: str = "/robots.txt", lint: bool = True
) -> ParseResult[RobotsTxt]:
    """Read a robots.txt body (any bytes or text; never raises on content).

    ``lint=False`` skips the checks that look across lines (:mod:`.checks`): they only explain
    the file to its author, no decision reads them (RFC 9309 section 2.2.1), so a crawler that
    only decides does not pay for them. What the file means is the same either way.
    """
    scanned = scan(data, kind=KIND)
    diagnostics = list(scanned.diagnostics)

    def note(severity: Severity, line: int, code: str, message: str) -> None:
        diagnostics.append(
            Diagnostic(severity=severity, kind=KIND, line=line, code=code, message=message)
        )

    rules: dict[int, _UseRule] = {}
    outside: list[_UseRule] = []
    lines = [(line, True) for group in scanned.groups for line in group.lines]
    lines.extend((line, False) for line in scanned.outside)
    for line, grouped in lines:
        key = line.key
        if key is Key.CONTENT_USAGE or key is Key.CONTENT_SIGNAL:
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
        elif key is Key.CRAWL_DELAY and _delay(line.value) is None:
            note(
                Severity.WARNING,
                line.number,
                "crawl-delay-value",
                f"Crawl-delay {line.value!r} is not a number of seconds",
            )
    index = index_groups(scanned.groups)
    if lint:
        for group in scanned.groups:
            for agent in group.agents:
                check_agent(agent, note)
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
