"""How an audit looks: a rich terminal report, JSON, and SARIF 2.1.0 for CI systems.

SARIF (OASIS Static Analysis Results Interchange Format 2.1.0): one run, the rules of
:data:`heedful.policies.audit.findings.RULES` as ``tool.driver.rules``, one result per finding whose
locations are the quoted statements (file URL and line); the first statement is the primary
location, the others are ``relatedLocations``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from heedful.cli.output import STYLE, clip, print_decision
from heedful.client.audit_media import MediaAudit
from heedful.policies.audit.analysis import AuditReport
from heedful.policies.audit.diff import Difference
from heedful.policies.audit.findings import RULES, Evidence, Finding
from heedful.policies.audit.offer_diff import OfferDifference
from heedful.policies.diagnostics import Severity
from heedful.policies.model import Use, Verdict
from heedful.policies.plural import counted, plural

SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION: Final = "2.1.0"
_LEVEL: Final = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_STYLE: Final = {
    **STYLE,
    # A matrix cell is unknown when only the mode's default decided: quiet, not a warning.
    str(Verdict.UNKNOWN): "dim",
    str(Severity.ERROR): "bold red",
    str(Severity.WARNING): "yellow",
    str(Severity.INFO): "cyan",
}
INFORMATION_URI: Final = "https://heedful.invalid/docs/audit"


def report_json(report: AuditReport) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False)


def _region(evidence: Evidence) -> dict[str, object]:
    location: dict[str, object] = {
        "physicalLocation": {"artifactLocation": {"uri": evidence.source or "unknown"}},
        "message": {"text": f"{evidence.location}: {evidence.rule}"},
    }
    if evidence.line > 0:
        physical = location["physicalLocation"]
        assert isinstance(physical, dict)
        physical["region"] = {"startLine": evidence.line, "snippet": {"text": evidence.rule}}
    return location


def sarif(report: AuditReport, *, version: str = "0.1.0") -> dict[str, object]:
    """The audit as one SARIF 2.1.0 log."""
    rule_ids = list(RULES)
    rules = [
        {
            "id": rule.id,
            "name": rule.name,
            "shortDescription": {"text": rule.title},
            "helpUri": f"{INFORMATION_URI}#{rule.id.lower()}",
            "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        }
        for rule in RULES.values()
    ]
    results = []
    for finding in report.findings:
        primary, *related = finding.evidence or (Evidence(source=report.url, location="", rule=""),)
        result: dict[str, object] = {
            "ruleId": finding.rule,
            "ruleIndex": rule_ids.index(finding.rule),
            "level": _LEVEL[finding.severity],
            "message": {"text": finding.message},
            "locations": [_region(primary)],
            "properties": {
                "uses": [str(u) for u in finding.uses],
                "agents": list(finding.agents),
                "paths": list(finding.paths),
            },
        }
        if related:
            result["relatedLocations"] = [
                {"id": index, **_region(evidence)} for index, evidence in enumerate(related, 1)
            ]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "heedful",
                        "version": version,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"SITE": {"uri": report.origin.rstrip("/") + "/"}},
                "results": results,
            }
        ],
    }


def print_report(console: Console, report: AuditReport, *, matrix: bool = True) -> None:
    """Findings first (what to fix), then the score, then the matrix."""
    counts = ", ".join(
        counted(report.count(s), str(s), str(s) if s is Severity.INFO else "") for s in Severity
    )
    console.print(f"[bold]heedful audit[/bold] {escape(report.url)}  ({counts})\n")
    if not report.findings:
        console.print("[green]No findings.[/green]\n")
    for finding in report.findings:
        print_finding(console, finding)
    if report.served:
        _print_served(console, report)
    _print_scores(console, report)
    if matrix:
        _print_matrix(console, report)


def print_finding(console: Console, finding: Finding) -> None:
    sev = str(finding.severity)
    console.print(
        f"[{_STYLE[sev]}]{sev:<7}[/] [bold]{finding.rule}[/bold] {finding.name}: "
        f"{escape(finding.message)}"
    )
    for evidence in finding.evidence:
        line = f":{evidence.line}" if evidence.line else ""
        console.print(f"         {escape(evidence.source)}{line} ({escape(evidence.location)})")
        console.print(f"           [bold]{escape(clip(evidence.rule, 200))}[/bold]")
    extra = []
    if finding.uses:
        extra.append("uses " + ", ".join(str(u) for u in finding.uses))
    if finding.agents:
        extra.append("agents " + ", ".join(finding.agents))
    if finding.paths:
        extra.append("paths " + ", ".join(finding.paths))
    if extra:
        console.print(f"         [dim]{escape('; '.join(extra))}[/dim]")
    console.print()


def _print_served(console: Console, report: AuditReport) -> None:
    """What each agent probe was served: robots.txt and the status of each page."""
    table = Table(title="What each agent probe was served", header_style="bold")
    table.add_column("probe")
    table.add_column("robots.txt")
    table.add_column("pages")
    for probe in report.served:
        statuses = ", ".join(str(page.status or "no answer") for page in probe.pages) or "none"
        table.add_row(probe.label, probe.robots_digest(), statuses)
    console.print(table)
    console.print()


def _print_scores(console: Console, report: AuditReport) -> None:
    console.print("[bold]Machine-readability score[/bold] (docs/audit.md: 5 criteria x 20 points)")
    for use_score in report.scores:
        parts = "; ".join(f"{c.name} {c.points} ({escape(c.reason)})" for c in use_score.criteria)
        console.print(f"  {use_score.use!s:<12} {use_score.total:>3}/100  [dim]{parts}[/dim]")
    console.print()


def _print_matrix(console: Console, report: AuditReport) -> None:
    table = Table(title=f"Agents x uses at {report.url}", header_style="bold")
    table.add_column("agent")
    for use in Use:
        table.add_column(str(use))
    for agent, cells in report.matrix.rows:
        table.add_row(agent, *(f"[{_STYLE[c.value]}]{c.value}[/]" for c in cells))
    console.print(table)


def explain(console: Console, report: AuditReport, agent: str, use: Use) -> bool:
    """Print the decision behind one matrix cell; False when the agent is not in the matrix."""
    cell = report.matrix.cell(agent, use)
    if cell is None:
        return False
    console.print(f"cell {agent} x {use}: [{_STYLE[cell.value]}]{cell.value}[/]")
    print_decision(console, cell.decision)
    return True


def diff_json(url: str, differences: Sequence[Difference]) -> str:
    """The JSON object of ``heedful diff --json``."""
    return json.dumps(
        {
            "url": url,
            "differences": [d.as_dict() for d in differences],
            "count": len(differences),
        },
        indent=2,
        ensure_ascii=False,
    )


def print_differences(console: Console, url: str, differences: Sequence[Difference]) -> None:
    """The differing cells, grouped by the live statement responsible for them."""
    if not differences:
        console.print(f"[green]{escape(url)}: the live site decides every cell as the policy.[/]")
        return
    console.print(
        f"[bold]{counted(len(differences), 'cell')} {plural(len(differences), 'differs', 'differ')} from the policy[/bold] ({escape(url)})"
    )
    groups: dict[tuple[str, str, str], list[Difference]] = {}
    for d in differences:
        groups.setdefault((d.because.source, d.because.location, d.because.rule), []).append(d)
    for (source, location, rule), cells in groups.items():
        line = cells[0].because.line
        where = source + (f":{line}" if line else "")
        console.print(f"\n  because {escape(where)} ({escape(location)})")
        console.print(f"    [bold]{escape(clip(rule, 200))}[/bold]")
        for d in cells:
            console.print(
                f"    {escape(d.path)}  {d.agent}  {d.use}: live "
                f"[{_STYLE[str(d.live)]}]{d.live}[/], policy [{_STYLE[str(d.intended)]}]"
                f"{d.intended}[/]"
            )


def print_offer_differences(console: Console, offers: Sequence[OfferDifference]) -> None:
    """Licence terms the live site states otherwise than the policy's offers (price first)."""
    if not offers:
        return
    console.print(
        f"\n[bold]{counted(len(offers), 'licence term')} differ from the policy's offers[/bold]"
    )
    for d in sorted(offers, key=lambda d: (d.field != "price", d.path, d.use)):
        console.print(f"    {escape(str(d))}")


def with_media(report_json: str, audit: MediaAudit) -> str:
    """``heedful audit --json`` with the media audit as its ``media`` member."""
    payload = json.loads(report_json)
    payload["media"] = audit.as_dict()
    return json.dumps(payload, indent=2, ensure_ascii=False)


def print_media_audit(console: Console, audit: MediaAudit) -> None:
    """The media section of the text report: each finding with its URL and field."""
    console.print()
    console.print(
        f"[bold]Media[/bold]  {len(audit.read)} read, {len(audit.skipped)} skipped, "
        f"{len(audit.findings)} findings"
    )
    for found in audit.findings:
        style = {Severity.ERROR: STYLE["deny"], Severity.WARNING: STYLE["license"]}.get(
            found.severity, "dim"
        )
        where = f"{found.url}  {found.field}" if found.field else found.url
        console.print(
            f"  [{style}]{found.severity}[/] {found.code}  {escape(where)}\n"
            f"      {escape(found.message)}"
        )
    for url, why in audit.skipped:
        console.print(f"  [dim]skipped {escape(url)}: {escape(why)}[/dim]")
