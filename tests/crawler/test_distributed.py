"""Two crawler processes share one scrapy-redis scheduler and a PostgreSQL ledger (issue 4 s. 4).

Every page is fetched once across the workers, no denied URL is fetched by either (each worker
decides an origin's files itself before its first request there, under a slow robots.txt and a
burst of seeds), and the ledger has exactly one row per considered URL.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from aiohttp import web

from heedful.crawler.distributed import clear
from tests.conftest import ROOT
from tests.crawler.sites import Site, page, serve
from tests.helpers.services import database_url, redis_url

PAGES = 150
DENIED = 50


def dist_site() -> Site:
    site = Site("dist")

    async def slow_robots(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(1.0)
        return web.Response(text="User-agent: *\nDisallow: /deny/\n")

    site.dynamic["/robots.txt"] = slow_robots
    site.add("/", page("dist home", tuple(f"/p/{n}" for n in range(0, PAGES, 10))))
    for n in range(PAGES):
        links = tuple(f"/p/{m}" for m in range(n + 1, min(n + 4, PAGES)))
        site.add(f"/p/{n}", page(f"p {n}", (*links, f"/deny/{n % DENIED}")))
    for n in range(DENIED):
        site.add(f"/deny/{n}", page(f"deny {n}"))
    return site


@pytest.mark.e2e
def test_two_workers_share_the_crawl_and_leak_nothing(tmp_path: Path) -> None:
    redis = redis_url()
    db = database_url()
    prefix = f"heedful-test-{uuid.uuid4().hex}"
    crawl_id = uuid.uuid4().hex
    site = dist_site()
    try:
        with serve({"dist": site}) as running:
            base = running.urls["dist"]
            seeds = [
                base + "/",
                *(f"{base}/deny/{n}" for n in range(DENIED)),
                *(f"{base}/p/{n}" for n in range(0, PAGES, 3)),
            ]
            workers = [
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "heedful",
                        "crawl",
                        *seeds,
                        "--out",
                        str(tmp_path / f"w{i}"),
                        "--no-progress",
                        "--redis",
                        redis,
                        "--redis-key",
                        prefix,
                        "--crawl-id",
                        crawl_id,
                        "--db",
                        db,
                        "--fetch-timeout",
                        "5",
                    ],
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for i in range(2)
            ]
            outputs = [w.communicate(timeout=90) for w in workers]
            for worker, (_, err) in zip(workers, outputs, strict=True):
                assert worker.returncode == 0, err[-3000:]
        paths = Counter(site.paths())
        assert not [p for p in paths if p.startswith("/deny/")]
        for n in range(PAGES):
            assert paths[f"/p/{n}"] == 1, n
        assert paths["/robots.txt"] <= 2  # each worker decides the origin itself
        export = subprocess.run(
            [
                sys.executable,
                "-m",
                "heedful",
                "ledger",
                str(tmp_path),
                "--db",
                db,
                "--crawl-id",
                crawl_id,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
            check=False,
        )
        assert export.returncode == 0, export.stderr
        rows = [json.loads(line) for line in export.stdout.splitlines()]
        per_url = Counter(row["url"] for row in rows)
        assert all(count == 1 for count in per_url.values()), per_url.most_common(3)
        kept = {row["url"] for row in rows if row["status"] == "kept"}
        assert {f"{base}/p/{n}" for n in range(PAGES)} <= kept
        refused = {row["url"] for row in rows if row["status"] == "refused"}
        assert refused == {f"{base}/deny/{n}" for n in range(DENIED)}
        # both workers took part: rows come from two WARC directories
        assert len({row["warc"]["file"].split("-")[2] for row in rows if row.get("warc")}) == 2
    finally:
        clear(redis, prefix)
