"""The add-on as a drop-in: a plain Scrapy project (a spider and a settings dict) adds one line.

The project runs in a subprocess, as Scrapy projects do; its token is ``ExampleBot``, which the
``groups`` site's robots.txt does not name, so its ``*`` group (``Disallow: /``) applies.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from heedful.crawler.addon import HeedfulAddon
from tests.conftest import ROOT
from tests.crawler.sites import build, serve

PROJECT = textwrap.dedent("""
    import json, os, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class ProjectSpider(scrapy.Spider):
        name = "project"

        def __init__(self, urls, **kw):
            super().__init__(**kw)
            self.start_urls = urls

        def parse(self, response):
            yield {"url": response.url, "image_urls": [response.urljoin(s) for s in
                   response.css("img::attr(src)").getall()],
                   "heedful_images_reserved": bool(response.meta.get("heedful_images_reserved"))}
            yield from response.follow_all(css="a", callback=self.parse)

    SETTINGS = {
        "ADDONS": {"heedful.crawler.addon.HeedfulAddon": 0},
        "HEEDFUL_PRODUCT_TOKEN": "ExampleBot",
        "HEEDFUL_USE": "ai-train",
        "HEEDFUL_OUT_DIR": sys.argv[1],
        "HEEDFUL_ENABLED": os.environ.get("PROJECT_HEEDFUL_ENABLED", "1") == "1",
        "ROBOTSTXT_OBEY": True,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "FEEDS": {sys.argv[2]: {"format": "jsonlines"}},
    }
    process = CrawlerProcess(SETTINGS)
    crawler = process.create_crawler(ProjectSpider)
    process.crawl(crawler, urls=sys.argv[3:])
    process.start()
    mws = crawler.settings.getwithbase("DOWNLOADER_MIDDLEWARES")
    print(json.dumps({"middlewares": {str(k if isinstance(k, str) else
                      k.__module__ + "." + k.__qualname__): v for k, v in mws.items()},
                      "user_agent": crawler.settings["USER_AGENT"]}))
""")


def _run_project(
    tmp_path: Path, urls: list[str], *, enabled: bool = True
) -> tuple[dict[str, object], Path]:
    """Run the plain project against ``urls``; its settings as it saw them, and its items file."""
    script = tmp_path / "project.py"
    script.write_text(PROJECT)
    items = tmp_path / "items.jsonl"
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "out"), str(items), *urls],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        cwd=ROOT,
        env={
            "PYTHONPATH": str(ROOT),
            "PATH": "/usr/bin:/bin",
            "PROJECT_HEEDFUL_ENABLED": "1" if enabled else "0",
        },
    )
    assert done.returncode == 0, done.stderr[-3000:]
    info: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return info, items


def test_disabled_addon_leaves_scrapy_settings_alone() -> None:
    """Turning Heedful off must not turn robots.txt off: Scrapy's own handling stays."""
    crawler = get_crawler(
        settings_dict={
            "ADDONS": {HeedfulAddon: 0},
            "HEEDFUL_ENABLED": False,
            "ROBOTSTXT_OBEY": True,
            "USER_AGENT": "ProjectBot/1.0",
        }
    )
    settings = crawler.settings
    assert settings.getbool("ROBOTSTXT_OBEY") is True
    middlewares = build_component_list(
        settings.get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES")
    )
    assert RobotsTxtMiddleware in [load_object(m) for m in middlewares]
    assert not any("crawler." in str(m) for m in middlewares)
    assert not any("crawler." in str(p) for p in settings.getwithbase("ITEM_PIPELINES"))
    assert settings["USER_AGENT"] == "ProjectBot/1.0"


def test_enabled_addon_replaces_scrapys_robots_check() -> None:
    crawler = get_crawler(settings_dict={"ADDONS": {HeedfulAddon: 0}})
    assert crawler.settings.getbool("ROBOTSTXT_OBEY") is False
    middlewares = build_component_list(
        crawler.settings.get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES")
    )
    assert RobotsTxtMiddleware not in [load_object(m) for m in middlewares]


@pytest.mark.e2e
def test_disabled_addon_crawl_still_obeys_robots_txt(tmp_path: Path) -> None:
    """A real crawl with Heedful off: Scrapy's RobotsTxtMiddleware refuses the disallowed page."""
    sites = build()
    with serve({"redirects": sites["redirects"]}) as running:
        home = running.urls["redirects"]
        # One disallowed page is a seed, the other is reached through redirects.
        info, _items = _run_project(tmp_path, [home + "/", home + "/private/seed"], enabled=False)
    mws = info["middlewares"]
    assert isinstance(mws, dict)
    assert mws["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] == 100
    paths = sites["redirects"].paths()
    assert "/robots.txt" in paths
    assert "/final" in paths
    assert "/private/target" not in paths  # "Disallow: /private/", obeyed by Scrapy itself
    assert "/private/seed" not in paths
    assert not (tmp_path / "out" / "ledger.sqlite").exists()


@pytest.mark.e2e
def test_addon_turns_a_plain_project_compliant(tmp_path: Path) -> None:
    sites = build()
    with serve({k: sites[k] for k in ("groups", "signals")}) as running:
        info, items = _run_project(
            tmp_path, [running.urls["groups"] + "/", running.urls["signals"] + "/"]
        )
        mws = info["middlewares"]
        assert isinstance(mws, dict)
        assert mws["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] is None
        assert mws["heedful.crawler.middlewares.PolicyDownloaderMiddleware"] == 100
        assert "ExampleBot/" in str(info["user_agent"])
        # ExampleBot falls under "User-agent: * / Disallow: /" on the groups site.
        assert sites["groups"].paths() == ["/robots.txt"]
        signals_paths = sites["signals"].paths()
        for refused in ("/img/glob.png", "/img/reserved.jpg"):
            assert refused not in signals_paths
        got = [json.loads(line) for line in items.read_text().splitlines()]
        urls = {item["url"] for item in got}
        base = running.urls["signals"]
        assert base + "/ok" in urls
        for refused in ("/noai-header", "/noai-meta", "/cs-header", "/cu-header", "/tdm-meta"):
            assert base + refused not in urls  # fetched, decided, dropped before the spider
        noimage = next(item for item in got if item["url"] == base + "/noimageai")
        assert noimage["image_urls"] == []  # the pipeline removed the reserved images
        ok = next(item for item in got if item["url"] == base + "/ok")
        assert ok["image_urls"]
    assert (tmp_path / "out" / "ledger.sqlite").is_file()
    assert list((tmp_path / "out").glob("*.warc.gz"))
