"""Contradictions between a site's statements, each reported with both statements located.

Heedful's consistency rule (docs/site-policy.md: every format says the same thing): the same path
must never get allow in one format and disallow in another. The evaluator resolves such conflicts
(most restrictive wins, docs/decisions.md, Combining statements) but the owner should know: a
crawler reading only one format acts on the wrong one.

Pairs are found per probe path and agent class (:mod:`heedful.policies.audit.probe`): for each use, every
statement that allows it against every statement that denies it or asks for a licence, after
the use hierarchy (docs/decisions.md, Uses and their hierarchy). The pair's kinds choose the rule id
(docs/audit.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urljoin

from heedful.policies.agents import training_agents
from heedful.policies.audit.findings import RULES, AuditInput, Evidence, Finding, evidence_of
from heedful.policies.audit.probe import WILDCARD, Probe
from heedful.policies.diagnostics import Severity
from heedful.policies.model import Permission, Signal, Statement, Use
from heedful.policies.signals.robots.groups import agent_token
from heedful.policies.signals.robots.lines import Group, Key, Line

MAX_EXAMPLES: Final = 5
"""Paths and agents listed per finding; the count says how many more there were."""
_CONTESTED: Final = frozenset({Use.AI_INPUT, Use.SEARCH})
"""Uses a TDM reservation reaches only by a contested reading (docs/decisions.md, Uses and their hierarchy)."""
_ROBOTS_CARRIED: Final = frozenset({Signal.CONTENT_USAGE, Signal.CONTENT_SIGNAL})
_BLANKET: Final = frozenset({"/", "/*", "*"})


@dataclass(kw_only=True, slots=True)
class _Pair:
    rule: str
    permissive: Statement
    strict: Statement
    severity: Severity
    exception: bool = True
    """Every occurrence is a per-crawler exception only robots.txt can carry."""
    firm: bool = False
    """Some use conflicts other than through a contested TDM reading (docs/decisions.md, Uses and their hierarchy)."""
    uses: dict[Use, None] = field(default_factory=dict)
    agents: dict[str, None] = field(default_factory=dict)
    paths: dict[str, None] = field(default_factory=dict)


def is_page_level(stmt: Statement) -> bool:
    """A response header or HTML meta: the statement of one page, not of the site."""
    return stmt.location.startswith(("header", "meta"))


def conflicting_pairs(data: AuditInput, probe: Probe) -> list[Finding]:
    """HF100, HF101, HF104-HF107: statements that answer one use in opposite ways."""
    pairs: dict[tuple[str, str, str, str], _Pair] = {}
    owed = _robots_unrestricted(probe)
    robots = data.site.robots
    for obs in probe.observations:
        if (
            robots is not None
            and not robots.access(obs.url, obs.agent_class.representative).allowed
        ):
            # Preferences do not attach to a URL the crawler may not fetch (aipref attach
            # section 3; RFC 9309 access comes first, docs/decisions.md "Access comes first").
            continue
        for use in Use:
            loose = [s for s, v in obs.spread if v[use] is Permission.ALLOW]
            # A licence reaching the use only down the use hierarchy (tdm-reservation: 1 with a
            # tdm-policy) is a reservation carried to a narrower use, not an offer of it: it
            # conflicts with an allow, never with a deny of that use, since the hierarchy keeps
            # the narrower, stricter answer (docs/decisions.md "Uses and their hierarchy").
            licensed = [s for s, v in obs.spread if v[use] is Permission.LICENSE and use in s.uses]
            carried = [
                s for s, v in obs.spread if v[use] is Permission.LICENSE and use not in s.uses
            ]
            denied = [s for s, v in obs.spread if v[use] is Permission.DENY]
            combos = [(a, b) for a in loose for b in (*licensed, *denied)]
            combos += [(a, b) for a in licensed for b in denied]
            combos += [(a, b) for a in loose for b in carried]
            for permissive, strict in combos:
                if _same(permissive, strict):
                    continue
                key = (*_identity(permissive, probe), *_identity(strict, probe))
                pair = pairs.get(key)
                if pair is None:
                    rule, severity = _classify(permissive, strict, probe.robots_url)
                    pair = pairs[key] = _Pair(
                        rule=rule, permissive=permissive, strict=strict, severity=severity
                    )
                named = _named_exception(strict, permissive, obs.agent_class.label, probe) or (
                    _floor_for_others(strict, permissive, probe)
                    and bool(owed.get((obs.path, use), set()) - {obs.agent_class.label})
                )
                contested = _contested(strict, use) or _contested(permissive, use)
                pair.firm = pair.firm or not (contested or named)
                pair.exception = pair.exception and named
                pair.uses[use] = None
                pair.agents[obs.agent_class.label] = None
                pair.paths[obs.path] = None
    return [_finding(pair, data) for pair in pairs.values()]


def _identity(stmt: Statement, probe: Probe) -> tuple[str, str]:
    """What makes two statements one cause: page headers and meta, and robots.txt lines, are
    keyed by what they say, so one header repeated on every sampled page, or one line repeated
    in the group of every crawler, is one finding listing the pages and agents it affects."""
    if is_page_level(stmt):
        return f"page {stmt.location}", stmt.rule
    if stmt.source == probe.robots_url:
        return stmt.source, f"{stmt.signal} {stmt.rule}"
    return stmt.source, stmt.location


def _same(a: Statement, b: Statement) -> bool:
    return a.source == b.source and a.location == b.location


def _robots_unrestricted(probe: Probe) -> dict[tuple[str, Use], set[str]]:
    """(path, use) -> agent classes robots.txt does not deny the use to at that path: the
    classes a statement to every crawler may be speaking for."""
    denied: dict[tuple[str, Use], set[str]] = {}
    seen: dict[str, set[str]] = {}
    for obs in probe.observations:
        seen.setdefault(obs.path, set()).add(obs.agent_class.label)
        for stmt, vector in obs.spread:
            if stmt.source != probe.robots_url:
                continue
            for use, permission in vector.items():
                if permission is Permission.DENY:
                    denied.setdefault((obs.path, use), set()).add(obs.agent_class.label)
    return {
        (path, use): labels - denied.get((path, use), set())
        for path, labels in seen.items()
        for use in Use
    }


def _floor_for_others(strict: Statement, permissive: Statement, probe: Probe) -> bool:
    """A robots.txt group line restricting what a statement to every crawler allows."""
    return (
        strict.source == probe.robots_url
        and strict.signal in _ROBOTS_CARRIED
        and permissive.source != probe.robots_url
    )


def _named_exception(strict: Statement, permissive: Statement, label: str, probe: Probe) -> bool:
    """The strict side is a robots.txt line of a group naming this agent class, the permissive
    side a statement to every crawler: a per-crawler exception, which only robots.txt can carry
    (RFC 9309 section 2.2.1 groups; TDMRep, RSL, ai.txt and headers have no per-crawler form).
    Every crawler reads robots.txt before it fetches, so it is reported as a warning."""
    return label != WILDCARD and _floor_for_others(strict, permissive, probe)


def _contested(stmt: Statement, use: Use) -> bool:
    """``stmt`` reaches ``use`` only through its TDM answer (docs/decisions.md, Uses and their hierarchy): a reservation
    read as covering AI input or search, or ``tdm-reservation: 0`` read as allowing search."""
    if use not in _CONTESTED or use in stmt.uses or Use.TDM not in stmt.uses:
        return False
    return use is Use.SEARCH or stmt.uses[Use.TDM] is not Permission.ALLOW


def _classify(permissive: Statement, strict: Statement, robots_url: str) -> tuple[str, Severity]:
    kinds = {permissive.signal, strict.signal}
    licence_only = Permission.DENY not in strict.uses.values() or Permission.LICENSE in (
        permissive.uses.values()
    )
    default = Severity.WARNING if licence_only else Severity.ERROR
    if is_page_level(permissive) != is_page_level(strict):
        layered = kinds == {Signal.TDMREP}
        # TDMRep's own layering lets a header or meta override the file (TDMRep, section Processing
        # priority): intended
        # exceptions look like this, so it is a warning; any other pair is an error.
        return "HF106", Severity.WARNING if layered else default
    if kinds == {Signal.TDMREP, Signal.CONTENT_USAGE}:
        return "HF101", default
    if kinds == {Signal.AI_TXT, Signal.TDMREP}:
        return "HF104", default
    rsl = next((s for s in (permissive, strict) if s.signal is Signal.RSL), None)
    other = strict if rsl is permissive else permissive
    if rsl is not None and other.signal in _ROBOTS_CARRIED and other.source == robots_url:
        return "HF105", default
    if Permission.LICENSE in permissive.uses.values() and Permission.DENY in strict.uses.values():
        return "HF107", Severity.WARNING
    return "HF100", default


def _finding(pair: _Pair, data: AuditInput) -> Finding:
    uses = tuple(pair.uses)
    what = ", ".join(str(u) for u in uses)
    permissive_says = _says(pair.permissive, uses)
    strict_says = _says(pair.strict, uses)
    message = (
        f"{RULES[pair.rule].title}: for {what}, {_where(pair.permissive)} {permissive_says} "
        f"while {_where(pair.strict)} {strict_says}; the most restrictive wins "
        "(docs/decisions.md, Combining statements), so a crawler reading only the first is misled"
    )
    if pair.exception:
        message += (
            "; the robots.txt line is a per-crawler exception, which only robots.txt groups can "
            "carry (RFC 9309 section 2.2.1) and every crawler reads before fetching"
        )
    return Finding(
        rule=pair.rule,
        severity=pair.severity if pair.firm else Severity.WARNING,
        message=message,
        evidence=(evidence_of(pair.permissive, data), evidence_of(pair.strict, data)),
        uses=uses,
        agents=_clip(pair.agents),
        paths=_clip(pair.paths),
    )


def _says(stmt: Statement, uses: tuple[Use, ...]) -> str:
    direct = [stmt.uses.get(u) for u in uses if u in stmt.uses]
    words = {Permission.ALLOW: "allows", Permission.DENY: "denies", Permission.LICENSE: "licenses"}
    if direct and direct[0] is not None and direct[0] in words:
        return words[direct[0]]
    values = [p for p in stmt.uses.values() if p in words]
    return (words[values[0]] + " (through the use hierarchy)") if values else "speaks about"


def _where(stmt: Statement) -> str:
    return f"{stmt.signal} ({stmt.location})"


def _clip(items: dict[str, None]) -> tuple[str, ...]:
    names = list(items)
    if len(names) <= MAX_EXAMPLES:
        return tuple(names)
    return (*names[:MAX_EXAMPLES], f"... {len(names) - MAX_EXAMPLES} more")


def robots_line_evidence(probe: Probe, line: Line) -> Evidence:
    return Evidence(
        source=probe.robots_url, location=f"line {line.number}", rule=line.text, line=line.number
    )


def blocked_trainers(data: AuditInput, probe: Probe) -> list[Finding]:
    """HF102 and HF105 (access): AI training allowed in words, every training crawler kept out."""
    robots = data.site.robots
    if robots is None:
        return []
    root = urljoin(data.site.origin, "/")
    named = {agent_token(a) for a in robots.named_agents()}
    trainers = [a.token for a in training_agents() if a.token.lower() in named]
    checked = trainers or [WILDCARD_PROBE]
    accesses = [robots.access(root, token) for token in checked]
    if any(access.allowed for access in accesses):
        return []
    blockers = list({(a.statement.location): a.statement for a in accesses}.values())[:3]
    who = ", ".join(trainers[:MAX_EXAMPLES]) or "every crawler (the * group)"
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for obs in probe.observations:
        for stmt, vector in obs.spread:
            if (stmt.source, stmt.location) in seen:
                continue
            allows = vector[Use.AI_TRAIN] in (Permission.ALLOW, Permission.LICENSE)
            if stmt.signal is Signal.CONTENT_SIGNAL and vector[Use.AI_TRAIN] is Permission.ALLOW:
                rule = "HF102"
            elif stmt.signal is Signal.RSL and allows:
                rule = "HF105"
            else:
                continue
            seen.add((stmt.source, stmt.location))
            out.append(
                Finding(
                    rule=rule,
                    severity=RULES[rule].severity if rule == "HF102" else Severity.WARNING,
                    message=(
                        f"{stmt.signal} ({stmt.location}) permits AI training while robots.txt "
                        f"keeps {who} out of the site: no training crawler may fetch what the "
                        "statement offers (RFC 9309: access comes first, docs/decisions.md)"
                    ),
                    evidence=(
                        evidence_of(stmt, data),
                        *(evidence_of(b, data) for b in blockers),
                    ),
                    uses=(Use.AI_TRAIN,),
                    agents=tuple(trainers[:MAX_EXAMPLES]) or (WILDCARD,),
                    paths=("/",),
                )
            )
    return out


WILDCARD_PROBE: Final = "HeedfulAuditAnyone"
"""A token no robots.txt names: it selects the ``*`` group."""


def wildcard_overrides(probe: Probe) -> list[Finding]:
    """HF103: a ``*`` group's Content-Signal/Content-Usage line a named group does not repeat.

    A named group replaces the ``*`` group entirely (RFC 9309 2.2.1), so its crawlers never see
    the line (Cloudflare's Content Signals Policy). Groups that disallow everything are skipped:
    preferences do
    not attach to paths a crawler may not fetch.
    """
    out: list[Finding] = []
    wildcard = [g for g in probe.robots_groups if _is_wildcard(g)]
    named = [g for g in probe.robots_groups if not _is_wildcard(g) and not _blocks_all(g)]
    for group in wildcard:
        for line in group.lines:
            if line.key not in (Key.CONTENT_SIGNAL, Key.CONTENT_USAGE):
                continue
            wanted = _normal(line)
            missing = [
                g for g in named if wanted not in {_normal(x) for x in g.lines if x.key is line.key}
            ]
            if not missing:
                continue
            agents = [a.value for g in missing for a in g.agents]
            out.append(
                Finding(
                    rule="HF103",
                    severity=RULES["HF103"].severity,
                    message=(
                        f"{line.text!r} sits in the * group, but the group(s) for "
                        f"{', '.join(agents[:MAX_EXAMPLES])}"
                        f"{' and more' if len(agents) > MAX_EXAMPLES else ''} replace the * group "
                        "and do not repeat it (RFC 9309 2.2.1, Cloudflare's Content Signals Policy); "
                        "repeat the line in every group"
                    ),
                    evidence=(
                        robots_line_evidence(probe, line),
                        *(robots_line_evidence(probe, g.agents[0]) for g in missing[:3]),
                    ),
                    agents=tuple(agents[:MAX_EXAMPLES]),
                )
            )
    return out


def _is_wildcard(group: Group) -> bool:
    return any(agent_token(a.value) == WILDCARD for a in group.agents)


def _blocks_all(group: Group) -> bool:
    rules = [line for line in group.lines if line.key in (Key.ALLOW, Key.DISALLOW)]
    return any(r.key is Key.DISALLOW and r.value in _BLANKET for r in rules) and not any(
        r.key is Key.ALLOW and r.value for r in rules
    )


def _normal(line: Line) -> str:
    return "".join(line.value.lower().split())


def all_statements(probe: Probe) -> Iterable[Statement]:
    """Every distinct statement observed, in observation order."""
    seen: dict[tuple[str, str], Statement] = {}
    for obs in probe.observations:
        for stmt, _ in obs.spread:
            seen.setdefault((stmt.source, stmt.location), stmt)
    return seen.values()
