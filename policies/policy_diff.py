"""``heedful diff``: where a live site decides differently from what its owner means.

The owner's site policy (:mod:`policies.sitepolicy`) says, per path, agent and use, what is
meant (:func:`~policies.sitepolicy.intended`). The live files decide through the evaluator
(:func:`~policies.evaluate.evaluate`). Every cell of sample paths x agents x uses where the two
verdicts differ is a :class:`Difference`, carrying the live reason that decided, with its file
and line: a CDN-managed robots.txt, a plugin or a forgotten header shows up there.

Verdicts are compared in the chosen mode, so a use the live files leave unsaid counts as the
mode's default (opt-out: allow); ``--mode consent`` shows where silence misleads consent-mode
crawlers (docs/decisions.md, Combining statements).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import urljoin

from policies.agents import HEEDFUL_TOKEN
from policies.audit_model import AuditInput, Evidence, evidence_of
from policies.evaluate import evaluate
from policies.gaps import WELL_KNOWN_TRAINERS
from policies.headers import header_values, media_type_of
from policies.model import Decision, Mode, Reason, Signal, Statement, Use, Verdict
from policies.site import PageSignals
from policies.sitepolicy import SitePolicy, intended
from policies.urlpath import path_of

MAX_PATHS: Final = 100
"""Sample paths compared (policy paths, media probes and fetched pages)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Difference:
    """One cell where the live site and the policy disagree, and the live reason that decided."""

    path: str
    url: str
    agent: str
    use: Use
    live: Verdict
    intended: Verdict
    because: Evidence
    """The deciding live statement (file, location, line and text); ``default`` when none."""

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "url": self.url,
            "agent": self.agent,
            "use": str(self.use),
            "live": str(self.live),
            "intended": str(self.intended),
            "because": self.because.as_dict(),
        }


def diff_agents(policy: SitePolicy, extra: Sequence[str] = ()) -> list[str]:
    """The policy's named agents, the well-known training crawlers, ``extra`` and HeedfulBot."""
    names = [rule.agent for rule in policy.agents] + list(WELL_KNOWN_TRAINERS) + list(extra)
    names.append(HEEDFUL_TOKEN)
    return list({name.lower(): name for name in reversed(names)}.values())[::-1]


def media_probes(policy: SitePolicy) -> list[str]:
    """One path per media rule with extensions; ``heedful diff`` fetches them, so that the
    headers a file of that type gets count as they do for a crawler fetching it."""
    return [f"/media-probe.{ext}" for rule in policy.media for ext in rule.extensions[:1]]


def diff_paths(policy: SitePolicy, data: AuditInput) -> list[tuple[str, PageSignals | None]]:
    """``(url, page)`` to compare: ``/``, the policy's paths, one file per media extension, and
    every fetched page (with its response, so headers and meta count)."""
    origin = data.site.origin
    out: dict[str, PageSignals | None] = {}
    for url, page in data.pages:
        if page is not None:
            out.setdefault(url, page)
    paths = ["/", *(r.path for r in policy.paths), *(r.path for r in policy.agents)]
    paths += media_probes(policy)
    for path in paths:
        if len(out) >= MAX_PATHS:
            break
        out.setdefault(urljoin(origin, path), None)
    return list(out.items())


def policy_diff(
    data: AuditInput,
    policy: SitePolicy,
    *,
    agents: Sequence[str] = (),
    mode: Mode = Mode.OPT_OUT,
    tdm_covers_search: bool = False,
) -> tuple[Difference, ...]:
    """Every (path, agent, use) whose live verdict differs from the intended one."""
    out: list[Difference] = []
    for url, page in diff_paths(policy, data):
        path = path_of(url)
        media = _media_type(page)
        for agent in diff_agents(policy, agents):
            for use in Use:
                meant = intended(policy, path=path, agent=agent, use=use, media_type=media)
                decision = evaluate(
                    data.site,
                    page,
                    url=url,
                    agent=agent,
                    use=use,
                    mode=mode,
                    tdm_covers_search=tdm_covers_search,
                    page_must_answer=False,
                )
                if decision.verdict is not meant:
                    because = deciding_reason(decision)
                    out.append(
                        Difference(
                            path=path,
                            url=url,
                            agent=agent,
                            use=use,
                            live=decision.verdict,
                            intended=meant,
                            because=evidence_of(_as_statement(because), data),
                        )
                    )
    return tuple(out)


def deciding_reason(decision: Decision) -> Reason:
    """The reason that produced the verdict: access when access decided, else the first (and
    strictest) reason with that effect, else the default that applied."""
    verdict = str(decision.verdict)
    first = decision.reasons[0]
    if decision.access is not Verdict.ALLOW:
        return first
    for reason in decision.reasons[1:]:
        if reason.effect == verdict:
            return reason
    for reason in decision.reasons:
        if reason.signal is Signal.DEFAULT:
            return reason
    return first


def _as_statement(reason: Reason) -> Statement:
    return Statement(
        signal=reason.signal, source=reason.source, location=reason.location, rule=reason.rule
    )


def _media_type(page: PageSignals | None) -> str | None:
    if page is None:
        return None
    value = next(iter(header_values(page.headers, "content-type")), "")
    return media_type_of(value) or None
