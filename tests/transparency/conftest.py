"""One real crawl of two small sites, shared by the transparency tests.

The sites run in this process (tests.crawler.sites), so a test can change what they publish
after the crawl and re-check. Each test gets its own copy of the crawl directory and the sites'
original answers back afterwards. ``ledger_world`` is the same crawl with its ledger in SQLite and
in PostgreSQL (``tests.helpers.services``): the PostgreSQL crawl runs once, and each test gets a
copy of its database (``CREATE DATABASE ... TEMPLATE``) beside its copy of the WARC files.
"""

from __future__ import annotations

import copy
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.crawler.sites import Running, Site, page, serve
from tests.helpers.databases import create_database_sync, drop_database_sync, fetch_sync
from tests.helpers.services import database_url

COMMAND_TIMEOUT = 90
LEDGER = "ledger.sqlite"
ETAG_PAGE: dict[str, Any] = {"etag": '"v1"', "headers": {}}
"""What ``/etag`` answers: its ETag and extra headers (tests change them after the crawl)."""
NEWS_PAGES = ("/a", "/b", "/c", "/photos/1", "/photos/2", "/etag", "/author", "/private")


def build() -> dict[str, Site]:
    sites: dict[str, Site] = {}
    s = sites["news"] = Site("news")
    s.text("/robots.txt", "User-agent: *\nDisallow: /private\nAllow: /\n")
    s.add("/", page("news home", NEWS_PAGES))
    for path in ("/a", "/b", "/c", "/photos/1", "/photos/2", "/private"):
        s.add(path, page(f"news {path}"))
    s.add(
        "/author",
        page(
            "author",
            head=(
                '<meta name="author" content="Ada Author"><link rel="license" href="/licence">'
                '<script type="application/ld+json">{"@context":"https://schema.org",'
                '"@type":"Article","copyrightHolder":{"@type":"Organization","name":"Ada Ltd"},'
                '"copyrightNotice":"(c) 2025 Ada Ltd"}</script>'
            ),
        ),
    )

    async def etag_page(request: web.Request) -> web.StreamResponse:
        etag = str(ETAG_PAGE["etag"])
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            text=page("etag"),
            content_type="text/html",
            headers={"ETag": etag, **ETAG_PAGE["headers"]},
        )

    s.dynamic["/etag"] = etag_page
    o = sites["other"] = Site("other")
    o.text("/robots.txt", "User-agent: *\nAllow: /\n")
    o.add(
        "/.well-known/tdmrep.json",
        '[{"location": "/reserved/", "tdm-reservation": 1}]',
        ctype="application/json",
    )
    o.add("/", page("other home", ("/x", "/y", "/reserved/z")))
    for path in ("/x", "/y", "/reserved/z"):
        o.add(path, page(f"other {path}"))
    return sites


def heedful(*args: str, timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heedful", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def sql(directory: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(directory / LEDGER) as conn:
        return list(conn.execute(query, params))


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@dataclass
class World:
    running: Running
    out: Path
    db: str = ""
    """The ledger's URL, given to every command as ``--db``; empty: ``out/ledger.sqlite``."""

    def url(self, site: str, path: str) -> str:
        return self.running.urls[site] + path

    def site(self, name: str) -> Site:
        return self.running.sites[name]

    def heedful(self, command: str, *args: str) -> subprocess.CompletedProcess[str]:
        """``heedful COMMAND OUT ARGS`` on this world's ledger."""
        return heedful(command, str(self.out), *args, *(("--db", self.db) if self.db else ()))

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of ``query`` (``?`` placeholders) from this world's ledger."""
        if self.db:
            return fetch_sync(self.db, query, *params)
        return sql(self.out, query, *params)


def crawl(running: Running, out: Path, *db: str) -> None:
    seeds = [url + "/" for url in running.urls.values()]
    done = heedful("crawl", *seeds, "--out", str(out), "--no-progress", "--fetch-timeout", "3", *db)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="session")
def crawled_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    sites = build()
    out = tmp_path_factory.mktemp("transparency-crawl")
    with serve(sites) as running:
        crawl(running, out)
        yield World(running, out)


@pytest.fixture(scope="session")
def crawled_pg_world(
    crawled_world: World, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The same sites crawled again into a PostgreSQL ledger (the template of each test's)."""
    base = database_url()
    db = create_database_sync(base)
    try:
        out = tmp_path_factory.mktemp("transparency-crawl-pg")
        crawl(crawled_world.running, out, "--db", db)
        yield World(crawled_world.running, out, db)
    finally:
        drop_database_sync(base, db)


@contextmanager
def private_copy(crawled: World, out: Path, db: str = "") -> Iterator[World]:
    """A copy of ``crawled`` in ``out`` (ledger ``db``); the sites' answers are restored after."""
    shutil.copytree(crawled.out, out)
    saved = {
        name: (copy.copy(site.static), copy.copy(site.dynamic))
        for name, site in crawled.running.sites.items()
    }
    saved_etag = copy.deepcopy(ETAG_PAGE)
    try:
        yield World(crawled.running, out, db)
    finally:
        for name, (static, dynamic) in saved.items():
            crawled.running.sites[name].static = static
            crawled.running.sites[name].dynamic = dynamic
        ETAG_PAGE.clear()
        ETAG_PAGE.update(saved_etag)


@pytest.fixture
def world(crawled_world: World, tmp_path: Path) -> Iterator[World]:
    """A private copy of the crawl; the sites answer as they did at crawl time afterwards."""
    with private_copy(crawled_world, tmp_path / "crawl") as private:
        yield private


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """``world`` with its ledger in SQLite, then in PostgreSQL (a copy of the crawl's database)."""
    if request.param == "sqlite":
        with private_copy(request.getfixturevalue("crawled_world"), tmp_path / "crawl") as private:
            yield private
        return
    crawled: World = request.getfixturevalue("crawled_pg_world")
    base = database_url()
    db = create_database_sync(base, template=crawled.db)
    try:
        with private_copy(crawled, tmp_path / "crawl", db) as private:
            yield private
    finally:
        drop_database_sync(base, db)
