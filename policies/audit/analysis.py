"""``heedful audit``'s analysis: matrix, contradictions, gaps and score for one fetched origin.

Pure: :class:`~heedful.policies.audit.findings.AuditInput` in (fetched and parsed by the adapter),
:class:`AuditReport` out. docs/audit.md documents every rule and the score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from heedful.policies.agents import HEEDFUL_TOKEN, published_agents
from heedful.policies.audit.contradictions import (
    blocked_trainers,
    conflicting_pairs,
    wildcard_overrides,
)
from heedful.policies.audit.findings import AuditInput, Finding, sort_findings
from heedful.policies.audit.gaps import format_gaps, oversights, unstated_uses
from heedful.policies.audit.matrix import Matrix, build_matrix
from heedful.policies.audit.offers import payment_findings, training_group_findings
from heedful.policies.audit.probe import ANYONE, WILDCARD, Probe, probe
from heedful.policies.audit.score import UseScore, score
from heedful.policies.audit.served import Served, markdown_findings, served_findings
from heedful.policies.audit.undelivered import document_findings, file_findings, policy_references
from heedful.policies.diagnostics import Severity
from heedful.policies.model import DEFAULT_AIPREF_DRAFT, AiprefDraft, Mode
from heedful.policies.signals.legacy import legacy_findings

__all__ = ["AuditReport", "audit", "matrix_agents", "policy_urls"]


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditReport:
    """Everything ``heedful audit`` prints."""

    url: str
    origin: str
    matrix: Matrix
    findings: tuple[Finding, ...]
    scores: tuple[UseScore, ...]
    probe: Probe
    served: tuple[Served, ...] = ()
    """What each agent probe was served (``heedful audit --probe-agents``), when asked."""

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def as_dict(self) -> dict[str, object]:
        """The JSON object of ``heedful audit --json``."""
        return {
            "url": self.url,
            "origin": self.origin,
            "summary": {str(s): self.count(s) for s in Severity},
            "findings": [f.as_dict() for f in self.findings],
            "score": {str(s.use): s.as_dict() for s in self.scores},
            "matrix": self.matrix.as_dict(),
            "probed": {
                "paths": len(self.probe.targets),
                "agent_classes": [c.label for c in self.probe.classes],
            },
            **({"served": [probe.as_dict() for probe in self.served]} if self.served else {}),
        }

    def with_served(self, served: Sequence[Served]) -> AuditReport:
        """This report with what the agent probes were served, and the findings they make."""
        findings = sort_findings([*self.findings, *served_findings(served)])
        return replace(self, findings=tuple(findings), served=tuple(served))


def matrix_agents(extra: Sequence[str] = ()) -> list[str]:
    """Every published agent, then ``extra``, then Heedful's own token; no duplicates."""
    names = [a.token for a in published_agents()] + list(extra) + [HEEDFUL_TOKEN]
    return list({n.lower(): n for n in reversed(names)}.values())[::-1]


def _anyone(found: Probe) -> str:
    """A token of the ``*`` class that no file names, so it selects exactly the ``*`` groups."""
    return next((c.representative for c in found.classes if c.label == WILDCARD), ANYONE)


def policy_urls(data: AuditInput) -> list[str]:
    """tdm-policy documents the adapter should fetch before :func:`audit` (bounded)."""
    return [url for url, _ in policy_references(data)]


def audit(
    data: AuditInput,
    *,
    agents: Sequence[str] = (),
    mode: Mode = Mode.OPT_OUT,
    tdm_covers_search: bool = False,
    aipref_draft: AiprefDraft = DEFAULT_AIPREF_DRAFT,
) -> AuditReport:
    """Audit one origin as fetched; ``agents`` are extra product tokens for the matrix;
    ``aipref_draft`` is the aipref vocabulary revision the matrix reads ``Content-Usage`` under."""
    found = probe(data, agents=list(agents))
    page = data.pages[0][1] if data.pages else None
    rows = [
        build_matrix(
            data.site,
            page,
            url=data.url,
            agents=names,
            mode=mode,
            tdm_covers_search=tdm_covers_search,
            aipref_draft=aipref_draft,
        )
        for names in ([_anyone(found)], matrix_agents(agents))
    ]
    # The first row answers for every crawler without a group or directive of its own (the
    # ``*`` class, decided for one of its members); the score's "actionable" reads it.
    table = replace(rows[1], rows=((WILDCARD, rows[0].rows[0][1]), *rows[1].rows))
    findings: list[Finding] = [
        *markdown_findings(data.pages, data.markdown),
        *conflicting_pairs(data, found),
        *blocked_trainers(data, found),
        *wildcard_overrides(found),
        *legacy_findings(data, found),
        *document_findings(data, found),
        *unstated_uses(found),
        *format_gaps(data, found),
        *oversights(data, found),
        *file_findings(data),
        *training_group_findings(data, found),
        *payment_findings(data),
    ]
    ordered = tuple(sort_findings(findings))
    return AuditReport(
        url=data.url,
        origin=data.site.origin,
        matrix=table,
        findings=ordered,
        scores=score(found, ordered, table),
        probe=found,
    )
