"""The fixture sites serve what their table says, log every request, and run as a subprocess."""

from __future__ import annotations

import json
import time
import urllib.request

import aiohttp
import pytest

from heedful.client.fetch import fetch
from heedful.demo.site_data import AI_BOTS, SITES, Behaviour
from heedful.demo.sites import ServedSites, create_app
from heedful.policies.fetch.outcomes import MAX_SIGNAL_BYTES
from tests.helpers.servers import USER_AGENT, demo_process

ORDINARY = sorted(name for name in SITES if name != "hostile")
COMMON_PATHS = ["/", "/articles/1", "/articles/2", "/images/photo.jpg"]


async def body(
    session: aiohttp.ClientSession, url: str
) -> tuple[int | None, dict[str, str], bytes]:
    result = await fetch(session, url, timeout=5.0, user_agent=USER_AGENT, max_redirects=0)
    return result.status, dict(result.headers), result.body


def test_each_site_lists_each_path_once() -> None:
    for name, pages in SITES.items():
        paths = [page.path for page in pages]
        assert len(paths) == len(set(paths)), name
        assert set(COMMON_PATHS) <= set(paths), name


def test_unknown_site_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown demo site"):
        create_app("no-such-site")


@pytest.mark.parametrize("name", ORDINARY, ids=ORDINARY)
async def test_every_site_has_realistic_pages(
    sites: ServedSites, session: aiohttp.ClientSession, name: str
) -> None:
    for path in COMMON_PATHS[:3]:
        status, headers, html = await body(session, sites[name] + path)
        assert status == 200, (name, path)
        assert headers["Content-Type"].startswith("text/html")
        assert b"<head>" in html
        assert b"<title>" in html
    status, headers, photo = await body(session, sites[name] + "/images/photo.jpg")
    assert (status, headers["Content-Type"]) == (200, "image/jpeg")
    assert photo.startswith(b"\xff\xd8\xff")
    assert photo.endswith(b"\xff\xd9")


async def test_base_placeholder_names_the_sites_own_origin(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    base = sites["rsl-paid"]
    _, _, robots = await body(session, base + "/robots.txt")
    assert f"License: {base}/license.xml".encode() in robots
    _, headers, _ = await body(session, base + "/articles/1")
    assert headers["Link"] == f'<{base}/license.xml>; rel="license"; type="application/rsl+xml"'
    status, headers, _ = await body(session, base + "/paywalled")
    assert (status, headers["crawler-price"], headers["WWW-Authenticate"]) == (
        402,
        "USD 0.02",
        "License",
    )
    _, _, tdmrep = await body(session, sites["tdmrep-reserved"] + "/.well-known/tdmrep.json")
    assert json.loads(tdmrep) == [
        {
            "location": "/",
            "tdm-reservation": 1,
            "tdm-policy": sites["tdmrep-reserved"] + "/tdm-policy.json",
        }
    ]


async def test_optout_robots_names_every_ai_bot(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    _, _, robots = await body(session, sites["optout-robots"] + "/robots.txt")
    for bot in AI_BOTS:
        assert f"User-agent: {bot}\nDisallow: /\n".encode() in robots


async def test_oversize_robots_hides_its_disallow_past_the_cap(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    result = await fetch(
        session,
        sites["oversize-robots"] + "/robots.txt",
        user_agent=USER_AGENT,
        max_bytes=10 * MAX_SIGNAL_BYTES,
    )
    assert result.body.index(b"Disallow: /secret") > MAX_SIGNAL_BYTES
    assert result.body.startswith(b"User-agent: *\nAllow: /\n")


async def test_statuses_of_failing_sites(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    assert (await body(session, sites["robots-5xx"] + "/robots.txt"))[0] == 503
    status, headers, _ = await body(session, sites["soft404-aitxt"] + "/ai.txt")
    assert (status, headers["Content-Type"].split(";")[0]) == (200, "text/html")
    assert (await body(session, sites["allow-all"] + "/no/such/page"))[0] == 404


async def test_log_lives_outside_the_sites_url_space(
    sites: ServedSites, session: aiohttp.ClientSession
) -> None:
    status, _, _ = await body(session, sites["allow-all"] + "/__log")
    assert status == 404
    assert sites.log("allow-all") == [("GET", "/__log", 404, USER_AGENT)]
    assert sites.log("optout-robots") == []


def test_hostile_behaviours_are_all_used() -> None:
    used = {page.behaviour for pages in SITES.values() for page in pages}
    assert used == set(Behaviour)
    # The hostile site shows every misbehaviour of a whole response; ``cut`` belongs to a
    # signal file, on the site whose tdmrep.json it cuts.
    hostile = {page.behaviour for page in SITES["hostile"]}
    assert hostile == set(Behaviour) - {Behaviour.CUT}


def test_subprocess_prints_urls_first_and_logs_json_to_stderr() -> None:
    with demo_process("allow-all", "robots-5xx") as demo:
        assert sorted(demo.urls) == ["allow-all", "robots-5xx"]
        url = demo.urls["allow-all"] + "/robots.txt"
        request = urllib.request.Request(url, headers={"User-Agent": "probe/1"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        deadline = time.monotonic() + 5
        while not demo.access and time.monotonic() < deadline:
            time.sleep(0.05)
        port = int(demo.urls["allow-all"].rsplit(":", 1)[1])
        assert demo.access == [
            {
                "site": "allow-all",
                "port": port,
                "method": "GET",
                "path": "/robots.txt",
                "status": 200,
                "user_agent": "probe/1",
            }
        ]
    assert demo.process.returncode == 0
