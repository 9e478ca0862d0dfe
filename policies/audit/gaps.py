"""What a site leaves unsaid: uses with no statement, agents named in one format only, and a
well-known training crawler left out of an otherwise complete block list.

Silence is not a reservation (docs/decisions.md, Combining statements): an unstated use falls to
each crawler's
default, so the owner should know which uses those are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final
from urllib.parse import urljoin

from heedful.policies.agents import find_agent
from heedful.policies.audit.findings import RULES, AuditInput, Evidence, Finding, evidence_of
from heedful.policies.audit.probe import WILDCARD, Probe
from heedful.policies.model import Permission, Use, apply_hierarchy
from heedful.policies.signals.robots.groups import agent_token
from heedful.policies.signals.robots.lines import Group, Line

WELL_KNOWN_TRAINERS: Final = (
    "GPTBot",
    "ClaudeBot",
    "CCBot",
    "Google-Extended",
    "Applebot-Extended",
    "meta-externalagent",
    "Bytespider",
)
"""The training tokens docs/site-policy.md lists for an AI-training block."""
MIN_BLOCKED: Final = 3
"""A block list this long is deliberate..."""
MAX_MISSED: Final = 2
"""...and leaving out at most this many of the well-known crawlers is likely an oversight."""


def unstated_uses(probe: Probe) -> list[Finding]:
    """HF201: uses no statement speaks about, for any agent at any probed path."""
    stated: set[Use] = set()
    for obs in probe.observations:
        for _, vector in obs.spread:
            stated.update(use for use, p in vector.items() if p is not Permission.UNKNOWN)
    for stmt in probe.intent:
        vector = apply_hierarchy(stmt.uses)
        stated.update(use for use, p in vector.items() if p is not Permission.UNKNOWN)
    return [
        Finding(
            rule="HF201",
            severity=RULES["HF201"].severity,
            message=(
                f"nothing the site publishes says whether its content may be used for {use}; "
                "each crawler applies its own default (docs/decisions.md, Combining statements)"
            ),
            evidence=(Evidence(source=probe.robots_url, location="robots.txt", rule="(silence)"),),
            uses=(use,),
        )
        for use in Use
        if use not in stated
    ]


def _named(groups: Sequence[Group], source: str) -> dict[str, Evidence]:
    """Known AI agents a file addresses by name: catalogue token -> its first user-agent line."""
    out: dict[str, Evidence] = {}
    for group in groups:
        for line in group.agents:
            known = _known(line)
            if known is not None:
                out.setdefault(
                    known,
                    Evidence(
                        source=source,
                        location=f"line {line.number}",
                        rule=line.text,
                        line=line.number,
                    ),
                )
    return out


def _known(line: Line) -> str | None:
    token = agent_token(line.value)
    if token in (None, WILDCARD):
        return None
    agent = find_agent(line.value) or find_agent(token or "")
    return agent.token if agent is not None else None


def format_gaps(data: AuditInput, probe: Probe) -> list[Finding]:
    """HF202: AI agents one format names while another format names others but not them."""
    formats: dict[str, dict[str, Evidence]] = {
        "robots.txt": _named(probe.robots_groups, probe.robots_url),
        "ai.txt": _named(probe.ai_groups, urljoin(data.site.origin, "/ai.txt")),
    }
    pages: dict[str, Evidence] = {}
    for page in data.fetched_pages():
        for token in sorted(probe.page_tokens):
            known = find_agent(token)
            if known is not None:
                pages.setdefault(
                    known.token, Evidence(source=page.url, location=f"page ({token})", rule=token)
                )
    formats["page directives"] = pages
    out: list[Finding] = []
    for name, named in formats.items():
        for other, other_named in formats.items():
            if other == name or not other_named:
                continue
            missing = [token for token in named if token not in other_named]
            if not missing:
                continue
            first_other = next(iter(other_named.values()))
            out.append(
                Finding(
                    rule="HF202",
                    severity=RULES["HF202"].severity,
                    message=(
                        f"{name} names {', '.join(missing[:5])}"
                        f"{f' and {len(missing) - 5} more' if len(missing) > 5 else ''}, which "
                        f"{other} (which does name AI agents) does not: crawlers reading "
                        f"{other} treat them like everyone else"
                    ),
                    evidence=(named[missing[0]], first_other),
                    agents=tuple(missing[:5]),
                )
            )
    return out


def oversights(data: AuditInput, probe: Probe) -> list[Finding]:
    """HF203: most well-known training crawlers blocked from the site root, one or two not."""
    robots = data.site.robots
    if robots is None:
        return []
    root = urljoin(data.site.origin, "/")
    access = {token: robots.access(root, token) for token in WELL_KNOWN_TRAINERS}
    blocked = [t for t, a in access.items() if not a.allowed]
    open_ = [t for t, a in access.items() if a.allowed]
    if len(blocked) < MIN_BLOCKED or not 1 <= len(open_) <= MAX_MISSED:
        return []
    example = access[blocked[0]].statement
    return [
        Finding(
            rule="HF203",
            severity=RULES["HF203"].severity,
            message=(
                f"robots.txt blocks {', '.join(blocked)} but not {token}, another well-known "
                "AI-training crawler (the operators' crawler documentation; docs/site-policy.md); add it if that was meant"
            ),
            evidence=(evidence_of(example, data), evidence_of(access[token].statement, data)),
            agents=(token,),
            uses=(Use.AI_TRAIN,),
        )
        for token in open_
    ]
