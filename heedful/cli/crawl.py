"""``heedful crawl`` and ``heedful ledger``: run a compliant crawl, export its provenance ledger.

``crawl`` runs Scrapy (``CrawlerProcess``, the asyncio reactor) with the Heedful add-on and the
reference spider, shows a progress bar on stderr and prints a summary on stdout. ``ledger``
prints one JSON object per considered URL (issue 4 section 3). Exit statuses: 0 done, 2 bad
usage or an unreadable ledger, 1 anything unexpected.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import click

from heedful.cli.common import AIPREF_DRAFT_OPTION, EXIT_FAILED, Failure
from heedful.policies.agents import HEEDFUL_TOKEN
from heedful.policies.model import Mode, Use
from heedful.policies.origin import BadURL, origin_of
from heedful.policies.plural import counted


def _signing(key_file: Path | None, agent: str) -> dict[str, Any]:
    """The signing settings, checked now so a bad key is a usage error, not a silent crawl."""
    from heedful.policies.identity.signing import RequestSigner, SigningKeyError, load_private_key

    if key_file is None or not agent:
        raise Failure("--signing-key and --signature-agent go together")
    try:
        RequestSigner(key=load_private_key(key_file.read_bytes()), signature_agent=agent)
    except OSError as exc:
        raise Failure(f"cannot read {key_file}: {exc.strerror or exc}") from None
    except SigningKeyError as exc:
        raise Failure(f"{key_file}: {exc}") from None
    return {"HEEDFUL_SIGNING_KEY": str(key_file.resolve()), "HEEDFUL_SIGNATURE_AGENT": agent}


def _licensing(
    budget: str, max_price: str, client_id: str, client_secret: str, credentials: Path | None
) -> dict[str, Any]:
    """The licensing settings, checked now so a bad budget or credentials file is a usage
    error; the secret travels as a :class:`~heedful.crawler.licensing.credentials.Secret`,
    which no log line or error message can print."""
    from heedful.crawler.licensing.credentials import CredentialsError, Secret, load_credentials
    from heedful.policies.budget import BadMoney, parse_money

    out: dict[str, Any] = {}
    for name, text, flag in (
        ("HEEDFUL_LICENCE_BUDGET", budget, "--licence-budget"),
        ("HEEDFUL_LICENCE_MAX_PRICE", max_price, "--max-price"),
    ):
        if text:
            try:
                out[name] = str(parse_money(text))
            except BadMoney as exc:
                raise Failure(f"{flag}: {exc}") from None
    if max_price and not budget:
        raise Failure("--max-price needs --licence-budget")
    path = str(credentials.resolve()) if credentials is not None else ""
    try:
        load_credentials(client_id, client_secret, path)
    except CredentialsError as exc:
        raise Failure(str(exc)) from None
    if client_id:
        out["HEEDFUL_LICENCE_CLIENT_ID"] = client_id
        out["HEEDFUL_LICENCE_CLIENT_SECRET"] = Secret(client_secret)
    if path:
        out["HEEDFUL_LICENCE_CREDENTIALS"] = path
    return out


def _settings(
    *,
    agent: str,
    use: str,
    mode: str,
    out: Path,
    db: str,
    strict: bool,
    crawl_id: str,
    fetch_timeout: float,
    concurrency: int,
    warc_max_bytes: int,
    redis_url: str,
    redis_key: str,
    extra: dict[str, str],
    aipref_draft: str = "08",
) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "ADDONS": {"heedful.crawler.addon.HeedfulAddon": 0},
        "HEEDFUL_PRODUCT_TOKEN": agent,
        "HEEDFUL_USE": use,
        "HEEDFUL_MODE": mode,
        "HEEDFUL_STRICT": strict,
        "HEEDFUL_AIPREF_DRAFT": aipref_draft,
        "HEEDFUL_OUT_DIR": str(out),
        "HEEDFUL_LEDGER_URL": db,
        "HEEDFUL_CRAWL_ID": crawl_id,
        "HEEDFUL_FETCH_TIMEOUT": fetch_timeout,
        "HEEDFUL_WARC_MAX_BYTES": warc_max_bytes,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_TIMEOUT": max(fetch_timeout * 3, 10.0),
        "RETRY_TIMES": 1,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
    }
    if redis_url:
        from heedful.crawler.distributed import redis_settings

        settings.update(redis_settings(redis_url, redis_key or f"heedful:{crawl_id}"))
    settings.update(extra)
    return settings


def _parse_set(values: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise Failure(f"--set expects NAME=VALUE, got {item!r}")
        try:
            out[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[name.strip()] = value
    return out


@click.command("crawl")
@click.argument("urls", nargs=-1, required=True)
@click.option("--agent", default=HEEDFUL_TOKEN, show_default=True, help="Product token.")
@click.option(
    "--use",
    "use",
    type=click.Choice([str(u) for u in Use]),
    default="ai-train",
    show_default=True,
    help="The declared use of the content.",
)
@click.option(
    "--mode",
    type=click.Choice([str(m) for m in Mode]),
    default="opt-out",
    show_default=True,
    help="What silence means.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for WARC files and the default SQLite ledger.",
)
@click.option(
    "--max-pages",
    type=click.IntRange(min=0),
    default=0,
    help="Stop after this many requests (0: no limit).",
)
@click.option("--db", default="", help="Ledger database URL (default: OUT/ledger.sqlite).")
@click.option(
    "--strict",
    is_flag=True,
    help="Read a robots.txt block of any AI-training crawler as a reservation.",
)
@click.option("--crawl-id", default="", help="Identifier shared by distributed workers.")
@click.option(
    "--fetch-timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds for each signal-file fetch.",
)
@click.option("--concurrency", type=click.IntRange(min=1), default=16, show_default=True)
@click.option(
    "--warc-max-bytes",
    type=click.IntRange(min=1),
    default=1_000_000_000,
    show_default=True,
    help="Start a new WARC file past this size.",
)
@click.option(
    "--redis",
    "redis_url",
    default="",
    help="Run as one worker of a distributed crawl (scrapy-redis).",
)
@click.option("--redis-key", default="", help="Redis key prefix shared by the workers.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@click.option(
    "--signing-key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Sign every request for Web Bot Auth with this Ed25519 key (heedful keys generate).",
)
@click.option(
    "--signature-agent",
    default="",
    metavar="URL",
    help="The https:// origin publishing the key directory (with --signing-key).",
)
@click.option(
    "--licence-budget",
    default="",
    metavar="MONEY",
    help='Buy licences sites offer, spending at most this in total, e.g. "USD 5.00".',
)
@click.option(
    "--max-price",
    default="",
    metavar="MONEY",
    help='The most one licence (or one per-fetch charge) may cost, e.g. "USD 0.02".',
)
@click.option("--client-id", default="", help="Licence client id (one licence server).")
@click.option(
    "--client-secret",
    default="",
    envvar="HEEDFUL_LICENCE_CLIENT_SECRET",
    help="Licence client secret (or the HEEDFUL_LICENCE_CLIENT_SECRET environment variable).",
)
@click.option(
    "--credentials",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="JSON file of licence client credentials keyed by licence server URL.",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="NAME=VALUE",
    help="Any Scrapy or HEEDFUL_* setting (JSON values accepted).",
)
@AIPREF_DRAFT_OPTION
def crawl(
    urls: tuple[str, ...],
    agent: str,
    use: str,
    mode: str,
    out: Path,
    max_pages: int,
    db: str,
    strict: bool,
    crawl_id: str,
    fetch_timeout: float,
    concurrency: int,
    warc_max_bytes: int,
    redis_url: str,
    redis_key: str,
    progress: bool,
    signing_key: Path | None,
    signature_agent: str,
    sets: tuple[str, ...],
    aipref_draft: str,
    licence_budget: str = "",
    max_price: str = "",
    client_id: str = "",
    client_secret: str = "",
    credentials: Path | None = None,
) -> None:
    """Crawl URLS and their same-origin links, honouring every AI-use signal.

    Nothing a site reserves for the declared use is requested or stored; every considered
    URL gets a ledger row with the decision and its reasons.
    """
    from heedful.cli.database import prepare_database

    for url in urls:
        try:
            origin_of(url)
        except BadURL as exc:
            raise Failure(str(exc)) from None
    extra = _parse_set(sets)
    if signing_key is not None or signature_agent:
        extra.update(_signing(signing_key, signature_agent))
    extra.update(_licensing(licence_budget, max_price, client_id, client_secret, credentials))
    out.mkdir(parents=True, exist_ok=True)
    prepare_database(db, create=True)
    crawl_id = crawl_id or uuid.uuid4().hex
    settings = _settings(
        agent=agent,
        use=use,
        mode=mode,
        out=out,
        db=db,
        strict=strict,
        crawl_id=crawl_id,
        fetch_timeout=fetch_timeout,
        concurrency=concurrency,
        warc_max_bytes=warc_max_bytes,
        redis_url=redis_url,
        redis_key=redis_key,
        extra=extra,
        aipref_draft=aipref_draft,
    )
    summary, totals = run_crawl(settings, list(urls), max_pages=max_pages, progress=progress)
    for line in summary:
        click.echo(line)
    if not totals["kept"] and totals["failed"]:
        # Nothing kept because hosts did not answer or files could not be read is not a
        # finished crawl: say so to scripts (heedful.cli.common.EXIT_FAILED).
        click.echo(
            f"nothing kept: {counted(totals['failed'], 'URL')} failed (hosts that did not answer,"
            " pages that answered 404 or 5xx, or signal files that could not be read)",
            err=True,
        )
        sys.exit(EXIT_FAILED)


def run_crawl(
    settings: dict[str, Any], urls: list[str], *, max_pages: int, progress: bool
) -> tuple[list[str], Mapping[str, int]]:
    """Run one crawl in this process; returns the summary lines and the totals by status."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from scrapy.crawler import CrawlerProcess

    from heedful.crawler import signals as heedful_signals
    from heedful.crawler.middlewares import BUDGET_UNAVAILABLE, LEDGER_UNAVAILABLE
    from heedful.crawler.provenance import ATTRIBUTE, Provenance
    from heedful.crawler.spiders.site import SiteSpider

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SiteSpider)
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not progress,
    )
    task = bar.add_task("crawling", total=max_pages or None)
    counts = {"kept": 0, "refused": 0, "failed": 0}

    def decided(status: str, **_: Any) -> None:
        counts[status] = counts.get(status, 0) + 1
        bar.update(
            task,
            advance=1,
            description=" ".join(f"{k} {v}" for k, v in counts.items()),
        )

    crawler.signals.connect(decided, signal=heedful_signals.policy_decided)
    process.crawl(crawler, urls=urls, max_pages=max_pages)
    with bar:
        process.start()
    found = getattr(crawler, ATTRIBUTE, None)
    if not isinstance(found, Provenance):
        raise Failure("the crawl did not start; see the messages above")
    finished = crawler.stats.get_value("finish_reason") if crawler.stats is not None else None
    if finished == LEDGER_UNAVAILABLE:
        raise Failure(
            "the ledger could not be opened, so nothing was crawled; see the messages above"
        )
    if finished == BUDGET_UNAVAILABLE:
        raise Failure(
            "the crawl's shared licence budget could not be used, so nothing was crawled; "
            "see the messages above"
        )
    return summary_lines(found), found.totals


def summary_lines(prov: Any) -> list[str]:
    """The closing summary: kept, refused by reason, failed, origins, bytes, where things are."""

    totals = prov.totals
    lines = [
        (
            f"crawl {prov.crawl_id}: use {prov.config.use}, mode {prov.config.mode}, "
            f"agent {prov.config.token}"
        ),
        f"kept     {totals['kept']:>7}  ({counted(prov.kept_bytes, 'byte')})",
        f"refused  {totals['refused']:>7}",
    ]
    lines.extend(f"  {count:>7}  {reason}" for reason, count in prov.refusals.most_common())
    lines += [
        f"failed   {totals['failed']:>7}",
        f"origins  {len(prov.origins):>7}",
        f"signal files fetched {totals['signal-fetches']}",
        f"ledger   {prov.ledger.url}",
        f"warc     {prov.config.out_dir}",
    ]
    licensing = prov.licensing() if getattr(prov, "licensing", None) else None
    if licensing:
        spent = (
            f", spent {licensing['spent']} of {licensing['budget']}"
            if "budget" in licensing
            else ""
        )
        lines.append(f"licences {counted(licensing['tokens'], 'token')} used{spent}")
    return lines


@click.command("ledger")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--db", default="", help="Ledger database URL (default: DIRECTORY/ledger.sqlite).")
@click.option("--crawl-id", default="", help="Only this crawl.")
@click.option("--signals", is_flag=True, help="Export the signal-file snapshots instead.")
def ledger(directory: Path, fmt: str, db: str, crawl_id: str, signals: bool) -> None:
    """Export the provenance ledger: one JSON object per considered URL."""
    from heedful.cli.database import prepare_database
    from heedful.crawler.ledger import DEFAULT_DB_NAME, database_url
    from heedful.crawler.ledgerexport import export

    if not db and not (directory / DEFAULT_DB_NAME).is_file():
        raise Failure(f"no ledger at {directory / DEFAULT_DB_NAME}")
    url = database_url(db, directory)
    prepare_database(url, create=False)
    try:
        rows = asyncio.run(export(url, crawl_id=crawl_id, signals=signals))
    except OSError as exc:
        raise Failure(f"cannot read the ledger: {exc}") from exc
    for obj in rows:  # a closed stdout is not a ledger problem: the entry point handles it
        click.echo(json.dumps(obj, ensure_ascii=False, default=str))


def iter_jsonl(text: str) -> Iterator[dict[str, Any]]:
    """Parse ``heedful ledger`` output (used by tests and the demo)."""
    for line in text.splitlines():
        if line.strip():
            yield json.loads(line)
