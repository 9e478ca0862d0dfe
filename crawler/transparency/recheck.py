"""Re-check every kept item under today's signals and list what may no longer be used.

Creators change their minds: a path reserved after the crawl, a removal request approved. Per
origin in the ledger, the site-level files are fetched again the way the crawler fetches them
(:class:`heedful.crawler.origincache.OriginCache`: robots.txt first, then tdmrep.json, ai.txt, the
removals list and the RSL licences, only where robots.txt lets the crawler go), each fetch kept
as evidence (a ``SignalSnapshot`` under the re-check's id and a WARC record). Each kept item is
then decided again with ``heedful.policies.evaluate`` for the crawl's own agent, use, mode and
strictness, with the page's own signals read from its stored WARC record or, with ``pages``,
from a conditional GET of the page (docs/crawler.md).

Outcomes, appended as ``UrlEvent`` rows with ``event="recheck"`` (history is never rewritten):
``kept`` (still allowed), ``withdrawn`` (the verdict is no longer allow: it goes on the purge
list) and ``unverified`` (robots.txt unreachable today, RFC 9309 2.3.1.4, or a file that governs
the use cannot be read). An unreachable site
has not said anything new; purging is irreversible, so by default such items are left for the
next re-check rather than purged; ``fail_closed`` withdraws them instead.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from heedful.client.fetch import make_session
from heedful.crawler.ledger import Ledger, RecheckRun, utcnow
from heedful.crawler.origincache import OriginCache
from heedful.crawler.transparency.ledgerdata import item_key, load_async
from heedful.crawler.transparency.recheck_fetch import fetch_signal_file
from heedful.crawler.transparency.recheck_item import (
    SOFTWARE,
    RecheckOptions,
    Run,
    crawl_settings,
    decide_item,
)
from heedful.crawler.transparency.warcrecords import Locations, RecordReader
from heedful.crawler.warc import WarcFiles
from heedful.policies.agents import HEEDFUL_TOKEN
from heedful.policies.signals.read import SignalFile

__all__ = ["PURGE_LIST", "RecheckOptions", "RecheckResult", "purge_line", "recheck"]

PURGE_LIST: Final = "purge-list.jsonl"
WARC_PREFIX: Final = "heedful-recheck"
WARC_MAX_BYTES: Final = 1_000_000_000
CACHE_SECONDS: Final = 86_400.0
"""One re-check is one point in time: files fetched at its start decide all of its items."""
RETRY_BACKOFF: Final = 60.0


@dataclass(kw_only=True, slots=True)
class RecheckResult:
    recheck_id: str
    items: int
    origins: int
    counts: Counter[str]
    withdrawn: list[dict[str, Any]]
    purge_list: Path
    seconds: float


def write_purge_list(path: Path, withdrawn: list[dict[str, Any]]) -> None:
    """Replace the purge list atomically (it is today's list; the ledger keeps the history)."""
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for entry in withdrawn:
            handle.write(purge_line(entry) + "\n")
    tmp.replace(path)


def purge_line(entry: Mapping[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


async def recheck(
    directory: Path,
    db_url: str,
    options: RecheckOptions,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> RecheckResult:
    """Re-check every kept item not yet purged; write the purge list into ``directory``."""
    started = time.perf_counter()
    started_at = utcnow()
    data = await load_async(db_url)
    purged = data.purged_keys()
    items = [e for e in data.kept if item_key(e) not in purged]
    locations = Locations(data.relocations)
    recheck_id = uuid.uuid4().hex
    ledger = Ledger(db_url)
    await ledger.create()
    run = Run(
        directory=directory,
        options=options,
        recheck_id=recheck_id,
        ledger=ledger,
        warc=WarcFiles(
            directory,
            prefix=WARC_PREFIX,
            max_bytes=WARC_MAX_BYTES,
            software=SOFTWARE,
        ),
        reader=RecordReader(directory, locations),
        locations=locations,
        crawls=crawl_settings(list(data.crawls), items),
        limit=asyncio.Semaphore(options.concurrency),
    )
    report = progress or (lambda _stage, _done, _total: None)
    try:
        async with make_session(user_agent=f"{HEEDFUL_TOKEN} ({SOFTWARE})") as session:
            pairs = sorted(
                {
                    (
                        run.crawls[i["crawl_id"]].agent,
                        run.crawls[i["crawl_id"]].user_agent,
                        i["origin"],
                    )
                    for i in items
                }
            )
            for agent, user_agent, _ in pairs:
                if (agent, user_agent) not in run.caches:

                    async def fetch_file(
                        url: str, extra: Mapping[str, str], ua: str = user_agent
                    ) -> SignalFile:
                        return await fetch_signal_file(
                            session, url, extra, timeout=options.fetch_timeout, user_agent=ua
                        )

                    run.caches[(agent, user_agent)] = OriginCache(
                        fetch_file,
                        run.record,
                        agent=agent,
                        max_seconds=CACHE_SECONDS,
                        backoff=RETRY_BACKOFF,
                        max_backoff=RETRY_BACKOFF,
                    )
            done = 0

            async def read_origin(agent: str, user_agent: str, origin: str) -> None:
                nonlocal done
                async with run.limit:
                    run.states[(agent, origin)] = await run.caches[(agent, user_agent)].get(origin)
                done += 1
                report("signals", done, len(pairs))

            await asyncio.gather(*(read_origin(*p) for p in pairs))
            done = 0

            async def one(item: Mapping[str, Any]) -> None:
                nonlocal done
                await decide_item(run, item, session)
                done += 1
                report("items", done, len(items))

            await asyncio.gather(*(one(item) for item in items))
        run.withdrawn.sort(
            key=lambda e: (e["url"], e["item"]["warc_file"], e["item"]["warc_offset"])
        )
        path = directory / PURGE_LIST
        write_purge_list(path, run.withdrawn)
        ledger.add(
            RecheckRun,
            {
                "recheck_id": recheck_id,
                "started_at": started_at,
                "finished_at": utcnow(),
                "pages": options.pages,
                "items": len(items),
                "kept": run.counts["kept"],
                "withdrawn": run.counts["withdrawn"],
                "unverified": run.counts["unverified"],
                "origins": len({o for _, o in run.states}),
                "purge_list": PURGE_LIST,
                "detail": {
                    "fail_closed": options.fail_closed,
                    "concurrency": options.concurrency,
                    "fetch_timeout": options.fetch_timeout,
                },
            },
        )
    finally:
        run.reader.close()
        run.warc.close()
        await ledger.close()
    return RecheckResult(
        recheck_id=recheck_id,
        items=len(items),
        origins=len({o for _, o in run.states}),
        counts=run.counts,
        withdrawn=run.withdrawn,
        purge_list=directory / PURGE_LIST,
        seconds=time.perf_counter() - started,
    )
