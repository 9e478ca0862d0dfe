"""Does the policy in force deny this crawler this request? One rule, for the logs and the server.

``heedful logs`` (:mod:`policies.logs.analyze`) and ``heedful serve``'s enforcement
(``signalserver/enforcement.py``) both call :func:`denial`, so a request is a violation in the
server exactly when it would be one in the access log of the same site.

A request from a catalogued agent is denied when

* ``access``: the policy keeps the agent out of the path (robots.txt ``Disallow``);
* a use: the agent's declared purpose (its catalogue ``purposes``, :data:`PURPOSE_USES`) is
  denied for the path (:func:`policies.sitepolicy_resolve.intended` says ``deny``), or needs a
  licence the request is known not to hold (``licensed=False``: the server sees whether an
  ``Authorization: License`` token was sent, RSL CAP; a log cannot, so it passes ``None`` and a
  licensed use is never counted there);
* a removal: an approved removal (policies/removals.py) covers the URL and withdraws a use the
  agent declares.

The always-free paths (:data:`FREE_PATHS`: robots.txt, ai.txt, tdmrep.json, the licence and
the removals list) are never denied: a crawler must be able to read the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from policies.agents import KnownAgent
from policies.model import Permission, Use, Verdict
from policies.removals import REMOVALS_PATH, Removal
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
"""Paths no enforcement touches and no request to which is a violation."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Denial:
    """Why the policy denies one request: what was denied and the policy entry that did it."""

    denied: str
    """``access`` or the use (``ai-train``...)."""
    rule: str
    """The entry, as the owner wrote it: ``agents[1] (agent = "GPTBot", access = "deny")``."""
    needs_license: bool = False
    """The use is offered under the ``[license]`` terms and the request showed no licence."""
    removal: bool = False
    """An approved removal denied it (``rule`` names the removed URL and its approval time)."""


def declared_uses(agent: KnownAgent) -> tuple[Use, ...]:
    """The uses an agent's catalogue purposes declare, in first-mention order."""
    return tuple(dict.fromkeys(u for p in agent.purposes for u in PURPOSE_USES.get(p, ())))


def _describe(
    policy: SitePolicy, origin: str, key: str, value: Permission = Permission.DENY
) -> str:
    if origin == "defaults":
        return f'defaults ({key} = "{value}")'
    kind, _, rest = origin.partition("[")
    i = int(rest.rstrip("]"))
    entry = (policy.agents if kind == "agents" else policy.paths)[i]
    said = entry.model_dump(by_alias=True, exclude_none=True, exclude_defaults=False)
    keep = ("agent", "path", key)
    text = ", ".join(f"{k} = {str(v)!r}".replace("'", '"') for k, v in said.items() if k in keep)
    return f"{origin} ({text})"


def denial(
    policy: SitePolicy,
    *,
    target: str,
    agent: KnownAgent,
    licensed: bool | None = None,
    url: str | None = None,
    removals: Iterable[Removal] = (),
) -> Denial | None:
    """The policy's reason to deny ``agent`` the request ``target``, ``None`` when allowed.

    ``licensed``: whether the request presented a licence (``None``: not known, as in a log).
    ``url`` and ``removals``: the request's absolute URL and the approved removals in force.
    """
    path = canonical_path(target)
    if target.partition("?")[0] in FREE_PATHS:
        return None
    index = index_of(policy)
    klass = index.class_of(agent.token)
    resolved = index.resolve(path, klass)
    if not resolved.access:
        return Denial(denied="access", rule=_describe(policy, resolved.access_origin, "access"))
    uses = declared_uses(agent)
    for use in uses:
        # The raw target: intended() canonicalises once itself (canonical_path is not idempotent:
        # "////f.pdf" -> "//f.pdf" -> "/"), so the verdict and the memo key see the same path.
        verdict = intended(policy, path=target, agent=agent.token, use=use)
        if verdict is Verdict.LICENSE and licensed is False:
            origin = resolved.origin.get(use, "defaults")
            said = resolved.values[use]
            rule = _describe(policy, origin, str(use), said)
            if said is not Permission.LICENSE:
                rule = "tdm reading (the path's TDM reservation offers the licence terms)"
            return Denial(denied=str(use), rule=rule, needs_license=True)
        if verdict is not Verdict.DENY:
            continue
        if resolved.values[use] is Permission.DENY:
            return Denial(denied=str(use), rule=_describe(policy, resolved.origin[use], str(use)))
        media = index.media_rules(path, None)
        if media:
            name = media[0].name or "media[0]"
            return Denial(denied=str(use), rule=f'media rule {name!r} ({use} = "deny")')
        return Denial(denied=str(use), rule="tdm reading (the path's TDM reservation covers it)")
    if url is not None:
        for removal in removals:
            if not removal.covers(url):
                continue
            withdrawn = [use for use in uses if use in removal.uses]
            if withdrawn:
                scope = f"{removal.url}*" if removal.prefix else removal.url
                return Denial(
                    denied=str(withdrawn[0]),
                    rule=f"removal of {scope} (approved {removal.approved_at or 'earlier'})",
                    removal=True,
                )
    return None
