"""``heedful report``, ``credits``, ``recheck`` and ``purge``: answers from the provenance ledger.

``report`` and ``credits`` only read the ledger. ``recheck`` fetches today's signals, appends a
re-check event per kept item and writes ``DIR/purge-list.jsonl``; with ``--json`` its stdout is
exactly that list as JSON Lines (progress goes to stderr). ``purge`` verifies the list against
the WARC files and, with ``--apply``, rewrites the files without the listed records. Exit
statuses: 0 done, 2 bad usage, a missing ledger or a purge list that does not match the files,
1 anything unexpected. See docs/transparency.md.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import click

from heedful.cli.common import Failure

DB_HELP = "Ledger database URL (default: DIRECTORY/ledger.sqlite)."
DIRECTORY = click.Path(file_okay=False, path_type=Path)


def _db(directory: Path, db: str) -> str:
    from heedful.cli.database import prepare_database
    from heedful.crawler.transparency.ledgerdata import LedgerMissing, resolve_db

    try:
        url = resolve_db(directory, db)
    except LedgerMissing as exc:
        raise Failure(str(exc)) from None
    prepare_database(url, create=False)
    return url


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Failure(f"cannot write {output}: {exc}") from None
    click.echo(f"wrote {output}", err=True)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n"


@click.command("report")
@click.argument("directory", type=DIRECTORY)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "json", "eu-summary", "eu-summary-json"]),
    default="html",
    show_default=True,
    help="html: self-contained page with charts; json: every figure; eu-summary: the EU public "
    "summary in Markdown; eu-summary-json: the same as JSON.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option(
    "--top-share",
    type=click.FloatRange(min=0.0, min_open=True, max=1.0),
    default=0.10,
    show_default=True,
    help="Share of domains listed as top domains (by bytes collected).",
)
@click.option("--db", default="", help=DB_HELP)
def report(directory: Path, fmt: str, output: Path | None, top_share: float, db: str) -> None:
    """Report what a crawl kept and refused, per signal, reason, origin, domain and time."""
    from heedful.crawler.transparency.eusummary import render_markdown
    from heedful.crawler.transparency.figures import report_data
    from heedful.crawler.transparency.ledgerdata import load

    figures = report_data(load(_db(directory, db)), top_share=top_share)
    if fmt == "html":
        from heedful.crawler.transparency.html import render_html

        _emit(render_html(figures), output)
    elif fmt == "json":
        _emit(_json(figures), output)
    elif fmt == "eu-summary":
        _emit(render_markdown(figures["eu_summary"]), output)
    else:
        _emit(_json(figures["eu_summary"]), output)


@click.command("credits")
@click.argument("directory", type=DIRECTORY)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--db", default="", help=DB_HELP)
def credits_command(directory: Path, fmt: str, output: Path | None, db: str) -> None:
    """List, per creator or rights holder, the works kept, their licence and credit line."""
    from heedful.crawler.transparency.credits import credits, credits_csv
    from heedful.crawler.transparency.ledgerdata import load

    result = credits(load(_db(directory, db)))
    _emit(credits_csv(result) if fmt == "csv" else _json(result), output)


@click.command("manifest")
@click.argument("directory", type=DIRECTORY)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--db", default="", help=DB_HELP)
def manifest_command(directory: Path, fmt: str, output: Path | None, db: str) -> None:
    """Write the per-item manifest to ship with a dataset: uses allowed and reserved at
    collection, the signals and aipref revision that decided, licence, credit, current state.

    Written as DIRECTORY/manifest.json or manifest.csv, `heedful recheck` keeps it current.
    """
    from heedful.crawler.transparency.ledgerdata import load
    from heedful.crawler.transparency.manifest import RENDER, manifest

    _emit(RENDER[fmt](manifest(load(_db(directory, db)))), output)


@click.command("recheck")
@click.argument("directory", type=DIRECTORY)
@click.option("--pages", is_flag=True, help="Also re-read kept pages' headers (conditional GET).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the purge list as JSON Lines, nothing else."
)
@click.option("--concurrency", type=click.IntRange(min=1, max=256), default=16, show_default=True)
@click.option("--fetch-timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True)
@click.option(
    "--fail-closed",
    is_flag=True,
    help="Withdraw items of origins whose robots.txt is unreachable today (default: unverified).",
)
@click.option("--db", default="", help=DB_HELP)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
def recheck_command(
    directory: Path,
    pages: bool,
    as_json: bool,
    concurrency: int,
    fetch_timeout: float,
    fail_closed: bool,
    db: str,
    progress: bool,
) -> None:
    """Re-decide every kept item under today's signals; write DIRECTORY/purge-list.jsonl."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from heedful.crawler.transparency.recheck import RecheckOptions, purge_line, recheck
    from heedful.policies.plural import counted

    url = _db(directory, db)
    options = RecheckOptions(
        pages=pages, concurrency=concurrency, fetch_timeout=fetch_timeout, fail_closed=fail_closed
    )
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not progress,
    )
    tasks: dict[str, Any] = {}

    def advance(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            label = "signal files" if stage == "signals" else "items"
            tasks[stage] = bar.add_task(label, total=total)
        bar.update(tasks[stage], completed=done)

    with bar:
        result = asyncio.run(recheck(directory, url, options, progress=advance))
    refreshed = _refresh_manifests(directory, url)
    if as_json:
        for entry in result.withdrawn:
            click.echo(purge_line(entry))
        return
    click.echo(
        f"recheck {result.recheck_id}: {counted(result.items, 'item')} over "
        f"{counted(result.origins, 'origin')} in {result.seconds:.1f} s"
    )
    for status in ("kept", "withdrawn", "unverified"):
        click.echo(f"{status:<10} {result.counts[status]:>7}")
    click.echo(f"purge list {result.purge_list}")
    for path in refreshed:
        click.echo(f"manifest   {path}")


def _refresh_manifests(directory: Path, url: str) -> list[Path]:
    """Rewrite the dataset manifests the crawl folder holds, so they show today's states."""
    from heedful.crawler.transparency.ledgerdata import load
    from heedful.crawler.transparency.manifest import FILES, RENDER, manifest

    present = [
        (fmt, directory / name) for fmt, name in FILES.items() if (directory / name).is_file()
    ]
    if not present:
        return []
    result = manifest(load(url))
    for fmt, path in present:
        path.write_text(RENDER[fmt](result), encoding="utf-8")
    return [path for _, path in present]


@click.command("purge")
@click.argument("directory", type=DIRECTORY)
@click.option("--apply", "apply_", is_flag=True, help="Write the new WARC files (else: dry run).")
@click.option(
    "--delete-old", is_flag=True, help="Delete the old files earlier purges kept in superseded/."
)
@click.option(
    "--list",
    "list_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Purge list (default: DIRECTORY/purge-list.jsonl).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as one JSON object.")
@click.option("--db", default="", help=DB_HELP)
def purge_command(
    directory: Path, apply_: bool, delete_old: bool, list_path: Path | None, as_json: bool, db: str
) -> None:
    """Remove the records on the purge list from the WARC files (old files kept until asked)."""
    from heedful.crawler.transparency.purge import SUPERSEDED, PurgeError, delete_superseded, purge
    from heedful.crawler.transparency.recheck import PURGE_LIST
    from heedful.policies.plural import counted

    url = _db(directory, db)
    outcome: dict[str, Any] = {}
    if apply_ or not delete_old:
        try:
            result = asyncio.run(
                purge(directory, url, list_path or directory / PURGE_LIST, apply=apply_)
            )
        except PurgeError as exc:
            raise Failure(str(exc)) from None
        outcome.update(result.as_dict())
    if delete_old:
        outcome["deleted"] = asyncio.run(delete_superseded(directory, url))
    if as_json:
        click.echo(json.dumps(outcome, ensure_ascii=False))
        return
    if "applied" in outcome:
        applied = outcome["applied"]
        records = counted(outcome["records_removed"], "record")
        files = counted(len(outcome["files"]), "file")
        if applied:
            click.echo(f"removed {records} from {files}")
        else:
            click.echo(f"dry run (add --apply): would remove {records} from {files}")
        for old, new in outcome["files"].items():
            if applied:
                click.echo(f"  wrote {new} (without them), moved {old} to {outcome['superseded']}")
            else:
                click.echo(f"  would write {new}, a copy of {old} without them")
        if not applied and outcome["files"]:
            click.echo(f"  and move the old files to {directory / SUPERSEDED}/")
        if outcome["already_purged"]:
            click.echo(f"already purged earlier: {outcome['already_purged']}")
        if applied and outcome["files"]:
            click.echo("old files are kept until --delete-old")
    if delete_old:
        click.echo(f"deleted {counted(len(outcome['deleted']), 'old file')}")
