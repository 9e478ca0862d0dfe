"""What a site policy means for one path, crawler, use and media type, and what it cannot say.

Resolution (docs/site-policy.md "Precedence"): start from ``[defaults]``; apply every
``[[paths]]`` entry whose prefix matches, from the least to the most specific prefix (longest
prefix wins, docs/site-policy.md); then every ``[[agents]]`` entry of the crawler whose prefix
matches, again least to most specific. An agent entry is an override: it wins over path entries
whatever their length. Each entry changes only the keys it gives. ``access = "deny"`` keeps the
crawler out (robots.txt), which denies every use. Media
rules then tighten: each use a matching media rule names becomes ``deny``.

The published formats are not equally expressive (docs/decisions.md, Each mechanism's own rules):
TDMRep, RSL, ai.txt and
response headers speak to every crawler; robots.txt groups speak per crawler but only about
access, search, AI training and (without a path) AI input. :func:`policy_problems` refuses every
policy whose rendering a crawler would read differently from :func:`intended`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from policies.agents import crawler_keys
from policies.headers import media_type_of
from policies.model import (
    VERDICT_OF,
    Permission,
    Use,
    Verdict,
    least_restrictive,
    most_restrictive,
)
from policies.patterns import PathPattern, compile_pattern
from policies.product_names import name_key
from policies.sitepolicy_model import AgentRule, MediaRule, PathRule, SitePolicy
from policies.urlpath import canonical_path

EVERYONE = "*"
Vector = dict[Use, Permission]


@dataclass(frozen=True, kw_only=True, slots=True)
class Resolved:
    """One crawler class at one path: may it fetch, and the value of every use."""

    access: bool
    values: dict[Use, Permission]
    origin: dict[Use, str]
    """Which entry gave each value (``defaults``, ``paths[2]``, ``agents[0]``)."""
    access_origin: str


class PolicyIndex:
    """A policy prepared for many questions: canonical prefixes, scopes and crawler classes."""

    def __init__(self, policy: SitePolicy) -> None:
        self.policy = policy
        self.paths: list[tuple[str, int, PathRule]] = [
            (canonical_path(rule.path), i, rule) for i, rule in enumerate(policy.paths)
        ]
        self.agents: dict[str, list[tuple[str, int, AgentRule]]] = {}
        self.names: dict[str, str] = {}
        for i, rule in enumerate(policy.agents):
            key = name_key(rule.agent)
            self.names.setdefault(key, rule.agent)
            self.agents.setdefault(key, []).append((canonical_path(rule.path), i, rule))
        prefixes = {"/"} | {p for p, _, _ in self.paths}
        prefixes |= {p for entries in self.agents.values() for p, _, _ in entries}
        self.scopes: tuple[str, ...] = tuple(sorted(prefixes, key=lambda p: (len(p), p)))
        """Every path prefix the policy names, general to specific; ``/`` first."""
        self.classes: tuple[str, ...] = (EVERYONE, *self.agents)
        """``*`` (every crawler without an override) and each overridden token, lower-cased."""

    def class_of(self, agent: str) -> str:
        """The class whose robots.txt group ``agent`` selects: its own name's, else its first
        documented fallback's (``Googlebot-Image`` -> ``Googlebot``), else ``*``.
        """
        for key in crawler_keys(agent):
            if key in self.agents:
                return key
        return EVERYONE

    def resolve(self, path: str, klass: str) -> Resolved:
        """Values for a canonical ``path`` and a crawler class (see the module docstring)."""
        layers: list[tuple[int, int, str, PathRule | AgentRule]] = [
            (compile_pattern(prefix).priority, 0, f"paths[{i}]", rule)
            for prefix, i, rule in self.paths
            if compile_pattern(prefix).matches(path)
        ]
        layers += [
            (compile_pattern(prefix).priority, 1, f"agents[{i}]", rule)
            for prefix, i, rule in self.agents.get(klass, ())
            if compile_pattern(prefix).matches(path)
        ]
        layers.sort(key=lambda layer: (layer[1], layer[0]))
        values = dict(self.policy.defaults.said())
        origin = dict.fromkeys(values, "defaults")
        access, access_origin = True, "defaults"
        for _, _, key, rule in layers:
            for use, choice in rule.said().items():
                values[use], origin[use] = choice, key
            if rule.access is not None:
                access, access_origin = rule.access is Permission.ALLOW, key
        return Resolved(access=access, values=values, origin=origin, access_origin=access_origin)

    def attribution(self, path: str) -> str | None:
        """The credit line of the most specific path entry that sets one, else the default."""
        best: tuple[int, str] | None = None
        for prefix, _, rule in self.paths:
            pattern = compile_pattern(prefix)
            matched = rule.attribution and pattern.matches(path)
            if matched and (best is None or pattern.priority > best[0]):
                best = (pattern.priority, str(rule.attribution))
        return best[1] if best is not None else self.policy.defaults.attribution

    def media_rules(self, path: str, media_type: str | None) -> list[MediaRule]:
        """Media rules matching the response's type or the path's extension."""
        wanted = media_type_of(media_type or "")
        major = wanted.split("/", 1)[0] + "/*"
        return [
            rule
            for rule in self.policy.media
            if (wanted and (wanted in rule.types or major in rule.types))
            or any(extension_pattern(ext).matches(path) for ext in rule.extensions)
        ]

    def extensions(self) -> tuple[str, ...]:
        """Every extension a media rule names, in first-mention order."""
        return tuple(dict.fromkeys(ext for rule in self.policy.media for ext in rule.extensions))

    def floor(self, path: str, *, media: Iterable[MediaRule] = ()) -> Vector:
        """The loosest value of each use over the crawler classes that may fetch ``path``.

        Formats that speak to every crawler (headers, TDMRep, RSL, ai.txt) publish this: it is
        never stricter than what any class is owed; robots.txt groups add the rest per class.
        When no class may fetch, the ``*`` values are published (nobody reads them).
        """
        rows = [self.resolve(path, klass) for klass in self.classes]
        usable = [row.values for row in rows if row.access] or [rows[0].values]
        out = {use: least_restrictive(*(row[use] for row in usable)) for use in Use}
        return tighten(out, media)

    def published(self, path: str, *, media: Iterable[MediaRule] = ()) -> Vector:
        """The floor as the formats every crawler reads publish it: :func:`tdm_reading` applied.

        Every renderer and :func:`intended` use this, so the combined reading of the published
        files is what :func:`intended` says.
        """
        return tdm_reading(self.floor(path, media=media))


def extension_pattern(ext: str) -> PathPattern:
    """The robots.txt pattern every format uses for "path ends with .ext" (RFC 9309 section 2.2.3)."""
    return compile_pattern(f"/*.{ext}$")


def tighten(values: Vector, media: Iterable[MediaRule]) -> Vector:
    """Apply media rules: each use they name becomes ``deny``."""
    out = dict(values)
    for rule in media:
        for use in rule.said():
            out[use] = Permission.DENY
    return out


TDM_COVERS = (Use.AI_TRAIN, Use.GENAI_TRAIN, Use.AI_INPUT)
"""Uses a TDM statement reaches in every reader (docs/decisions.md "Uses and their hierarchy")."""


def tdm_reading(values: Vector) -> Vector:
    """What TDMRep can say for one floor vector, and what that does to the uses it covers.

    TDMRep has one bit for all of text and data mining (W3C TDMRep section 3.2,
    ``tdm-reservation``). ``tdm-reservation: 0`` is read as an allow that fills AI training and
    AI input (the use hierarchy), so publishing it where the policy allows ``tdm`` but denies
    or licenses AI training or AI input (a path, an extension) would tell a crawler that reads
    only TDMRep the opposite of the policy. Such a path is published as reserved instead (the
    more restrictive reading, licence terms kept where a covered use is only licensed); the
    reservation then also covers the other TDM uses there (docs/site-policy.md "Restrictions").
    """
    if values[Use.TDM] is not Permission.ALLOW:
        return values
    covered = [values[use] for use in TDM_COVERS]
    if all(value is Permission.ALLOW for value in covered):
        return values
    # Reserved with the licence terms when a covered use is licensed (a header cannot withdraw
    # the tdm-policy tdmrep.json gives a path, TDMRep section 2.7), plainly reserved otherwise.
    reading = Permission.LICENSE if Permission.LICENSE in covered else Permission.DENY
    out = dict(values)
    out[Use.TDM] = reading
    for use in TDM_COVERS:
        out[use] = most_restrictive(out[use], reading)
    return out


def under_reading(values: Vector, reading: Permission) -> Vector:
    """One crawler class's values under the published TDM value of the path (``reading``)."""
    out = dict(values)
    for use in (Use.TDM, *TDM_COVERS):
        out[use] = most_restrictive(out[use], reading)
    return out


@lru_cache(maxsize=32)
def index_of(policy: SitePolicy) -> PolicyIndex:
    """The (cached) index of a policy; policies are frozen, so the cache is safe."""
    return PolicyIndex(policy)


def may_fetch(policy: SitePolicy, *, path: str, agent: str) -> bool:
    """The access part of the policy: may ``agent`` crawl ``path`` (robots.txt)."""
    index = index_of(policy)
    return index.resolve(canonical_path(path), index.class_of(agent)).access


def intended(
    policy: SitePolicy, *, path: str, agent: str, use: Use, media_type: str | None = None
) -> Verdict:
    """What the owner means for one path (or URL), crawler token, use and media type.

    This is the ground truth every rendered format must agree with (the consistency test).
    """
    index = index_of(policy)
    canonical = canonical_path(path)
    resolved = index.resolve(canonical, index.class_of(agent))
    if not resolved.access:
        return Verdict.DENY
    media = index.media_rules(canonical, media_type)
    values = tighten(resolved.values, media)
    values = under_reading(values, index.published(canonical, media=media)[Use.TDM])
    return VERDICT_OF[values[Use(use)]]
