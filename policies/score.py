"""The machine-readability score: per use, how well a crawler can find, read and act on what the
site says. No weights are hidden: five criteria, 20 points each, every point with its reason
(docs/audit.md, "How the score is computed").

* discoverable: site-wide files in two or more formats 20, one format 15, only page headers or
  meta 10 (a crawler learns it only after fetching), nothing 0.
* parseable: 20, minus 10 when a file that states it has errors (HF302), minus 10 when the site
  also uses legacy or vendor directives (HF108-HF110) that crawlers cannot read.
* interpretable: a statement names the use 20; only the use hierarchy reaches it 10 (a TDM
  reservation read as covering AI input, docs/decisions.md, Uses and their hierarchy); nothing 0.
* actionable: the answer at the audited URL for a crawler without its own group: allow or deny
  20, a licence whose terms can be read 20, a licence whose document cannot be read 5, unknown 0.
* consistent: no contradiction about the use 20, warnings only 10, an error-level one 0.

A use nothing speaks about scores 0 on every criterion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from policies.audit_model import Finding
from policies.audit_probe import WILDCARD, Probe, spread_of
from policies.contradictions import is_page_level
from policies.diagnostics import Severity
from policies.matrix import Matrix
from policies.model import Permission, Signal, Use, Verdict

POINTS: Final = 20
"""Each criterion's maximum; five criteria make 100."""
CRITERIA: Final = ("discoverable", "parseable", "interpretable", "actionable", "consistent")
_LEGACY_RULES: Final = frozenset({"HF108", "HF109", "HF110"})
_UNREADABLE_OFFERS: Final = frozenset({"HF111", "HF112", "HF113"})


@dataclass(frozen=True, kw_only=True, slots=True)
class Criterion:
    name: str
    points: int
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "points": self.points, "max": POINTS, "reason": self.reason}


@dataclass(frozen=True, kw_only=True, slots=True)
class UseScore:
    use: Use
    criteria: tuple[Criterion, ...]

    @property
    def total(self) -> int:
        return sum(c.points for c in self.criteria)

    def as_dict(self) -> dict[str, object]:
        return {
            "use": str(self.use),
            "score": self.total,
            "max": POINTS * len(CRITERIA),
            "criteria": [c.as_dict() for c in self.criteria],
        }


_Said = dict[tuple[str, str], tuple[Signal, bool, str]]
"""(source, location) -> (signal, page-level, source) of the statements speaking about a use."""


def score(probe: Probe, findings: Sequence[Finding], matrix: Matrix) -> tuple[UseScore, ...]:
    """One :class:`UseScore` per use, in :class:`Use` order."""
    direct: dict[Use, _Said] = {use: {} for use in Use}
    stating: dict[Use, _Said] = {use: {} for use in Use}
    seen: set[tuple[str, str]] = set()
    pairs = [pair for obs in probe.observations for pair in obs.spread]
    pairs += [(stmt, spread_of(stmt)) for stmt in probe.intent]
    for stmt, vector in pairs:
        key = (stmt.source, stmt.location)
        if key in seen:
            continue
        seen.add(key)
        row = (stmt.signal, is_page_level(stmt), stmt.source)
        for use, permission in vector.items():
            if permission is Permission.UNKNOWN:
                continue
            stating[use][key] = row
            if stmt.uses.get(use, Permission.UNKNOWN) is not Permission.UNKNOWN:
                direct[use][key] = row
    return tuple(_score_use(use, direct[use], stating[use], probe, findings, matrix) for use in Use)


def _score_use(
    use: Use,
    direct: _Said,
    stating: _Said,
    probe: Probe,
    findings: Sequence[Finding],
    matrix: Matrix,
) -> UseScore:
    if not stating:
        return UseScore(
            use=use,
            criteria=tuple(Criterion(name=n, points=0, reason="nothing stated") for n in CRITERIA),
        )
    site_formats = sorted({_format(sig) for sig, page, _ in stating.values() if not page})
    if len(site_formats) >= 2:
        discover = Criterion(
            name="discoverable", points=20, reason=f"site-wide in {', '.join(site_formats)}"
        )
    elif site_formats:
        discover = Criterion(
            name="discoverable", points=15, reason=f"site-wide in {site_formats[0]} only"
        )
    else:
        discover = Criterion(name="discoverable", points=10, reason="only in page headers or meta")

    sources = {src for _, _, src in direct.values()}
    erroneous = [f for f in findings if f.rule == "HF302" and f.evidence[0].source in sources]
    legacy = [f for f in findings if f.rule in _LEGACY_RULES]
    parse_points = POINTS - (10 if erroneous else 0) - (10 if legacy else 0)
    why = []
    if erroneous:
        why.append("a file stating it has errors (HF302)")
    if legacy:
        why.append("legacy or vendor directives present (HF108-HF110)")
    parse_why = "; ".join(why)
    parse = Criterion(
        name="parseable", points=parse_points, reason=parse_why or "read without errors"
    )

    interpret = (
        Criterion(name="interpretable", points=20, reason="a statement names this use")
        if direct
        else Criterion(
            name="interpretable", points=10, reason="reached only through the use hierarchy"
        )
    )

    cell = matrix.cell(WILDCARD, use)
    value = cell.value if cell is not None else Verdict.UNKNOWN
    if value is Verdict.UNKNOWN:
        act = Criterion(
            name="actionable",
            points=0,
            reason="no answer at the audited URL for a crawler without a group of its own "
            "(matrix row *: only the mode's default decides)",
        )
    elif value is Verdict.LICENSE and any(f.rule in _UNREADABLE_OFFERS for f in findings):
        act = Criterion(
            name="actionable", points=5, reason="licence required but its terms cannot be read"
        )
    else:
        act = Criterion(
            name="actionable", points=20, reason=f"{value} at the audited URL (matrix row *)"
        )

    about = [f for f in findings if f.rule.startswith("HF1") and use in f.uses]
    if any(f.severity is Severity.ERROR for f in about):
        consistent = Criterion(
            name="consistent",
            points=0,
            reason="contradicted: " + ", ".join(sorted({f.rule for f in about})),
        )
    elif about:
        consistent = Criterion(
            name="consistent",
            points=10,
            reason="warnings: " + ", ".join(sorted({f.rule for f in about})),
        )
    else:
        consistent = Criterion(name="consistent", points=20, reason="no contradiction")
    return UseScore(use=use, criteria=(discover, parse, interpret, act, consistent))


def _format(signal: Signal) -> str:
    """The format a signal is published in (a crawler block is robots.txt too)."""
    return str(Signal.ROBOTS) if signal is Signal.STRICT else str(signal)
