"""``heedful violations``: the signal server's violation log, as CSV, JSON or an HTML page.

Reads the database ``heedful serve`` writes (``--db``, the same URL), newest first, in pages,
so a long log is streamed, not held. The HTML page is self-contained (inline SVG charts of
requests and violations per agent per day, no script, no external file).
"""

from __future__ import annotations

import asyncio
import csv
import html
import json
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import IO, Any, Final

import click

from heedful.cli.common import Failure

FIELDS: Final = (
    "id", "time", "agent", "verification", "evidence", "signer", "client_ip", "ip_stored_as",
    "user_agent", "method", "path", "policy_number", "policy_version", "denied", "rule",
    "action", "status", "blocked",
)  # fmt: skip
PAGE: Final = 1000


def parse_when(text: str | None, name: str) -> datetime | None:
    """``2026-12-01`` or an ISO 8601 time; naive times are UTC."""
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)  # Python 3.11 reads a trailing Z too
    except ValueError:
        raise Failure(
            f"{name}: expected a date or ISO 8601 time, e.g. 2026-12-01, not {text!r}"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


async def _rows(
    url: str, *, since: datetime | None, until: datetime | None, agent: str | None
) -> AsyncIterator[dict[str, Any]]:
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from heedful.signalserver import store
    from heedful.signalserver.db import Database, make_engine
    from heedful.signalserver.routes.admin import violation_view

    engine = make_engine(url)
    db = Database(engine)
    before: int | None = None
    try:
        while True:
            try:
                rows = await store.violations(
                    db, since=since, until=until, agent=agent, before=before, limit=PAGE
                )
            except (OperationalError, ProgrammingError) as exc:
                raise Failure(
                    f"no violation log in this database ({type(exc).__name__}): "
                    "point --db at the database heedful serve uses"
                ) from None
            for row in rows:
                yield violation_view(row)
            if len(rows) < PAGE:
                return
            before = rows[-1].id
    finally:
        await engine.dispose()


async def _days(url: str, since: datetime | None) -> list[dict[str, Any]]:
    from heedful.signalserver import store
    from heedful.signalserver.db import Database, make_engine
    from heedful.signalserver.routes.admin import day_view

    engine = make_engine(url)
    try:
        day = since.strftime("%Y-%m-%d") if since else None
        return [day_view(r) for r in await store.crawler_days(Database(engine), since=day)]
    finally:
        await engine.dispose()


async def _write(out: IO[str], fmt: str, url: str, since: datetime | None, **kw: Any) -> int:
    count = 0
    rows = _rows(url, since=since, **kw)
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        async for row in rows:
            writer.writerow(row)
            count += 1
    elif fmt == "json":
        out.write('{"violations": [')
        async for row in rows:
            out.write(("," if count else "") + "\n" + json.dumps(row, ensure_ascii=False))
            count += 1
        out.write("\n]}\n")
    else:
        count = await _html(out, rows, await _days(url, since))
    return count


async def _html(
    out: IO[str], rows: AsyncIterator[dict[str, Any]], days: list[dict[str, Any]]
) -> int:
    from heedful.signalserver.charts import stacked_days

    names = sorted({d["day"] for d in days})
    where = {day: i for i, day in enumerate(names)}
    charts = []
    for field, title in (("requests", "Crawler requests"), ("violations", "Violations")):
        series: dict[str, list[int]] = {}
        for d in days:
            series.setdefault(d["agent"], [0] * len(names))[where[d["day"]]] += d[field]
        charts.append(stacked_days(f"{field}-chart", f"{title} per agent per day", names, series))
    out.write(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Violations</title>'
        "<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}"
        "td,th{border-bottom:1px solid #ccc;padding:.2rem .4rem;text-align:left}</style></head>"
        f"<body><h1>Crawler violations</h1>{''.join(charts)}<table><tr>"
        + "".join(f"<th>{html.escape(f)}</th>" for f in FIELDS)
        + "</tr>\n"
    )
    count = 0
    async for row in rows:
        cells = "".join(f"<td>{html.escape(str(row[f]))}</td>" for f in FIELDS)
        out.write(f"<tr>{cells}</tr>\n")
        count += 1
    out.write(f"</table><p>{count} violations.</p></body></html>\n")
    return count


@click.command("violations")
@click.option("--db", "database", required=True, help="The database heedful serve writes.")
@click.option("--since", help="Only from this date or time (UTC unless it says otherwise).")
@click.option("--until", help="Only before this date or time.")
@click.option("--agent", help="Only this agent's (its catalogue token, e.g. GPTBot).")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json", "html"]), default="csv", show_default=True
)
def violations_command(
    database: str, since: str | None, until: str | None, agent: str | None, fmt: str
) -> None:
    """Every request the policy in force denied, newest first, with the rule and its version.

    Exit status: 0 (also when there are none), 2 for bad usage or a database without the log.
    """
    from heedful.cli.database import prepare_database
    from heedful.signalserver.config import ConfigError, async_database_url

    try:
        url = async_database_url(database)
    except ConfigError as exc:
        raise Failure(str(exc)) from None
    prepare_database(url, create=False)
    begin, end = parse_when(since, "--since"), parse_when(until, "--until")
    asyncio.run(_write(sys.stdout, fmt, url, begin, until=end, agent=agent))
