"""Which statements bind whom, where: the observations every audit check reads.

The audit cannot ask every agent about every path, so it asks about *probe paths* (the sampled
pages plus one concrete path for every pattern a file names: ``Disallow: /private/`` gives
``/private/``, an ai.txt ``*.jpg`` gives ``/x.jpg``) and one representative of each *agent class*
(agents that select the same robots.txt and ai.txt groups and are addressed by no page directive
of their own see exactly the same statements, RFC 9309 2.2.1). Statements are collected raw:
TDMRep file, header and meta stay separate (the evaluator layers them, TDMRep, section Processing
priority), so a
page header that overrides the site file is visible.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final
from urllib.parse import urljoin

from heedful.policies.agents import published_agents
from heedful.policies.audit.findings import AuditInput
from heedful.policies.evaluate import page_statements, site_statements, strict_statements
from heedful.policies.headers import header_values
from heedful.policies.html import HeadMeta
from heedful.policies.model import Permission, Signal, Statement, Use, apply_hierarchy
from heedful.policies.signals.read import AI_TXT_PATH, ROBOTS_PATH, PageSignals
from heedful.policies.signals.robots.groups import (
    agent_token,
    crawler_token,
    index_groups,
    select_groups,
)
from heedful.policies.signals.robots.lines import Group, Key, Line, scan
from heedful.policies.signals.robots_tag import KNOWN_RULE_NAMES
from heedful.policies.signals.tdmrep import tdmrep_header_statement, tdmrep_meta_statement
from heedful.policies.urlpath import path_of

MAX_PROBE_PATHS: Final = 200
"""Concrete paths derived from patterns; more would not find more kinds of contradiction."""
MAX_AGENTS: Final = 400
"""Agents classified (known catalogue, extras and every token the files name)."""
ANYONE: Final = "HeedfulAuditAnyone"
"""Stands for the ``*`` class when no listed agent falls into it."""
WILDCARD: Final = "*"
"""Label of the class of crawlers that have no group or directive of their own."""

_STANDARD_METAS: Final = frozenset(
    {"robots", "tdm-reservation", "tdm-policy", "description", "viewport", "generator",
     "keywords", "author", "referrer", "theme-color", "color-scheme", "format-detection"}
)  # fmt: skip
_PREFIX: Final = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_.-]*)\s*:")


@dataclass(frozen=True, kw_only=True, slots=True)
class AgentClass:
    """Agents that see the same statements; ``agents`` are in input order."""

    label: str
    """``*`` for crawlers without their own group, else the first agent's name."""
    agents: tuple[str, ...]
    robots_groups: tuple[int, ...] = ()
    """Indices of the robots.txt groups the class selects."""
    ai_groups: tuple[int, ...] = ()

    @property
    def representative(self) -> str:
        """The agent whose statements stand for the class (a token no file names for ``*``)."""
        return self.agents[0] if self.agents else ANYONE


@dataclass(frozen=True, kw_only=True, slots=True)
class Observation:
    """The statements binding one agent class at one URL, each with its hierarchy-spread vector."""

    url: str
    path: str
    page: PageSignals | None
    agent_class: AgentClass
    spread: tuple[tuple[Statement, dict[Use, Permission]], ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Probe:
    """Raw groups of robots.txt and ai.txt, agent classes, probe targets and observations."""

    robots_url: str
    robots_groups: tuple[Group, ...]
    robots_outside: tuple[Line, ...]
    ai_groups: tuple[Group, ...]
    page_tokens: frozenset[str]
    classes: tuple[AgentClass, ...]
    targets: tuple[tuple[str, PageSignals | None], ...]
    observations: tuple[Observation, ...] = field(default=())
    intent: tuple[Statement, ...] = field(default=())
    """robots.txt blocks of known AI-training crawlers read as a reservation of AI training
    (Google's and Apple's documentation of their control tokens: evidence of intent). Used to tell
    whether a use is
    stated, never as one side of a contradiction (HF102 covers that)."""


def probe(data: AuditInput, *, agents: Sequence[str] = ()) -> Probe:
    """Classify agents, choose probe targets and collect what binds each class at each."""
    origin = data.site.origin
    robots_url = urljoin(origin, ROBOTS_PATH)
    robots_groups: tuple[Group, ...] = ()
    outside: tuple[Line, ...] = ()
    raw = data.file(robots_url)
    if data.site.robots is not None and raw is not None:
        scanned = scan(raw.body, kind="robots.txt")
        robots_groups, outside = scanned.groups, scanned.outside
    ai_groups: tuple[Group, ...] = ()
    raw_ai = data.file(urljoin(origin, AI_TXT_PATH))
    if data.site.ai_txt is not None and raw_ai is not None:
        ai_groups = scan(raw_ai.body, kind="ai.txt").groups
    tokens = page_tokens(data.fetched_pages())
    classes = classify(
        [*agents, *(a.token for a in published_agents()), *named_tokens(robots_groups, ai_groups)],
        robots_groups,
        ai_groups,
        tokens,
    )
    shared, own = _targets(data, robots_groups, outside, ai_groups, classes)
    observations = tuple(
        _observe(data, url, page, cls)
        for cls in classes
        for url, page in (*shared, *own[cls.label])
    )
    targets = dict(shared)
    for extra in own.values():
        targets.update(extra)
    return Probe(
        robots_url=robots_url,
        robots_groups=robots_groups,
        robots_outside=outside,
        ai_groups=ai_groups,
        page_tokens=tokens,
        classes=classes,
        targets=tuple(targets.items()),
        observations=observations,
        intent=tuple(strict_statements(data.site, url=urljoin(origin, "/"))),
    )


def named_tokens(*group_lists: Iterable[Group]) -> list[str]:
    """Every non-``*`` user-agent value of the given groups, as written, first occurrence first."""
    names = [
        agent.value
        for groups in group_lists
        for group in groups
        for agent in group.agents
        if agent_token(agent.value) not in (None, WILDCARD)
    ]
    return list(dict.fromkeys(names))


def page_tokens(pages: Iterable[PageSignals]) -> frozenset[str]:
    """Product tokens a page addresses by ``<meta name=token>`` or ``X-Robots-Tag: token: ...``."""
    found: set[str] = set()
    for page in pages:
        metas: Sequence[HeadMeta] = page.head.metas if page.head is not None else ()
        found.update(m.name for m in metas if m.name not in _STANDARD_METAS and "-" not in m.name)
        for value in header_values(page.headers, "x-robots-tag"):
            for member in value.split(","):
                match = _PREFIX.match(member)
                if match and match.group(1).lower() not in KNOWN_RULE_NAMES:
                    found.add(match.group(1).lower())
    return frozenset(found)


def classify(
    agents: Sequence[str],
    robots_groups: tuple[Group, ...],
    ai_groups: tuple[Group, ...],
    tokens: frozenset[str],
) -> tuple[AgentClass, ...]:
    """Group agents by what they select; the ``*`` class always exists and comes first."""
    robots_index = index_groups(robots_groups)
    ai_index = index_groups(ai_groups)
    by_key: dict[tuple[object, ...], list[str]] = {}
    selections: dict[tuple[object, ...], tuple[tuple[int, ...], tuple[int, ...]]] = {}
    wildcard_key: tuple[object, ...] = ("*",)
    by_key[wildcard_key] = []
    wildcard = select_groups(robots_groups, ANYONE, index=robots_index).indices
    wildcard_ai = select_groups(ai_groups, ANYONE, index=ai_index).indices
    selections[wildcard_key] = (wildcard, wildcard_ai)
    for agent in list(dict.fromkeys(agents))[:MAX_AGENTS]:
        robots = select_groups(robots_groups, agent, index=robots_index)
        ai = select_groups(ai_groups, agent, index=ai_index)
        token = crawler_token(agent)
        own = token in tokens
        if not robots.named and not ai.named and not own:
            key = wildcard_key
        else:
            key = (robots.indices, ai.indices, token if own else "")
            selections[key] = (robots.indices, ai.indices)
        by_key.setdefault(key, []).append(agent)
    out = []
    for key, names in by_key.items():
        label = WILDCARD if key == wildcard_key else names[0]
        robots_sel, ai_sel = selections[key]
        out.append(
            AgentClass(label=label, agents=tuple(names), robots_groups=robots_sel, ai_groups=ai_sel)
        )
    return tuple(out)


def concrete_path(pattern: str) -> str | None:
    """One path the pattern matches: ``*`` becomes ``x``, ``$`` is dropped, ``/`` is ensured."""
    text = pattern.strip()
    if not text:
        return None
    text = text.replace("$", "").replace("*", "x")
    return text if text.startswith("/") else "/" + text


def statements_at(
    data: AuditInput, url: str, agent: str, page: PageSignals | None
) -> list[Statement]:
    """What binds ``agent`` at ``url``, every TDMRep layer kept apart; removals left out."""
    site = data.site
    out = [
        s for s in site_statements(site, url=url, agent=agent) if s.signal is not Signal.REMOVALS
    ]
    if site.tdmrep is not None and (file_stmt := site.tdmrep.statement(url)) is not None:
        out.append(file_stmt)
    if page is None:
        return out
    out.extend(
        s
        for s in page_statements(site, page, url=url, agent=agent)
        if s.signal is not Signal.TDMREP
    )
    header = tdmrep_header_statement(page.headers, source=page.url).value
    metas = page.head.metas if page.head is not None else ()
    meta = tdmrep_meta_statement([(m.name, m.content) for m in metas], source=page.url).value
    out.extend(s for s in (header, meta) if s is not None)
    return out


@lru_cache(maxsize=4096)
def _spread_of(items: tuple[tuple[Use, Permission], ...]) -> dict[Use, Permission]:
    return apply_hierarchy(dict(items))


def spread_of(stmt: Statement) -> dict[Use, Permission]:
    """A statement's answers after the use hierarchy (cached: few distinct answer sets exist)."""
    return _spread_of(tuple(stmt.uses.items()))


def _observe(data: AuditInput, url: str, page: PageSignals | None, cls: AgentClass) -> Observation:
    stmts = statements_at(data, url, cls.representative, page)
    spread = tuple((s, spread_of(s)) for s in stmts)
    return Observation(url=url, path=path_of(url), page=page, agent_class=cls, spread=spread)


def _group_patterns(groups: Iterable[Group]) -> list[str]:
    out: list[str] = []
    for group in groups:
        for line in group.lines:
            if line.key in (Key.ALLOW, Key.DISALLOW):
                out.append(line.value)
            elif line.key is Key.CONTENT_USAGE and line.value.startswith("/"):
                out.append(line.value.split()[0])
    return out


def _urls(origin: str, patterns: Iterable[str], limit: int = MAX_PROBE_PATHS) -> list[str]:
    paths: dict[str, None] = {}
    for pattern in patterns:
        path = concrete_path(pattern)
        if path is not None and len(paths) < limit:
            paths[path] = None
    return [urljoin(origin, path) for path in paths]


def _targets(
    data: AuditInput,
    robots_groups: tuple[Group, ...],
    outside: tuple[Line, ...],
    ai_groups: tuple[Group, ...],
    classes: tuple[AgentClass, ...],
) -> tuple[
    tuple[tuple[str, PageSignals | None], ...],
    dict[str, tuple[tuple[str, PageSignals | None], ...]],
]:
    """Targets every class is probed at, and each class's own extra targets.

    Shared: the fetched pages, ``/``, and concrete paths of the ``*`` groups, the lines outside
    groups, tdmrep.json locations and RSL scopes. A named group's paths are probed only for the
    class that selects it: other crawlers do not read them (RFC 9309 2.2.1), which keeps the
    audit linear in the number of groups.
    """
    origin = data.site.origin
    shared: dict[str, PageSignals | None] = {}
    for url, page in data.pages:
        if page is not None:
            shared.setdefault(url, page)
    wildcard = next((c for c in classes if c.label == WILDCARD), None)
    patterns = ["/"]
    if wildcard is not None:
        patterns += _group_patterns(robots_groups[i] for i in wildcard.robots_groups)
    patterns += _group_patterns(ai_groups)
    patterns += _group_patterns([Group(agents=(), lines=outside)])
    if data.site.tdmrep is not None:
        patterns.extend(rule.location for rule in data.site.tdmrep.rules)
    for doc in data.site.licenses.values():
        patterns.extend(path_of(content.url) for content in doc.contents)
    for url in _urls(origin, patterns):
        shared.setdefault(url, None)
    own: dict[str, tuple[tuple[str, PageSignals | None], ...]] = {}
    for cls in classes:
        mine = _urls(origin, _group_patterns(robots_groups[i] for i in cls.robots_groups))
        own[cls.label] = tuple((url, None) for url in mine if url not in shared)
    return tuple(shared.items()), own
