"""What the AI crawlers in an access log did, and which requests the site policy denied.

One :class:`LogAnalyzer` holds all state (no module-level caches): per-agent counters and two
bounded memo tables (User-Agent -> agent, agent and path -> decision), so memory does not grow
with the log. Violations are returned to the caller one by one, never kept, so the caller can
stream or spool them.

A request is attributed to the catalogue agent its User-Agent names and identified as in
:mod:`heedful.policies.identity` (IP ranges; logs carry no signatures). It is a *violation* when the
site policy denies it (:func:`heedful.policies.denial.denial`, the rule the server's enforcement
uses too):

* ``access``: the policy keeps the agent out of the path (robots.txt ``Disallow``);
* a use: the agent's declared purpose (its catalogue ``purposes``, :data:`PURPOSE_USES`) is
  denied for the path (``intended`` says ``deny``). A use that needs a licence is not counted:
  the log cannot tell whether the crawler holds one.

The always-free paths (robots.txt, ai.txt, tdmrep.json, the licence and removal pages) are never
violations and are not pages. ``--history`` (policy versions over time) is not read here: one
policy is applied to the whole log.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from heedful.policies.agents import KnownAgent, agent_for_user_agent
from heedful.policies.denial import FREE_PATHS, Denial, denial
from heedful.policies.identity.identify import Claims, Identity
from heedful.policies.identity.ranges import IpRanges
from heedful.policies.logs.lines import (
    LogRecord,
    Unreadable,
    clf_match,
    match_line,
    parse_line,
    parse_time,
    record_of,
    user_agent_of,
)
from heedful.policies.patterns import PathPattern, compile_pattern
from heedful.policies.signals.read import ROBOTS_PATH
from heedful.policies.sitepolicy.model import SitePolicy
from heedful.policies.sitepolicy.resolve import extension_pattern, index_of
from heedful.policies.urlpath import canonical_path

BLOCKED_STATUSES: Final = frozenset({401, 402, 403, 429, 451})
"""Statuses that mean the server refused the request: the violation was attempted, not served."""
MEMO_LIMIT: Final = 65_536
MEMO_KEY_BYTES: Final = 1024
"""User-Agents longer than this are matched every time, never remembered: a log of distinct
gigantic user agents must not fill the memo with megabytes each."""
SAMPLES: Final = 5


def _decisive_patterns(policy: SitePolicy) -> tuple[PathPattern, ...]:
    """Every pattern whose match can change :func:`denial`'s answer for some path.

    What a policy decides for a path depends on the path only through which ``[[paths]]``
    and ``[[agents]]`` prefixes and which media extensions match it
    (:meth:`heedful.policies.sitepolicy.resolve.PolicyIndex.resolve`, ``media_rules``, ``floor``), so
    the vector of these matches, with the agent, is an exact memo key: crawlers rarely fetch a
    path twice, but paths share few distinct vectors.
    """
    index = index_of(policy)
    prefixes = [prefix for prefix, _, _ in index.paths]
    prefixes += [prefix for rules in index.agents.values() for prefix, _, _ in rules]
    patterns = [compile_pattern(prefix) for prefix in dict.fromkeys(prefixes)]
    patterns += [extension_pattern(ext) for ext in index.extensions()]
    return tuple(patterns)


_EXTENSION: Final = re.compile(r"/\*(\.[A-Za-z0-9_.~-]+)\$")
r"""``/*.jpg$`` (:func:`extension_pattern`): on a canonical path (which starts with ``/``) its
regex ``/.*\.jpg\Z`` matches exactly when the path ends with ``.jpg``."""


@dataclass(frozen=True, slots=True)
class PathKey:
    """:func:`_decisive_patterns` prepared for speed: the same match vector, cheaper.

    Plain prefixes become ``str.startswith`` and extension patterns ``str.endswith``, both
    mapped in C; any other pattern keeps its regex.
    """

    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    others: tuple[PathPattern, ...]

    @classmethod
    def of(cls, patterns: Iterable[PathPattern]) -> PathKey:
        prefixes: list[str] = []
        suffixes: list[str] = []
        others: list[PathPattern] = []
        for pattern in patterns:
            extension = _EXTENSION.fullmatch(pattern.text)
            if pattern._prefix is not None:
                prefixes.append(pattern._prefix)
            elif extension is not None:
                suffixes.append(extension.group(1))
            else:
                others.append(pattern)
        return cls(tuple(prefixes), tuple(suffixes), tuple(others))

    def __call__(self, path: str) -> tuple[tuple[bool, ...], ...]:
        return (
            tuple(map(path.startswith, self.prefixes)),
            tuple(map(path.endswith, self.suffixes)),
            tuple(pattern.matches(path) for pattern in self.others),
        )


class Violation(NamedTuple):
    """One request the policy denied (a named tuple: built for every violating line, so cheap)."""

    time: float | None
    """Unix seconds (UTC)."""
    agent: str
    level: str
    """``ip-range``, ``unverified`` or ``spoofed`` (logs carry no signatures)."""
    client_ip: str
    method: str
    target: str
    status: int
    denied: str
    rule: str
    blocked: bool
    where: str
    """``FILE:LINE`` in the log."""
    policy_version: str = ""
    """The policy version in force when the request was made (``--history``), else ``""``."""


@dataclass(frozen=True, slots=True)
class PolicyEra:
    """One policy version and the instant (Unix seconds, UTC) from which it was in force."""

    start: float
    policy: SitePolicy
    version: str


@dataclass(kw_only=True, slots=True)
class AgentStats:
    """What one agent did in the log."""

    agent: KnownAgent
    requests: int = 0
    pages: int = 0
    bytes: int = 0
    first_seen: float | None = None
    last_seen: float | None = None
    first_robots: float | None = None
    first_page: float | None = None
    robots_requests: int = 0
    violations: int = 0
    blocked: int = 0
    levels: Counter[str] = field(default_factory=Counter)

    @property
    def robots_first(self) -> bool | None:
        """Did it fetch robots.txt before any other page? ``None`` when it fetched no page."""
        if self.first_page is None:
            return None
        return self.first_robots is not None and self.first_robots <= self.first_page


@dataclass(kw_only=True, slots=True)
class LogSummary:
    """Totals over every line read."""

    lines: int = 0
    requests: int = 0
    crawler_requests: int = 0
    unreadable: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    """Up to :data:`SAMPLES` ``FILE:LINE: reason`` examples of unreadable lines."""
    violations: int = 0


class LogAnalyzer:
    """Feed lines (or records) in; read :attr:`agents` and :attr:`summary` at the end."""

    def __init__(
        self,
        *,
        policy: SitePolicy | None,
        ranges: IpRanges,
        history: Sequence[PolicyEra] = (),
    ) -> None:
        """``history``: the versions a signal server published, oldest first; each request is
        then judged by the version in force at its time (a request before the first version,
        when nothing was published, breaks none). Without it, ``policy`` judges every line."""
        self._policy = policy
        self._eras = tuple(sorted(history, key=lambda era: era.start))
        self._starts = [era.start for era in self._eras]
        self._era_keys = [PathKey.of(_decisive_patterns(era.policy)) for era in self._eras]
        self._ranges = ranges
        self._agents_by_ua: dict[str, KnownAgent | None] = {}
        self._raw_agents: dict[bytes, KnownAgent | None] = {}
        self._claims = Claims(ranges, limit=MEMO_LIMIT)
        self._denials: dict[tuple[str, tuple[tuple[bool, ...], ...], int], Denial | None] = {}
        self._path_key = PathKey.of(_decisive_patterns(policy) if policy else ())
        self._last_time: tuple[str | float, float | None] = ("", None)
        self._days: dict[str, float] = {}
        self.agents: dict[str, AgentStats] = {}
        self.summary = LogSummary()

    def feed_lines(
        self, lines: Iterable[bytes | Unreadable], *, source: str, first: int
    ) -> list[Violation]:
        """Read a batch of lines (:func:`split_batches`), the first being line ``first``.

        The fast path: a CLF line whose User-Agent is known not to be a crawler is only
        counted, with no record built and no call made; the rest go to :meth:`feed_line`.
        """
        out: list[Violation] = []
        match = clf_match
        memo = self._raw_agents
        known = 0
        lineno = first - 1
        for line in lines:
            lineno += 1
            if line.__class__ is bytes and line.isascii():
                found = match(line)
                if found is not None:
                    if memo.get(found.group(7) or b"", True) is None:
                        known += 1
                        continue
                    self.summary.lines += 1
                    violation = self._feed_match(found, source=source, lineno=lineno)
                    if violation is not None:
                        out.append(violation)
                    continue
            violation = self.feed_line(line, source=source, lineno=lineno)
            if violation is not None:
                out.append(violation)
        self.summary.lines += known
        self.summary.requests += known
        return out

    def feed_line(self, line: bytes | Unreadable, *, source: str, lineno: int) -> Violation | None:
        """Read one raw line (or what :func:`split_lines` made of it), line ``lineno`` of ``source``.

        A CLF line's User-Agent is remembered (bounded) as raw bytes, so the next line with the
        same bytes skips decoding and catalogue matching; the location is formatted only for
        what is reported.
        """
        self.summary.lines += 1
        if isinstance(line, Unreadable):
            self.unreadable(line.reason, where=f"{source}:{lineno}")
            return None
        found = match_line(line)
        if isinstance(found, Unreadable):
            self.unreadable(found.reason, where=f"{source}:{lineno}")
            return None
        if found is None:
            record = parse_line(line)
            if isinstance(record, Unreadable):
                self.unreadable(record.reason, where=f"{source}:{lineno}")
                return None
            return self.feed(record, source=source, lineno=lineno)
        return self._feed_match(found, source=source, lineno=lineno)

    def _feed_match(self, found: re.Match[bytes], *, source: str, lineno: int) -> Violation | None:
        record = record_of(found)
        raw_agent = user_agent_of(found)
        memo = self._raw_agents
        if raw_agent in memo:
            agent = memo[raw_agent]
        else:
            agent = self._agent(record.user_agent)
            if len(raw_agent) <= MEMO_KEY_BYTES:
                if len(memo) >= MEMO_LIMIT:
                    memo.clear()
                memo[raw_agent] = agent
        self.summary.requests += 1
        if agent is None:
            return None
        return self._count(record, agent, source=source, lineno=lineno)

    def unreadable(self, reason: str, *, where: str) -> None:
        """Count a line that could not be read (also for the caller's own reasons)."""
        self.summary.unreadable[reason] += 1
        if len(self.summary.samples) < SAMPLES:
            self.summary.samples.append(f"{where}: {reason}")

    def _agent(self, user_agent: str) -> KnownAgent | None:
        if len(user_agent) > MEMO_KEY_BYTES:
            return agent_for_user_agent(user_agent)
        memo = self._agents_by_ua
        try:
            return memo[user_agent]
        except KeyError:
            pass
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        found = memo[user_agent] = agent_for_user_agent(user_agent)
        return found

    def _time(self, value: str | float) -> float | None:
        # Consecutive lines often share their second: one remembered value saves parsing.
        if self._last_time[0] != value:
            if len(self._days) >= MEMO_LIMIT:
                self._days.clear()
            self._last_time = (value, parse_time(value, days=self._days))
        return self._last_time[1]

    def _era(self, time: float | None) -> int | None:
        """The index of the version in force at ``time`` (the latest for a line without one)."""
        if time is None:
            return len(self._eras) - 1
        index = bisect_right(self._starts, time) - 1
        return index if index >= 0 else None

    def _denial(
        self, agent: KnownAgent, target: str, time: float | None = None
    ) -> tuple[Denial | None, str]:
        if not self._eras:
            return self._denial_under(self._policy, self._path_key, agent, target, -1), ""
        index = self._era(time)
        if index is None:
            return None, ""
        era = self._eras[index]
        found = self._denial_under(era.policy, self._era_keys[index], agent, target, index)
        return found, era.version

    def _denial_under(
        self,
        policy: SitePolicy | None,
        path_key: PathKey,
        agent: KnownAgent,
        target: str,
        era: int,
    ) -> Denial | None:
        if policy is None or not target.startswith("/"):
            return None
        path = canonical_path(target)
        key = (agent.token, path_key(path), era)
        memo = self._denials
        if key in memo:
            return memo[key]
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        found = memo[key] = denial(policy, target=target, agent=agent)
        return found

    def _identity(self, agent: KnownAgent, client_ip: str) -> Identity:
        return self._claims.verify(agent, client_ip)

    def feed(self, record: LogRecord, *, source: str, lineno: int) -> Violation | None:
        """Count one request; return the violation when the policy denied it."""
        self.summary.requests += 1
        agent = self._agent(record.user_agent)
        if agent is None:
            return None
        return self._count(record, agent, source=source, lineno=lineno)

    def _count(
        self, record: LogRecord, agent: KnownAgent, *, source: str, lineno: int
    ) -> Violation | None:
        self.summary.crawler_requests += 1
        identity = self._identity(agent, record.client_ip)
        stats = self.agents.get(agent.token)
        if stats is None:
            stats = self.agents[agent.token] = AgentStats(agent=agent)
        time = self._time(record.time)
        stats.requests += 1
        stats.bytes += record.size
        stats.levels[identity.level] += 1
        if time is not None:
            if stats.first_seen is None or time < stats.first_seen:
                stats.first_seen = time
            if stats.last_seen is None or time > stats.last_seen:
                stats.last_seen = time
        target = record.target
        path = target.partition("?")[0]
        if path in FREE_PATHS or not target:
            if path == ROBOTS_PATH:
                stats.robots_requests += 1
                if time is not None and (stats.first_robots is None or time < stats.first_robots):
                    stats.first_robots = time
            return None
        stats.pages += 1
        if time is not None and (stats.first_page is None or time < stats.first_page):
            stats.first_page = time
        found, version = self._denial(agent, target, time)
        if found is None:
            return None
        blocked = record.status in BLOCKED_STATUSES
        stats.violations += 1
        stats.blocked += blocked
        self.summary.violations += 1
        return Violation(
            time,
            agent.token,
            identity.level,
            record.client_ip,
            record.method,
            target,
            record.status,
            found.denied,
            found.rule,
            blocked,
            f"{source}:{lineno}",
            version,
        )
