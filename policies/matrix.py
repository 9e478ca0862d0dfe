"""The audit matrix: every agent x every use at the audited URL, each cell with its decision.

A cell is ``allow``, ``deny`` or ``license`` when some statement (or access control) decided,
and ``unknown`` when only the mode's default did (docs/decisions.md, Combining statements): the
matrix shows
what the site *says*, the decision behind a cell (``--explain``) what a crawler would do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from policies.evaluate import evaluate
from policies.model import DEFAULT_AIPREF_DRAFT, AiprefDraft, Decision, Mode, Signal, Use, Verdict
from policies.site import PageSignals, SiteSignals


@dataclass(frozen=True, kw_only=True, slots=True)
class Cell:
    """One agent and use: the value shown and the explained decision behind it."""

    value: Verdict
    decision: Decision


def cell_value(decision: Decision) -> Verdict:
    """``unknown`` when the verdict is only the default, else the verdict."""
    if decision.access is not Verdict.ALLOW:
        return decision.verdict
    if any(reason.signal is Signal.DEFAULT for reason in decision.reasons):
        return Verdict.UNKNOWN
    return decision.verdict


@dataclass(frozen=True, kw_only=True, slots=True)
class Matrix:
    """Rows in agent order; each row has one cell per :class:`Use`, in enum order."""

    url: str
    rows: tuple[tuple[str, tuple[Cell, ...]], ...]

    def cell(self, agent: str, use: Use) -> Cell | None:
        for name, cells in self.rows:
            if name.lower() == agent.lower():
                return cells[list(Use).index(use)]
        return None

    def as_dict(self) -> dict[str, dict[str, str]]:
        return {
            agent: {str(c.decision.use): str(c.value) for c in cells} for agent, cells in self.rows
        }


def build_matrix(
    site: SiteSignals,
    page: PageSignals | None,
    *,
    url: str,
    agents: Sequence[str],
    mode: Mode = Mode.OPT_OUT,
    tdm_covers_search: bool = False,
    aipref_draft: AiprefDraft = DEFAULT_AIPREF_DRAFT,
) -> Matrix:
    """Decide every (agent, use) at ``url``; agents keep their order, duplicates dropped."""
    rows = []
    for agent in dict.fromkeys(agents):
        cells = []
        for use in Use:
            decision = evaluate(
                site,
                page,
                url=url,
                agent=agent,
                use=use,
                mode=mode,
                tdm_covers_search=tdm_covers_search,
                page_must_answer=False,
                aipref_draft=aipref_draft,
            )
            cells.append(Cell(value=cell_value(decision), decision=decision))
        rows.append((agent, tuple(cells)))
    return Matrix(url=url, rows=tuple(rows))
