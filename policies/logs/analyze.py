"""What the AI crawlers in an access log did, and which requests the site policy denied.

One :class:`LogAnalyzer` holds all state (no module-level caches): per-agent counters and two
bounded memo tables (User-Agent -> agent, agent and path -> decision), so memory does not grow
with the log. Violations are returned to the caller one by one, never kept, so the caller can
stream or spool them.

A request is attributed to the catalogue agent its User-Agent names and identified as in
:mod:`policies.identity` (IP ranges; logs carry no signatures). It is a *violation* when the
site policy denies it (:func:`denial`):

* ``access``: the policy keeps the agent out of the path (robots.txt ``Disallow``);
* a use: the agent's declared purpose (its catalogue ``purposes``, :data:`PURPOSE_USES`) is
  denied for the path (``intended`` says ``deny``). A use that needs a licence is not counted:
  the log cannot tell whether the crawler holds one.

The always-free paths (robots.txt, ai.txt, tdmrep.json, the licence and removal pages) are never
violations and are not pages. ``--history`` (policy versions over time) is not read here: one
policy is applied to the whole log.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from policies.agents import KnownAgent, agent_for_user_agent
from policies.identity.identify import Identity, verify_claim
from policies.identity.ranges import IpRanges
from policies.logs.lines import LogRecord, Unreadable, parse_line, parse_time
from policies.model import Use, Verdict
from policies.removals import REMOVALS_PATH
from policies.site import AI_TXT_PATH, ROBOTS_PATH, TDMREP_PATH
from policies.sitepolicy_model import SitePolicy
from policies.sitepolicy_render import LICENSE_PATH
from policies.sitepolicy_resolve import index_of, intended
from policies.urlpath import canonical_path

PURPOSE_USES: Final = {
    "training": (Use.AI_TRAIN,),
    "search": (Use.SEARCH,),
    "user-triggered": (Use.AI_INPUT,),
    "agent": (Use.AI_INPUT,),
}
"""The use a catalogue purpose declares (``other`` and ``control`` declare none)."""
FREE_PATHS: Final = frozenset({ROBOTS_PATH, AI_TXT_PATH, TDMREP_PATH, LICENSE_PATH, REMOVALS_PATH})
BLOCKED_STATUSES: Final = frozenset({401, 402, 403, 429, 451})
"""Statuses that mean the server refused the request: the violation was attempted, not served."""
MEMO_LIMIT: Final = 65_536
SAMPLES: Final = 5


@dataclass(frozen=True, kw_only=True, slots=True)
class Denial:
    """Why the policy denies one request: what was denied and the policy entry that did it."""

    denied: str
    """``access`` or the use (``ai-train``...)."""
    rule: str
    """The entry, as the owner wrote it: ``agents[1] (agent = "GPTBot", access = "deny")``."""


def _describe(policy: SitePolicy, origin: str, key: str) -> str:
    if origin == "defaults":
        return f'defaults ({key} = "deny")'
    kind, _, rest = origin.partition("[")
    i = int(rest.rstrip("]"))
    entry = (policy.agents if kind == "agents" else policy.paths)[i]
    said = entry.model_dump(by_alias=True, exclude_none=True, exclude_defaults=False)
    keep = ("agent", "path", key)
    text = ", ".join(f"{k} = {str(v)!r}".replace("'", '"') for k, v in said.items() if k in keep)
    return f"{origin} ({text})"


def denial(policy: SitePolicy, *, target: str, agent: KnownAgent) -> Denial | None:
    """The policy's reason to deny ``agent`` the request ``target``, ``None`` when allowed."""
    index = index_of(policy)
    path = canonical_path(target)
    klass = index.class_of(agent.token)
    resolved = index.resolve(path, klass)
    if not resolved.access:
        return Denial(denied="access", rule=_describe(policy, resolved.access_origin, "access"))
    uses = dict.fromkeys(u for p in agent.purposes for u in PURPOSE_USES.get(p, ()))
    for use in uses:
        if intended(policy, path=path, agent=agent.token, use=use) is not Verdict.DENY:
            continue
        if str(resolved.values[use]) == "deny":
            return Denial(denied=str(use), rule=_describe(policy, resolved.origin[use], str(use)))
        media = index.media_rules(path, None)
        if media:
            name = media[0].name or "media[0]"
            return Denial(denied=str(use), rule=f'media rule {name!r} ({use} = "deny")')
        return Denial(denied=str(use), rule="tdm reading (the path's TDM reservation covers it)")
    return None


@dataclass(frozen=True, kw_only=True, slots=True)
class Violation:
    """One request the policy denied."""

    time: datetime | None
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


@dataclass(kw_only=True, slots=True)
class AgentStats:
    """What one agent did in the log."""

    agent: KnownAgent
    requests: int = 0
    pages: int = 0
    bytes: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    first_robots: datetime | None = None
    first_page: datetime | None = None
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

    def __init__(self, *, policy: SitePolicy | None, ranges: IpRanges) -> None:
        self._policy = policy
        self._ranges = ranges
        self._agents_by_ua: dict[str, KnownAgent | None] = {}
        self._denials: dict[tuple[str, str], Denial | None] = {}
        self._last_time: tuple[str | float, datetime | None] = ("", None)
        self.agents: dict[str, AgentStats] = {}
        self.summary = LogSummary()

    def feed_line(self, line: bytes | Unreadable, *, source: str, lineno: int) -> Violation | None:
        """Read one raw line (or what :func:`split_lines` made of it), line ``lineno`` of ``source``.

        The location is formatted only for what is reported: most lines cost no string work.
        """
        self.summary.lines += 1
        record = parse_line(line) if isinstance(line, bytes) else line
        if isinstance(record, Unreadable):
            self.unreadable(record.reason, where=f"{source}:{lineno}")
            return None
        return self.feed(record, source=source, lineno=lineno)

    def unreadable(self, reason: str, *, where: str) -> None:
        """Count a line that could not be read (also for the caller's own reasons)."""
        self.summary.unreadable[reason] += 1
        if len(self.summary.samples) < SAMPLES:
            self.summary.samples.append(f"{where}: {reason}")

    def _agent(self, user_agent: str) -> KnownAgent | None:
        memo = self._agents_by_ua
        try:
            return memo[user_agent]
        except KeyError:
            pass
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        found = memo[user_agent] = agent_for_user_agent(user_agent)
        return found

    def _time(self, value: str | float) -> datetime | None:
        # Consecutive lines mostly share their second: one remembered value saves most parsing.
        if self._last_time[0] != value:
            self._last_time = (value, parse_time(value))
        return self._last_time[1]

    def _denial(self, agent: KnownAgent, target: str) -> Denial | None:
        if self._policy is None or not target.startswith("/"):
            return None
        key = (agent.token, target)
        memo = self._denials
        if key in memo:
            return memo[key]
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        found = memo[key] = denial(self._policy, target=target, agent=agent)
        return found

    def feed(self, record: LogRecord, *, source: str, lineno: int) -> Violation | None:
        """Count one request; return the violation when the policy denied it."""
        self.summary.requests += 1
        agent = self._agent(record.user_agent)
        if agent is None:
            return None
        self.summary.crawler_requests += 1
        identity: Identity = verify_claim(agent, client_ip=record.client_ip, ranges=self._ranges)
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
        path = record.target.split("?", 1)[0]
        if path == ROBOTS_PATH:
            stats.robots_requests += 1
            if time is not None and (stats.first_robots is None or time < stats.first_robots):
                stats.first_robots = time
            return None
        if path in FREE_PATHS or not record.target:
            return None
        stats.pages += 1
        if time is not None and (stats.first_page is None or time < stats.first_page):
            stats.first_page = time
        found = self._denial(agent, record.target)
        if found is None:
            return None
        blocked = record.status in BLOCKED_STATUSES
        stats.violations += 1
        stats.blocked += blocked
        self.summary.violations += 1
        return Violation(
            time=time,
            agent=agent.token,
            level=identity.level,
            client_ip=record.client_ip,
            method=record.method,
            target=record.target,
            status=record.status,
            denied=found.denied,
            rule=found.rule,
            blocked=blocked,
            where=f"{source}:{lineno}",
        )
