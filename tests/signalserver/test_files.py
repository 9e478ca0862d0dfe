"""The rendered files: content, version, validators, 304s, and a new policy served at once."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from heedful.policies.signals.aitxt import parse_ai_txt
from heedful.policies.signals.removals import REMOVALS_PATH
from heedful.policies.signals.robots.document import parse_robots
from heedful.policies.signals.rsl.document import parse_rsl
from heedful.policies.signals.tdmrep import parse_tdmrep
from heedful.signalserver.keys import STATE
from heedful.signalserver.live import CACHE_CONTROL, MAX_HOSTS
from tests.signalserver.conftest import OTHER_POLICY, Served, ServeFactory

FILES = [
    # (id, path, content type prefix, version marker in the body or None)
    ("robots", "/robots.txt", "text/plain", "policy version"),
    ("ai-txt", "/ai.txt", "text/plain", "policy version"),
    ("tdmrep", "/.well-known/tdmrep.json", "application/json", None),
    ("rsl", "/license.xml", "application/rsl+xml", "policy version"),
]


@pytest.mark.parametrize(
    ("path", "media", "marker"), [f[1:] for f in FILES], ids=[f[0] for f in FILES]
)
async def test_file_carries_version_and_validators(
    served: Served, path: str, media: str, marker: str | None
) -> None:
    resp = await served.client.get(path)
    assert resp.status == 200
    body = await resp.text()
    version = resp.headers["Heedful-Policy-Version"]
    assert version.startswith("1-")
    if marker is not None:
        assert f"{marker} {version}" in body
    assert resp.headers["Content-Type"].startswith(media)
    assert resp.headers["ETag"].startswith('"')
    assert resp.headers["Cache-Control"] == CACHE_CONTROL
    assert parsedate_to_datetime(resp.headers["Last-Modified"]).tzinfo is not None


@pytest.mark.parametrize("path", [f[1] for f in FILES], ids=[f[0] for f in FILES])
async def test_conditional_requests_get_304(served: Served, path: str) -> None:
    first = await served.client.get(path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    same = await served.client.get(path, headers={"If-None-Match": etag})
    assert same.status == 304
    assert await same.read() == b""
    assert same.headers["ETag"] == etag
    weak = await served.client.get(path, headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status == 304
    since = await served.client.get(path, headers={"If-Modified-Since": modified})
    assert since.status == 304
    changed = await served.client.get(path, headers={"If-None-Match": '"stale"'})
    assert changed.status == 200
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=5), usegmt=True)
    older = await served.client.get(path, headers={"If-Modified-Since": earlier})
    assert older.status == 200
    # RFC 9110 13.2.2: If-None-Match wins over If-Modified-Since.
    both = await served.client.get(
        path, headers={"If-None-Match": '"stale"', "If-Modified-Since": modified}
    )
    assert both.status == 200
    garbage = await served.client.get(path, headers={"If-Modified-Since": "yesterday-ish"})
    assert garbage.status == 200


async def test_files_parse_cleanly_with_the_readers(served: Served) -> None:
    base = served.url("/")
    robots = parse_robots((await (await served.client.get("/robots.txt")).read()), source=base)
    assert robots.value.named_agents()
    assert robots.value.license_urls == (served.url("/license.xml"),)
    ai = parse_ai_txt(await (await served.client.get("/ai.txt")).read(), source=base)
    assert not [d for d in ai.diagnostics if d.severity == "error"]
    tdm = parse_tdmrep(
        await (await served.client.get("/.well-known/tdmrep.json")).read(), source=base
    )
    assert not [d for d in tdm.diagnostics if d.severity == "error"]
    rsl = parse_rsl(await (await served.client.get("/license.xml")).read(), source=base)
    assert not [d for d in rsl.diagnostics if d.severity == "error"]


async def test_head_requests_work(served: Served) -> None:
    resp = await served.client.head("/robots.txt")
    assert resp.status == 200
    assert "ETag" in resp.headers


async def test_base_url_pins_absolute_urls(serve: ServeFactory) -> None:
    served = await serve(base_url="https://news.example")
    robots = await (await served.client.get("/robots.txt")).text()
    assert "License: https://news.example/license.xml" in robots
    page = await served.client.get("/anything")
    assert "<https://news.example/license.xml>" in page.headers["Link"]


async def test_no_licence_means_no_rsl_document(serve: ServeFactory) -> None:
    no_licence = OTHER_POLICY.replace('attribution = "Test News, CC BY 4.0"\n', "")
    served = await serve(policy=no_licence)
    resp = await served.client.get("/license.xml")
    assert resp.status == 404
    assert "License:" not in await (await served.client.get("/robots.txt")).text()


async def test_new_policy_changes_files_and_validators(served: Served) -> None:
    before = await served.client.get("/robots.txt")
    resp = await served.client.put(
        "/api/v1/admin/policy",
        data=OTHER_POLICY,
        headers={**served.admin, "Content-Type": "text/plain"},
    )
    assert resp.status == 201, await resp.text()
    after = await served.client.get(
        "/robots.txt", headers={"If-None-Match": before.headers["ETag"]}
    )
    assert after.status == 200
    assert after.headers["Heedful-Policy-Version"].startswith("2-")
    assert after.headers["ETag"] != before.headers["ETag"]


async def test_removals_list_is_published_empty(served: Served) -> None:
    resp = await served.client.get(REMOVALS_PATH)
    assert resp.status == 200
    document = await resp.json()
    assert document["version"] == 1
    assert document["removals"] == []
    again = await served.client.get(REMOVALS_PATH, headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status == 304


async def test_rendering_is_cached_per_version(served: Served) -> None:
    state = served.app[STATE]
    first = state.rendering(served.url("/").rstrip("/"))
    second = state.rendering(served.url("/").rstrip("/"))
    assert first is second
    assert state.for_request("http", "a.example") is state.for_request("http", "a.example")
    assert state.for_request("http", "a.example") is not state.for_request("https", "a.example")


HOSTS = [
    # (id, Host header, License: line in robots.txt); without --base-url the origin comes from
    # Host, and an implausible Host falls back to the policy's own site URL
    ("host name", "News.Example", "License: http://news.example/license.xml"),
    ("host and port", "news.example:8443", "License: http://news.example:8443/license.xml"),
    ("ipv6 literal", "[::1]:8080", "License: http://[::1]:8080/license.xml"),
    ("not a host name", "bad host/x", "License: https://news.example/license.xml"),
]


@pytest.mark.parametrize(("host", "line"), [h[1:] for h in HOSTS], ids=[h[0] for h in HOSTS])
async def test_absolute_urls_follow_the_host_header(served: Served, host: str, line: str) -> None:
    resp = await served.client.get("/robots.txt", headers={"Host": host})
    assert resp.status == 200
    assert line in (await resp.text()).splitlines()


async def test_a_new_policy_reaches_every_host_already_seen(served: Served) -> None:
    for host in ("a.example", "b.example"):
        resp = await served.client.get("/robots.txt", headers={"Host": host})
        assert resp.headers["Heedful-Policy-Version"].startswith("1-")
    resp = await served.client.put(
        "/api/v1/admin/policy",
        data=OTHER_POLICY,
        headers={**served.admin, "Content-Type": "text/plain"},
    )
    assert resp.status == 201, await resp.text()
    for host in ("a.example", "b.example"):
        resp = await served.client.get("/robots.txt", headers={"Host": host})
        assert resp.headers["Heedful-Policy-Version"].startswith("2-")


def test_remembered_hosts_are_bounded(served: Served) -> None:
    state = served.app[STATE]
    for number in range(MAX_HOSTS + 10):
        state.for_request("http", f"h{number}.example")
    assert len(state._by_host) <= MAX_HOSTS


async def test_health(served: Served) -> None:
    for path in ("/api/v1/health", "/healthz"):
        resp = await served.client.get(path)
        assert resp.status == 200
        body = await resp.json()
        assert body["ok"] is True
        assert body["policy_number"] == 1
