"""How ``heedful logs`` writes its report: text, JSON, CSV or a self-contained HTML page.

The violations are read back from the spool the command wrote while reading (one JSON object
per line), so every format streams them and none holds them all in memory.
"""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import IO, Any, Final

from heedful.policies.logs import AgentStats, LogSummary, Violation

AGENT_FIELDS: Final = (
    "agent", "operator", "purposes", "requests", "pages", "bytes", "first_seen", "last_seen",
    "robots_txt_first", "robots_txt_requests", "verification", "violations", "blocked",
)  # fmt: skip
VIOLATION_FIELDS: Final = (
    "time", "agent", "verification", "client_ip", "method", "target", "status", "denied",
    "rule", "blocked", "where", "policy_version",
)  # fmt: skip


def _iso(value: float | None) -> str | None:
    """Unix seconds as ISO 8601 in UTC (the log's own offsets are not kept)."""
    return datetime.fromtimestamp(value, UTC).isoformat() if value is not None else None


def agent_row(stats: AgentStats) -> dict[str, Any]:
    """One agent's counters as plain JSON values."""
    return {
        "agent": stats.agent.token,
        "operator": stats.agent.operator,
        "purposes": list(stats.agent.purposes),
        "requests": stats.requests,
        "pages": stats.pages,
        "bytes": stats.bytes,
        "first_seen": _iso(stats.first_seen),
        "last_seen": _iso(stats.last_seen),
        "robots_txt_first": stats.robots_first,
        "robots_txt_requests": stats.robots_requests,
        "verification": dict(sorted(stats.levels.items())),
        "violations": stats.violations,
        "blocked": stats.blocked,
    }


def spool_line(violation: Violation) -> str:
    """One violation as the spool keeps it: a JSON array in :data:`VIOLATION_FIELDS` order."""
    v = violation
    row = (v.time, v.agent, v.level, v.client_ip, v.method, v.target, v.status, v.denied, v.rule,
           v.blocked, v.where, v.policy_version)  # fmt: skip
    # Default arguments: json.dumps then reuses its one C encoder instead of building one per call.
    return json.dumps(row) + "\n"


def violation_row(violation: Violation) -> dict[str, Any]:
    """One violation as plain JSON values."""
    return {
        "time": _iso(violation.time),
        "agent": violation.agent,
        "verification": violation.level,
        "client_ip": violation.client_ip,
        "method": violation.method,
        "target": violation.target,
        "status": violation.status,
        "denied": violation.denied,
        "rule": violation.rule,
        "blocked": violation.blocked,
        "where": violation.where,
        "policy_version": violation.policy_version,
    }


def summary_row(summary: LogSummary, *, files: list[str], policy: str) -> dict[str, Any]:
    return {
        "files": files,
        "policy": policy,
        "lines": summary.lines,
        "requests": summary.requests,
        "crawler_requests": summary.crawler_requests,
        "unreadable": sum(summary.unreadable.values()),
        "unreadable_by_reason": dict(sorted(summary.unreadable.items())),
        "unreadable_samples": summary.samples,
        "violations": summary.violations,
        "identification": "User-Agent against the catalogue, client IP against the shipped "
        "IP range snapshots (no signatures in access logs)",
        "history": "not read: one policy is applied to the whole log",
    }


def _rows(spool: IO[str]) -> Iterator[dict[str, Any]]:
    spool.seek(0)
    for line in spool:
        row = dict(zip(VIOLATION_FIELDS, json.loads(line), strict=True))
        row["time"] = _iso(row["time"])
        yield row


def _ordered(agents: Iterable[AgentStats]) -> list[AgentStats]:
    return sorted(agents, key=lambda s: (-s.requests, s.agent.token))


def write_json(
    out: IO[str], head: dict[str, Any], agents: Iterable[AgentStats], spool: IO[str]
) -> None:
    out.write('{"summary": ' + json.dumps(head, ensure_ascii=False))
    out.write(
        ', "agents": ' + json.dumps([agent_row(s) for s in _ordered(agents)], ensure_ascii=False)
    )
    out.write(', "violations": [')
    for i, row in enumerate(_rows(spool)):
        out.write(("\n  " if i == 0 else ",\n  ") + json.dumps(row, ensure_ascii=False))
    out.write("]}\n")


def write_csv(
    out: IO[str], head: dict[str, Any], agents: Iterable[AgentStats], spool: IO[str]
) -> None:
    """One table with a ``record`` column: ``agent`` rows, then ``violation`` rows, then
    ``unreadable`` rows (one per reason), so a spreadsheet or ``csv.DictReader`` reads it whole.
    """
    fields = ["record", *dict.fromkeys((*AGENT_FIELDS, *VIOLATION_FIELDS, "reason", "count"))]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for stats in _ordered(agents):
        row = agent_row(stats)
        row["purposes"] = " ".join(row["purposes"])
        row["verification"] = " ".join(f"{k}={v}" for k, v in row["verification"].items())
        writer.writerow({"record": "agent", **row})
    for row in _rows(spool):
        writer.writerow({"record": "violation", **row})
    for reason, count in head["unreadable_by_reason"].items():
        writer.writerow({"record": "unreadable", "reason": reason, "count": count})


def write_text(
    out: IO[str], head: dict[str, Any], agents: Iterable[AgentStats], spool: IO[str]
) -> None:
    out.write(
        f"{head['lines']} lines, {head['requests']} requests, {head['crawler_requests']} from known "
        f"crawlers, {head['unreadable']} unreadable, {head['violations']} violations "
        f"(policy {head['policy']})\n"
    )
    for reason, count in head["unreadable_by_reason"].items():
        out.write(f"  unreadable: {count} {reason}\n")
    for sample in head["unreadable_samples"]:
        out.write(f"    e.g. {sample}\n")
    out.write(
        "\nagent                     requests    pages        bytes  robots.txt first  verification            violations  first seen -> last seen\n"
    )
    for stats in _ordered(agents):
        row = agent_row(stats)
        first = {True: "yes", False: "no", None: "-"}[row["robots_txt_first"]]
        levels = ",".join(f"{k}={v}" for k, v in row["verification"].items())
        out.write(
            f"{row['agent']:<25} {row['requests']:>8} {row['pages']:>8} {row['bytes']:>12}  {first:<16}  "
            f"{levels:<22} {row['violations']:>10}  {row['first_seen']} -> {row['last_seen']}\n"
        )
    header = False
    for row in _rows(spool):
        if not header:
            out.write("\nviolations (time agent verification ip request status: denied by rule)\n")
            header = True
        blocked = " [blocked]" if row["blocked"] else ""
        out.write(
            f"{row['time']} {row['agent']} {row['verification']} {row['client_ip']} "
            f"{row['method']} {row['target']} {row['status']}{blocked}: {row['denied']} denied by "
            f"{row['rule']}  ({row['where']})\n"
        )


def _heading(field: str) -> str:
    """A column name as a reader says it: ``robots_txt_first`` -> ``robots.txt first``."""
    return field.replace("robots_txt", "robots.txt").replace("_", " ")


def _cell(value: object) -> str:
    """A value as a reader reads it: yes/no for booleans, ``a=1, b=2`` for counts."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) > 19 and value[10:11] == "T":
        return value[:19].replace("T", " ")  # ISO times, to the second, in UTC
    return "" if value is None else str(value)


def write_html(
    out: IO[str], head: dict[str, Any], agents: Iterable[AgentStats], spool: IO[str]
) -> None:
    e = html.escape
    out.write(
        "<!doctype html>\n<html lang=en><meta charset=utf-8><title>Heedful: AI crawlers in the access log</title>"
        "<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
        "td.n{text-align:right}.deny{color:#a00}.wide{overflow-x:auto;max-width:100%}"
        "</style>\n<h1>AI crawlers in the access log</h1>\n<p>Times are UTC.</p>\n"
    )
    out.write(
        f"<p>{head['lines']} lines, {head['requests']} requests, {head['crawler_requests']} from "
        f"known crawlers, <strong>{head['unreadable']} unreadable</strong>, "
        f"<strong class=deny>{head['violations']} violations</strong> of {e(head['policy'])}.</p>\n"
        f"<p>Files: {e(', '.join(head['files']))}. Identification: {e(head['identification'])}.</p>\n"
    )
    if head["unreadable_by_reason"]:
        out.write("<ul>")
        for reason, count in head["unreadable_by_reason"].items():
            out.write(f"<li>{count} unreadable: {e(reason)}</li>")
        out.write("</ul>\n")
    out.write(
        "<h2>Agents</h2>\n<div class=wide><table><tr>"
        + "".join(f"<th>{e(_heading(f))}</th>" for f in AGENT_FIELDS)
        + "</tr>\n"
    )
    for stats in _ordered(agents):
        row = agent_row(stats)
        cells = []
        for name in AGENT_FIELDS:
            value = row[name]
            klass = " class=n" if isinstance(value, int) and not isinstance(value, bool) else ""
            cells.append(f"<td{klass}>{e(_cell(value))}</td>")
        out.write("<tr>" + "".join(cells) + "</tr>\n")
    out.write(
        "</table></div>\n<h2>Violations</h2>\n<div class=wide><table><tr>"
        + "".join(f"<th>{e(_heading(f))}</th>" for f in VIOLATION_FIELDS)
        + "</tr>\n"
    )
    for row in _rows(spool):
        out.write(
            "<tr>" + "".join(f"<td>{e(_cell(row[f]))}</td>" for f in VIOLATION_FIELDS) + "</tr>\n"
        )
    out.write("</table></div>\n</html>\n")


Writer = Callable[[IO[str], dict[str, Any], Iterable[AgentStats], IO[str]], None]
WRITERS: Final[dict[str, Writer]] = {
    "text": write_text,
    "json": write_json,
    "csv": write_csv,
    "html": write_html,
}
