"""``heedful logs ACCESS_LOG... --policy site.toml``: which AI crawlers came and what they broke.

This module only moves bytes: it opens each log (gzip-compressed ones by their magic bytes,
whatever their name), feeds its lines to :class:`heedful.policies.logs.LogAnalyzer` in 1 MiB chunks,
and spools violations to a temporary file so memory stays bounded however long the log.

Exit status: 0 (also when violations are found, unless ``--fail-on violation``),
:data:`heedful.cli.common.EXIT_VIOLATIONS` with ``--fail-on violation`` when any request
violated the policy, 2 for bad usage or an unreadable policy or log file.
"""

from __future__ import annotations

import asyncio
import gzip
import sys
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Final

import click

from heedful.cli.common import EXIT_VIOLATIONS, Failure
from heedful.cli.logs_output import WRITERS, spool_line, summary_row
from heedful.policies.errors import PolicyFormatError
from heedful.policies.identity.ranges import IpRanges, RangeFileError, parse_snapshot
from heedful.policies.logs import LogAnalyzer
from heedful.policies.logs.analyze import PolicyEra
from heedful.policies.logs.lines import split_batches
from heedful.policies.sitepolicy import load_site_policy

CHUNK: Final = 1 << 20
GZIP_MAGIC: Final = b"\x1f\x8b"


def _chunks(
    stream: IO[bytes], analyzer: LogAnalyzer, source: str, state: list[int]
) -> Iterator[bytes]:
    """The file's bytes; a damaged gzip stream ends the file and is reported as unreadable."""
    while True:
        try:
            chunk = stream.read(CHUNK)
        except (EOFError, OSError, zlib.error) as exc:
            analyzer.unreadable(
                f"damaged gzip stream, rest of file lost ({exc})", where=f"{source}:{state[0] + 1}"
            )
            return
        if not chunk:
            return
        yield chunk


def read_log(path: Path, analyzer: LogAnalyzer, spool: IO[str]) -> None:
    """Feed every line of one log file to the analyzer; violations go to ``spool``."""
    source = str(path)
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise Failure(f"cannot read {path}: {exc.strerror or exc}") from None
    with raw:
        stream: IO[bytes] = raw
        if raw.read(2) == GZIP_MAGIC:
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
        else:
            raw.seek(0)
        state = [0]
        for batch in split_batches(_chunks(stream, analyzer, source, state)):
            for violation in analyzer.feed_lines(batch, source=source, first=state[0] + 1):
                spool.write(spool_line(violation))
            state[0] += len(batch)


def policy_history(database: str) -> list[PolicyEra]:
    """The versions a ``heedful serve`` database published, each from the instant it went live
    (docs/enforcement.md); a database with none judges by ``--policy``."""
    from heedful.cli.database import prepare_database
    from heedful.signalserver.config import ConfigError, async_database_url

    try:
        url = async_database_url(database)
    except ConfigError as exc:
        raise Failure(str(exc)) from None
    prepare_database(url, create=False)
    return asyncio.run(_history(url))


async def _history(url: str) -> list[PolicyEra]:
    from heedful.signalserver import store
    from heedful.signalserver.db import Database, make_engine
    from heedful.signalserver.publishing import to_live

    engine = make_engine(url)
    try:
        rows = await store.policy_history(Database(engine))
    finally:
        await engine.dispose()
    eras = []
    for row in rows:
        live = to_live(row)
        eras.append(
            PolicyEra(start=live.created_at.timestamp(), policy=live.policy, version=live.version)
        )
    return eras


def load_ranges(folder: Path | None) -> IpRanges:
    """The shipped snapshots, or those in ``folder`` (``*.json``, e.g. refreshed copies)."""
    if folder is None:
        return IpRanges.bundled()
    try:
        files = sorted(folder.glob("*.json"))
        snaps = [parse_snapshot(p.stem, p.read_text(encoding="utf-8")) for p in files]
        return IpRanges.prepare(snaps)
    except (OSError, RangeFileError, ValueError) as exc:
        raise Failure(f"cannot read ranges in {folder}: {exc}") from None


@click.command("logs")
@click.argument("logs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--policy",
    "policy_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The site policy (TOML) the requests are judged against.",
)
@click.option(
    "--format", "fmt", type=click.Choice(sorted(WRITERS)), default="text", show_default=True
)
@click.option(
    "--fail-on",
    type=click.Choice(["violation"]),
    default=None,
    help=f"Exit {EXIT_VIOLATIONS} when any request violated the policy.",
)
@click.option(
    "--ranges",
    "ranges_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Read IP range snapshots from this folder instead of the shipped ones.",
)
@click.option(
    "--history",
    "history_db",
    default=None,
    metavar="DB",
    help="A heedful serve database: judge each request by the policy version in force then.",
)
def logs_command(
    logs: tuple[Path, ...],
    policy_path: Path,
    fmt: str,
    fail_on: str | None,
    ranges_dir: Path | None,
    history_db: str | None,
) -> None:
    """Report which AI crawlers an access log shows, and every request the policy denied.

    Reads combined/common log format (nginx, Apache) and Caddy JSON logs, gzip-rotated files
    too. Crawlers are identified by User-Agent and checked against their operators' published
    IP ranges. Unreadable lines are counted and reported, never skipped silently.

    Exit status: 0; with --fail-on violation, 9 when any violation is found; 2 for bad usage
    or an unreadable policy or log file.
    """
    try:
        policy = load_site_policy(policy_path.read_bytes(), filename=str(policy_path))
    except OSError as exc:
        raise Failure(f"cannot read {policy_path}: {exc.strerror or exc}") from None
    except PolicyFormatError as exc:
        raise Failure(str(exc)) from None
    history = policy_history(history_db) if history_db else []
    analyzer = LogAnalyzer(policy=policy, ranges=load_ranges(ranges_dir), history=history)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for path in logs:
            read_log(path, analyzer, spool)
        head = summary_row(analyzer.summary, files=[str(p) for p in logs], policy=str(policy_path))
        out = sys.stdout
        WRITERS[fmt](out, head, analyzer.agents.values(), spool)
        out.flush()
    if fail_on == "violation" and analyzer.summary.violations:
        sys.exit(EXIT_VIOLATIONS)
