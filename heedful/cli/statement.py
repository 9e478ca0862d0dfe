"""``heedful statement``: the licensing statement from ``heedful serve``'s usage ledger.

Amounts per licensee and per rightsholder and creator, reconciled with the tokens issued
(signalserver/statement.py). No money moves: it is what a billing system or a collective would
invoice from. Exit status 0, or 11 when a fetch has no issued token (the ledger does not
reconcile), 2 for a bad option or database.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json

import click

from heedful.cli.common import EXIT_UNRECONCILED, Failure


async def _statement(url: str, period: str | None) -> dict[str, object]:
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from heedful.signalserver.db import Database, make_engine
    from heedful.signalserver.statement import statement

    engine = make_engine(url)
    try:
        return await statement(Database(engine), period)
    except (OperationalError, ProgrammingError) as exc:
        raise Failure(
            f"no usage ledger in this database ({type(exc).__name__}): "
            "point --db at the database heedful serve uses"
        ) from None
    finally:
        await engine.dispose()


@click.command("statement")
@click.option("--db", "database", required=True, help="The database heedful serve uses.")
@click.option("--period", help="A month, e.g. 2026-12 [default: all time].")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json", "html"]),
    default="text",
    show_default=True,
)
def statement_command(database: str, period: str | None, fmt: str) -> None:
    """Amounts owed per licensee, rightsholder and creator, reconciled with the tokens issued."""
    from heedful.cli.database import prepare_database
    from heedful.signalserver.config import ConfigError, async_database_url
    from heedful.signalserver.statement import PeriodError, period_bounds, rows, text

    try:
        url = async_database_url(database)
        period_bounds(period)
    except (ConfigError, PeriodError) as exc:
        raise Failure(str(exc)) from None
    prepare_database(url, create=False)
    document = asyncio.run(_statement(url, period))
    if fmt == "json":
        click.echo(json.dumps(document, indent=2))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, ["section", "name", "licences", "fetches", "amounts"])
        writer.writeheader()
        writer.writerows(rows(document))
        click.echo(out.getvalue(), nl=False)
    elif fmt == "html":
        from heedful.signalserver.statement_page import standalone

        click.echo(standalone(document))
    else:
        click.echo(text(document), nl=False)
    recon = document["reconciliation"]
    assert isinstance(recon, dict)
    if not recon["ok"]:
        raise SystemExit(EXIT_UNRECONCILED)
