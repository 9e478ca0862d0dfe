"""How decisions and findings look on a terminal and as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from policies.budget import Coverage, Money, covers
from policies.diagnostics import Diagnostic
from policies.model import Decision, LicenseOffer, Use

STYLE: Final = {
    "allow": "green",
    "deny": "bold red",
    "license": "yellow",
    "unknown": "magenta",
    "failed": "bold magenta",
}
"""The colour of each verdict and permission, shared by every command that prints them."""


@dataclass(frozen=True, slots=True)
class Budget:
    """``heedful check --budget [--max-price]``: what an offer would have to fit."""

    total: Money
    max_price: Money | None = None

    def coverage(self, offer: LicenseOffer) -> Coverage:
        return covers(offer, self.total, self.max_price)


def decision_json(decision: Decision, budget: Budget | None = None) -> str:
    """One decision as one JSON line (the shape of ``heedful check --json``); with a budget,
    each offer says the use it is for and whether the budget covers it."""
    data = decision.as_dict()
    if budget is not None:
        data["offers"] = [
            {
                **offer.as_dict(),
                "use": str(decision.use),
                "budget": budget.coverage(offer).as_dict(),
            }
            for offer in decision.offers
        ]
    return json.dumps(data, ensure_ascii=False)


def print_decision(console: Console, decision: Decision, budget: Budget | None = None) -> None:
    """The verdict, the per-use vector and every reason, as a table."""
    verdict = str(decision.verdict)
    console.print(
        f"[bold]{decision.url}[/bold]  agent [cyan]{decision.agent}[/cyan]  use {decision.use}"
        f"  mode {decision.mode}  ->  [{STYLE[verdict]}]{verdict.upper()}[/]  (access {decision.access}"
        + (f", HTTP {decision.status}" if decision.status is not None else "")
        + ")"
    )
    vector = "  ".join(f"{use}: [{STYLE[str(p)]}]{p}[/]" for use, p in decision.uses.items())
    console.print(f"  uses  {vector}")
    for reason in decision.reasons:
        effect = reason.effect
        style = STYLE.get(effect.split()[-1], "")
        where = " ".join(filter(None, [reason.source, reason.location]))
        console.print(f"  [{style}]{effect:<14}[/] {reason.signal!s:<15} {escape(where)}")
        console.print(f"  {'':<14} {'':<15} [bold]{escape(clip(reason.rule))}[/bold]")
        if reason.note:
            console.print(f"  {'':<14} {'':<15} [dim]{escape(reason.note)}[/dim]")
    for offer in decision.offers:
        terms = ", ".join(
            filter(None, [offer.payment, offer.amount, offer.server and f"server {offer.server}"])
        )
        console.print(f"  licence offered for {decision.use}: {offer.url} ({terms})")
        if budget is not None:
            coverage = budget.coverage(offer)
            label = "covered" if coverage.covered else "not covered"
            console.print(f"    budget: {label}: {escape(coverage.reason)}")
    for free in decision.terms:
        owed = "; ".join(
            filter(
                None,
                [
                    free.payment,
                    free.copyright and f"copyright {free.copyright}",
                    free.attribution and f"credit: {free.attribution}",
                    free.standard,
                ],
            )
        )
        console.print(f"  taken under: {escape(free.url)} ({escape(owed)})")
    console.print()


def print_matrix(
    console: Console, url: str, rows: Sequence[tuple[str, Sequence[Decision]]]
) -> None:
    """Agents x uses, each cell a verdict (``heedful check --agents all``)."""
    table = Table(title=url, header_style="bold")
    table.add_column("agent")
    for use in Use:
        table.add_column(str(use))
    for agent, decisions in rows:
        table.add_row(agent, *(f"[{STYLE[str(d.verdict)]}]{d.verdict}[/]" for d in decisions))
    console.print(table)


def clip(text: str, limit: int = 240) -> str:
    """One line of a long rule (an RSL element can be a page long)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def diagnostic_line(path: str, diagnostic: Diagnostic) -> str:
    """``file:line: severity code: message``, the shape compilers and editors understand."""
    return (
        f"{path}:{diagnostic.line}: {diagnostic.severity} {diagnostic.code}: {diagnostic.message}"
    )
