"""Compact and full robots.txt renders of one policy, compared reading by reading."""

from __future__ import annotations

from heedful.policies.agents import known_agents
from heedful.policies.model import Permission, Signal, Use
from heedful.policies.signals.robots.document import RobotsTxt, parse_robots
from heedful.policies.sitepolicy import SitePolicy
from heedful.policies.sitepolicy.files import robots_txt
from heedful.policies.sitepolicy.resolve import index_of

RANDOM_AGENTS = ("RandomCrawler", "crawler3", "AI", "Mozilla/5.0 (compatible; NewBot/0.1)")

Reading = tuple[bool, tuple[tuple[Signal, tuple[tuple[Use, Permission], ...]], ...]]


def agents_to_try(policy: SitePolicy) -> list[str]:
    """Every catalogued name, every override, and agents nobody names."""
    names = [name for agent in known_agents() for name in (agent.token, *agent.names)]
    names += [rule.agent for rule in policy.agents]
    return list(dict.fromkeys([*names, *RANDOM_AGENTS]))


def paths_to_try(policy: SitePolicy) -> list[str]:
    """Every prefix the policy names, a page under it and a file of every media extension."""
    index = index_of(policy)
    exts = index.extensions()
    out = ["/", "/page"]
    for scope in index.scopes:
        out += [scope, scope + "x", *(f"{scope}x.{ext}" for ext in exts)]
    return list(dict.fromkeys(out))


def _reading(robots: RobotsTxt, url: str, agent: str) -> Reading:
    access = robots.access(url, agent).allowed
    uses = sorted(
        (s.signal, tuple(sorted(s.uses.items()))) for s in robots.use_statements(url, agent)
    )
    return access, tuple(uses)


def compact_differences(policy: SitePolicy, version: str = "1") -> list[tuple[str, str]]:
    """``(path, agent)`` pairs the compact render reads differently from the full one."""
    index = index_of(policy)
    full = parse_robots(robots_txt(index, version, "", compact=False)).value
    compact = parse_robots(robots_txt(index, version, "", compact=True)).value
    base = policy.site.url.rstrip("/")
    return [
        (path, agent)
        for path in paths_to_try(policy)
        for agent in agents_to_try(policy)
        if _reading(full, base + path, agent) != _reading(compact, base + path, agent)
    ]
