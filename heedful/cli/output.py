"""How decisions and findings look on a terminal and as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from heedful.client.media import NOT_FETCHED_WHOLE, MediaCheck
from heedful.policies.budget import Coverage, Money, covers
from heedful.policies.diagnostics import Diagnostic
from heedful.policies.licensing.offers import offered_usage
from heedful.policies.model import Decision, LicenseOffer, Mode, Use

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
            {**offer_json(offer, budget), "use": str(decision.use)} for offer in decision.offers
        ]
    return json.dumps(data, ensure_ascii=False)


def offer_terms(offer: LicenseOffer) -> str:
    """One offer in a line: uses, payment and price, scope, server, rightsholder, creators."""
    uses = " ".join(offered_usage(offer)) or "every usage not prohibited"
    consent = offer.creator_consent or ("not stated" if offer.creators else "")
    return ", ".join(
        filter(
            None,
            [
                f"uses {uses}",
                offer.payment,
                offer.amount
                or ("no price" if offer.payment not in ("free", "attribution") else ""),
                offer.scope and f"scope {offer.scope}",
                offer.server and f"server {offer.server}",
                offer.copyright and f"rightsholder {offer.copyright}",
                offer.creators and f"creators {offer.creators}",
                consent and f"creator consent {consent}",
            ],
        )
    )


def print_offer(
    console: Console, offer: LicenseOffer, budget: Budget | None, *, use: str = ""
) -> None:
    """An offer (``heedful check``, ``heedful audit``) and whether the budget would cover it."""
    what = f"licence offered for {use}" if use else "licence offered"
    console.print(f"  {what}: {escape(offer.url)} ({escape(offer_terms(offer))})")
    if budget is not None:
        coverage = budget.coverage(offer)
        label = "covered" if coverage.covered else "not covered"
        console.print(f"    budget: {label}: {escape(coverage.reason)}")


def offer_json(offer: LicenseOffer, budget: Budget | None) -> dict[str, object]:
    """An offer as JSON, with its usage and scope and, given a budget, its coverage."""
    out: dict[str, object] = {**offer.as_dict(), "usage": list(offered_usage(offer))}
    if offer.scope:
        out["scope"] = offer.scope
    if budget is not None:
        out["budget"] = budget.coverage(offer).as_dict()
    return out


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
        print_offer(console, offer, budget, use=str(decision.use))
    if decision.missing:
        consent = (
            f" (creator consent {decision.creator_consent})" if decision.creator_consent else ""
        )
        console.print(f"  missing for {decision.use}: {', '.join(decision.missing)}{consent}")
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


def print_media(
    console: Console, check: MediaCheck, use: Use, *, mode: Mode, tdm_covers_search: bool
) -> None:
    """What the file says, where it says it, and the verdict per use."""
    from heedful.policies.signals.media import combined_uses

    signals = check.signals
    verdict = str(check.verdict(use, mode=mode, tdm_covers_search=tdm_covers_search))
    media_type = signals.media_type if signals is not None else ""
    console.print(
        f"[bold]{escape(check.target)}[/bold]  {media_type or 'unknown type'}  use {use}"
        f"  mode {mode}  ->  [{STYLE[verdict]}]{verdict.upper()}[/]"
    )
    if check.decision is not None:
        console.print(
            f"  site verdict {check.decision.verdict} (see above); the file can only narrow it"
        )
    if signals is None:
        console.print(f"  [{STYLE['unknown']}]{escape(NOT_FETCHED_WHOLE)}[/]")
        console.print()
        return
    if signals.manifest:
        console.print(f"  C2PA manifest: {signals.manifest}")
    own = combined_uses(signals.statements, tdm_covers_search=tdm_covers_search)
    console.print(
        "  file says  " + "  ".join(f"{u}: [{STYLE[str(p)]}]{p}[/]" for u, p in own.items())
    )
    if not signals.statements:
        console.print("  [dim]no embedded statement about AI or TDM use[/dim]")
    for stmt in signals.statements:
        said = ", ".join(f"{u} {p}" for u, p in stmt.uses.items()) or "nothing"
        console.print(
            f"  {stmt.signal!s:<8} {escape(stmt.location)}: [bold]{escape(stmt.rule[:160])}[/bold] -> {said}"
        )
        if stmt.note:
            console.print(f"  {'':<8} [dim]{escape(stmt.note)}[/dim]")
        if stmt.offer is not None:
            console.print(f"  {'':<8} licence offered: {escape(stmt.offer.url)}")
    for credit in signals.credits:
        console.print(
            f"  credit   {credit.field}: {escape(credit.value)} [dim]({escape(credit.location)})[/dim]"
        )
    for found in signals.diagnostics:
        console.print(f"  {found.severity}  {found.code}: {escape(found.message)}")
    console.print()
