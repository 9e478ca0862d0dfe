"""What the add-on writes to Scrapy's log in a real crawl at Scrapy's default level (DEBUG).

A plain Scrapy project (the add-on, a spider, ``LOG_LEVEL = "DEBUG"``, ``LOG_FILE``) crawls
the fixture sites in a subprocess; the log file and Scrapy's ``log_count/*`` stats are read
back. Each refusal is one INFO sentence naming the URL, the use, the verdict and the deciding
statement; the ledger's drivers print nothing below WARNING; the placeholder info URL in the
User-Agent is warned about once.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.crawler.sites import build, serve

pytestmark = pytest.mark.e2e

PROJECT = textwrap.dedent("""
    import json, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class ProjectSpider(scrapy.Spider):
        name = "project"

        def __init__(self, urls, **kw):
            super().__init__(**kw)
            self.start_urls = urls

        def parse(self, response):
            yield {"url": response.url}
            yield from response.follow_all(css="a", callback=self.parse)

    settings = {
        "ADDONS": {"heedful.crawler.addon.HeedfulAddon": 0},
        "HEEDFUL_USE": "ai-train",
        "HEEDFUL_OUT_DIR": sys.argv[1],
        "LOG_LEVEL": "DEBUG",
        "LOG_FILE": sys.argv[2],
        "TELNETCONSOLE_ENABLED": False,
        **json.loads(sys.argv[3]),
    }
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ProjectSpider)
    process.crawl(crawler, urls=sys.argv[4:])
    process.start()
    print(json.dumps({k: v for k, v in crawler.stats.get_stats().items()
                      if k.startswith(("log_count/", "heedful/denied"))}))
""")
LINE = re.compile(r"^\S+ \S+ \[(?P<logger>[^\]]+)\] (?P<level>[A-Z]+): (?P<message>.*)$")


def crawl(
    tmp_path: Path, settings: dict[str, Any]
) -> tuple[list[dict[str, str]], dict[str, int], dict[str, str]]:
    script = tmp_path / "project.py"
    script.write_text(PROJECT)
    log_file = tmp_path / "scrapy.log"
    with serve({k: v for k, v in build().items() if k in ("groups", "signals", "tdm")}) as running:
        done = subprocess.run(
            [
                sys.executable,
                str(script),
                str(tmp_path / "out"),
                str(log_file),
                json.dumps(settings),
                *(url + "/" for url in running.urls.values()),
            ],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
    assert done.returncode == 0, done.stderr[-3000:]
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    lines = [m.groupdict() for m in map(LINE.match, log_file.read_text().splitlines()) if m]
    return lines, stats, running.urls


def test_refusals_drivers_and_placeholder(tmp_path: Path) -> None:
    lines, stats, urls = crawl(tmp_path, {})
    refusals = [l for l in lines if l["message"].startswith("heedful: refused ")]
    denied = sum(v for k, v in stats.items() if k.startswith("heedful/denied"))
    assert denied > 0
    assert len(refusals) == denied  # one line per refusal
    assert {l["level"] for l in refusals} == {"INFO"}
    by_url = {l["message"].split()[2]: l["message"] for l in refusals}
    assert len(by_url) == len(refusals)
    assert by_url[urls["groups"] + "/private/x"] == (
        f"heedful: refused {urls['groups']}/private/x for ai-train (before-fetch): deny by "
        f"robots.txt access deny at {urls['groups']}/robots.txt line 2: Disallow: /private/"
    )
    assert by_url[urls["signals"] + "/noai-header"] == (
        f"heedful: refused {urls['signals']}/noai-header for ai-train (after-fetch): deny by "
        f"robots-tag deny at {urls['signals']}/noai-header header X-Robots-Tag: noai"
    )
    tdm = by_url[urls["tdm"] + "/reserved/closed"]
    assert tdm.startswith(f"heedful: refused {urls['tdm']}/reserved/closed for ai-train (")
    assert f"tdmrep deny at {urls['tdm']}/.well-known/tdmrep.json" in tdm
    # The drivers stay quiet at Scrapy's default DEBUG level.
    drivers = [
        l for l in lines if l["logger"].split(".")[0] in ("sqlalchemy", "aiosqlite", "asyncpg")
    ]
    assert drivers == []
    # The placeholder info URL went into the User-Agent: one warning, naming the setting.
    placeholder = [l for l in lines if "placeholder" in l["message"]]
    assert [l["level"] for l in placeholder] == ["WARNING"]
    assert "HEEDFUL_INFO_URL" in placeholder[0]["message"]


def test_a_real_info_url_and_an_asked_driver_level(tmp_path: Path) -> None:
    lines, _, _ = crawl(
        tmp_path,
        {"HEEDFUL_INFO_URL": "https://crawler.example/about", "HEEDFUL_DRIVER_LOG_LEVEL": "DEBUG"},
    )
    assert not [l for l in lines if "placeholder" in l["message"]]
    assert [l for l in lines if l["logger"].startswith("aiosqlite")]  # the user asked for them
