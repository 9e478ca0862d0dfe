"""What ``heedful audit`` finds: rules with stable ids, findings quoting where the site said what.

A finding names a rule of :data:`RULES` (``HF101``...), a severity and the statements involved,
each quoted exactly as the site wrote it and located (file URL, location, 1-based line). A
contradiction always carries both statements (docs/audit.md lists every rule).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from heedful.policies.diagnostics import SEVERITY_RANK, Severity
from heedful.policies.model import Statement, Use
from heedful.policies.signals.read import PageSignals, SignalFile, SiteSignals


@dataclass(frozen=True, kw_only=True, slots=True)
class Rule:
    """One kind of finding: its stable id, a kebab-case name, its usual severity and a title."""

    id: str
    name: str
    severity: Severity
    title: str


def _rules(*rows: tuple[str, str, Severity, str]) -> Mapping[str, Rule]:
    return MappingProxyType(
        {rid: Rule(id=rid, name=name, severity=sev, title=title) for rid, name, sev, title in rows}
    )


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO
RULES: Final[Mapping[str, Rule]] = _rules(
    # HF1xx: contradictions between statements (docs/site-policy.md consistency rule).
    ("HF100", "conflicting-statements", _E, "two statements give one use opposite answers"),
    ("HF101", "tdmrep-vs-content-usage", _E, "TDMRep and Content-Usage disagree"),
    ("HF102", "content-signal-vs-blocked-trainers", _W, "Content-Signal allows AI training that robots.txt blocks for every training crawler"),
    ("HF103", "wildcard-rule-overridden", _W, "a * group's Content-Signal/Content-Usage does not reach a named group"),
    ("HF104", "aitxt-vs-tdmrep", _E, "ai.txt allows files that tdmrep.json reserves"),
    ("HF105", "rsl-vs-robots", _E, "the RSL licence permits what robots.txt forbids"),
    ("HF106", "page-vs-site", _E, "a page's headers or meta contradict the site-wide files"),
    ("HF107", "licence-vs-deny", _W, "a licence is offered for a use another statement denies"),
    ("HF108", "vendor-directive", _W, "a vendor-invented robots.txt directive no standard defines"),
    ("HF109", "legacy-aipref-label", _W, "a legacy aipref label of an old draft"),
    ("HF110", "vendor-robots-tag", _W, "a non-standard AI directive in X-Robots-Tag or meta robots"),
    ("HF111", "license-not-rsl", _E, "a licence URL that does not resolve to a valid RSL document"),
    ("HF112", "tdm-policy-unreachable", _E, "a tdm-policy that cannot be fetched"),
    ("HF113", "tdm-policy-not-json", _W, "a tdm-policy that is not a JSON document"),
    ("HF114", "training-group-shape", _W, "a group for the shared training-preference token holds lines or agents no crawler reads as meant"),
    ("HF116", "payment-offer", _I, "a page answers 402 (or an RSL challenge): the dialect and the terms offered"),
    ("HF117", "payment-challenge-malformed", _W, "a 402 challenge that cannot be read whole"),
    # HF2xx: gaps.
    ("HF201", "use-unstated", _I, "the site says nothing about a use"),
    ("HF202", "agent-format-gap", _I, "an AI agent named in one format but not in another"),
    ("HF203", "training-crawler-oversight", _W, "well-known training crawlers are blocked except one or two"),
    # HF3xx: files the audit could not read well.
    ("HF301", "file-unreachable", _W, "a signal file could not be fetched; its mechanism is unknown"),
    ("HF302", "file-errors", _E, "a signal file has errors; parts of it are ignored"),
    ("HF303", "page-not-fetched", _I, "a sampled page was not fetched"),
    # HF4xx: what the site serves each class of agent (heedful audit --probe-agents).
    ("HF401", "robots-differs-by-agent", _W, "robots.txt differs by User-Agent"),
    ("HF402", "status-differs-by-agent", _W, "a page answers differently by User-Agent"),
    ("HF403", "signal-for-some-agents", _W, "a signal is sent to some classes of agent only"),
    ("HF404", "cdn-managed-robots", _I, "a CDN-managed block in robots.txt"),
    ("HF405", "markdown-differs", _W, "a Markdown representation's signals differ from its page's"),
)  # fmt: skip
"""Every rule, by id. Ids are stable: a rule is never renumbered, only retired."""

_LINE: Final = re.compile(r"^line (\d+)")


@dataclass(frozen=True, kw_only=True, slots=True)
class Evidence:
    """One statement as the site wrote it, and where: file URL, location and 1-based line."""

    source: str
    location: str
    rule: str
    line: int = 0
    """1-based line in ``source`` (0: a header, a fetch, or the whole file)."""

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "location": self.location,
            "rule": self.rule,
            "line": self.line,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class Finding:
    """One problem, with every statement involved (both sides of a contradiction)."""

    rule: str
    """A key of :data:`RULES`."""
    severity: Severity
    message: str
    evidence: tuple[Evidence, ...]
    uses: tuple[Use, ...] = ()
    agents: tuple[str, ...] = ()
    """Agents concerned; ``*`` stands for every crawler without a group of its own."""
    paths: tuple[str, ...] = ()
    """Example paths where the finding holds."""

    @property
    def name(self) -> str:
        return RULES[self.rule].name

    def key(self) -> tuple[object, ...]:
        """Identity for de-duplication: the rule, the statements it quotes, uses and agents."""
        return (
            self.rule,
            tuple((e.source, e.location) for e in self.evidence),
            self.uses,
            self.agents,
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": str(self.severity),
            "message": self.message,
            "evidence": [e.as_dict() for e in self.evidence],
            "uses": [str(u) for u in self.uses],
            "agents": list(self.agents),
            "paths": list(self.paths),
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditInput:
    """Everything fetched for one origin: parsed signals plus the raw fetches they came from.

    ``files`` maps each requested URL (robots.txt, tdmrep.json, ai.txt, licences, tdm-policy
    documents) to its fetch; the audit re-reads raw lines (groups, unknown directives) from it.
    ``pages`` are the audited URL first, then the sampled pages; ``None`` when not fetched.
    """

    site: SiteSignals
    url: str
    pages: tuple[tuple[str, PageSignals | None], ...] = ()
    files: Mapping[str, SignalFile] = field(default_factory=dict)
    markdown: Mapping[str, SignalFile] = field(default_factory=dict)
    """The Markdown representation of a page, by page URL (its ``<link rel="alternate"
    type="text/markdown">``, or the page asked for with ``Accept: text/markdown``)."""

    def file(self, url: str) -> SignalFile | None:
        return self.files.get(url)

    def fetched_pages(self) -> tuple[PageSignals, ...]:
        return tuple(page for _, page in self.pages if page is not None)


def line_of(location: str) -> int:
    """The line number a ``line 14`` / ``line 3 <content url=...>`` location names, else 0."""
    match = _LINE.match(location)
    return int(match.group(1)) if match else 0


def evidence_of(stmt: Statement, data: AuditInput) -> Evidence:
    """A statement as evidence, with its line resolved where the location allows it."""
    line = line_of(stmt.location)
    if not line and stmt.location.startswith("$[") and data.site.tdmrep is not None:
        index = stmt.location[2:].split("]", 1)[0]
        line = next((r.line for r in data.site.tdmrep.rules if str(r.index) == index), 0)
    if not line and stmt.location.startswith("meta[name="):
        name = stmt.location[len("meta[name=") :].rstrip("]")
        line = _meta_line(data, stmt.source, name)
    return Evidence(source=stmt.source, location=stmt.location, rule=stmt.rule, line=line)


def _meta_line(data: AuditInput, source: str, name: str) -> int:
    for url, page in data.pages:
        if page is not None and page.head is not None and source in (url, page.url):
            for meta in page.head.metas:
                if meta.name == name:
                    return meta.line
    return 0


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then by rule id and the first evidence: a stable order for snapshots."""
    unique = {f.key(): f for f in findings}
    return sorted(
        unique.values(),
        key=lambda f: (
            -SEVERITY_RANK[f.severity],
            f.rule,
            [(e.source, e.line, e.location) for e in f.evidence],
        ),
    )
