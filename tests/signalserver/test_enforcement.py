"""Enforcement in ``heedful serve`` (issue 12 sections 2 and 3): real servers on 127.0.0.1.

Requests carry real User-Agents; signed ones carry real Ed25519 Web Bot Auth signatures whose
key directory is served over real HTTPS (tests/helpers/webbotauth.py). Every violation must be
in the log, with the rule that denied it and the policy version in force.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from heedful.signalserver import store
from heedful.signalserver.keys import DATABASE, ENFORCER, RECORDER
from tests.helpers.webbotauth import key_directory
from tests.signalserver.conftest import POLICY, Served, ServeFactory

GPTBOT = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
OAI_SEARCH = "Mozilla/5.0 (compatible; OAI-SearchBot/1.0; +https://openai.com/searchbot)"

LICENSED = """\
[site]
name = "Licensed News"
url = "https://news.example"
contact = "rights@news.example"

[defaults]
search = "allow"
ai-input = "allow"
ai-train = "license"
tdm = "allow"

[[paths]]
path = "/private/"
access = "deny"

[license]
payment = "training"
amount = "0.01"
currency = "EUR"
"""


def _policy(extra: str, base: str = POLICY) -> str:
    return base + "\n" + extra


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    for name in ("article.html", "private/page.html", "open/story.html"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"<html><head></head><body>{name}</body></html>")
    return root


async def _violations(served: Served) -> list[Any]:
    await served.app[RECORDER].flush()
    return await store.violations(served.app[DATABASE])


async def test_monitor_is_the_default_and_records_the_rule(serve: ServeFactory, site: Path) -> None:
    served = await serve(static_dir=site)
    response = await served.client.get("/private/page.html", headers={"User-Agent": GPTBOT})
    assert response.status == 200  # monitored: served
    rows = await _violations(served)
    assert len(rows) == 1
    row = rows[0]
    assert (row.agent, row.denied, row.blocked, row.action) == (
        "GPTBot",
        "access",
        False,
        "monitor",
    )
    assert row.rule == 'paths[1] (path = "/private/", access = "deny")'
    assert row.status == 200
    assert row.policy_version.startswith("1-")
    assert row.level == "unverified"
    assert row.client_ip == "127.0.0.0/24"  # truncated by default


async def test_block_answers_403_citing_the_rule_and_spares_free_paths(
    serve: ServeFactory, site: Path
) -> None:
    served = await serve(static_dir=site, policy=_policy('[enforcement]\ntraining = "block"\n'))
    response = await served.client.get("/article.html", headers={"User-Agent": GPTBOT})
    assert response.status == 403
    body = await response.json()
    assert body["ok"] is False
    detail = body["errors"][0]
    assert detail["rule"] == 'defaults (ai-train = "deny")'
    assert detail["denied"] == "ai-train"
    assert detail["policy_version"] == response.headers["Heedful-Policy-Version"]
    html = await served.client.get(
        "/article.html", headers={"User-Agent": GPTBOT, "Accept": "text/html"}
    )
    assert html.status == 403
    assert "defaults (ai-train = &quot;deny&quot;)" in await html.text()
    for path in (
        "/robots.txt",
        "/ai.txt",
        "/.well-known/tdmrep.json",
        "/api/v1/check?url=/a&use=ai-train",
    ):
        free = await served.client.get(path, headers={"User-Agent": GPTBOT})
        assert free.status != 403, path
    allowed = await served.client.get("/open/story.html", headers={"User-Agent": GPTBOT})
    assert allowed.status == 200  # ai-train is allowed under /open/
    browser = await served.client.get("/article.html", headers={"User-Agent": BROWSER})
    assert browser.status == 200
    rows = await _violations(served)
    assert [(r.path, r.blocked, r.status) for r in rows] == [
        ("/article.html", True, 403),
        ("/article.html", True, 403),
    ]


async def test_per_agent_action_beats_the_class(serve: ServeFactory, site: Path) -> None:
    policy = _policy(
        '[enforcement]\ntraining = "block"\n\n[[enforcement.agents]]\nagent = "GPTBot"\naction = "monitor"\n'
    )
    served = await serve(static_dir=site, policy=policy)
    response = await served.client.get("/article.html", headers={"User-Agent": GPTBOT})
    assert response.status == 200
    assert [r.action for r in await _violations(served)] == ["monitor"]


async def test_license_answers_402_with_the_rsl_challenge(serve: ServeFactory, site: Path) -> None:
    served = await serve(
        static_dir=site, policy=_policy('[enforcement]\ntraining = "license"\n', LICENSED)
    )
    response = await served.client.get("/article.html", headers={"User-Agent": GPTBOT})
    assert response.status == 402
    server = served.url("/licensing").replace("localhost", "127.0.0.1")
    assert response.headers["WWW-Authenticate"] == f'License realm="{server}"'
    assert response.headers["Link"].endswith(
        '/license.xml>; rel="license"; type="application/rsl+xml"'
    )
    body = await response.json()
    assert body["errors"][0]["rule"] == 'defaults (ai-train = "license")'
    shown = await served.client.get(
        "/article.html", headers={"User-Agent": GPTBOT, "Authorization": "License abc.def"}
    )
    assert shown.status == 401  # a licence is verified now (tests/signalserver/test_licensing.py)
    assert shown.headers["WWW-Authenticate"].startswith('License error="invalid_token"')
    denied = await served.client.get("/private/page.html", headers={"User-Agent": GPTBOT})
    assert denied.status == 403  # a flat deny cannot be licensed
    assert [r.status for r in await _violations(served)] == [403, 402]


async def test_crawl_delay_is_published_and_enforced(serve: ServeFactory, site: Path) -> None:
    served = await serve(
        static_dir=site, policy=_policy("[enforcement]\ncrawl-delay = 30\nburst = 2\n")
    )
    robots = await (await served.client.get("/robots.txt")).text()
    assert "Crawl-delay: 30" in robots
    statuses = []
    for _ in range(3):
        response = await served.client.get("/open/story.html", headers={"User-Agent": OAI_SEARCH})
        statuses.append(response.status)
    assert statuses == [200, 200, 429]
    assert 1 <= int(response.headers["Retry-After"]) <= 30
    for _ in range(5):  # robots.txt is never limited
        assert (
            await served.client.get("/robots.txt", headers={"User-Agent": OAI_SEARCH})
        ).status == 200
    assert (
        await served.client.get("/open/story.html", headers={"User-Agent": BROWSER})
    ).status == 200


def _ranges(tmp_path: Path, prefix: str) -> Path:
    folder = tmp_path / "ranges"
    folder.mkdir()
    snapshot = {
        "vendor": "OpenAI",
        "agents": ["GPTBot"],
        "source": "https://openai.com/gptbot.json",
        "retrieved": "2026-12-01",
        "placeholder": False,
        "ranges": {"creationTime": "2026-12-01T00:00:00", "prefixes": [{"ipv4Prefix": prefix}]},
    }
    (folder / "openai-gptbot.json").write_text(json.dumps(snapshot))
    return folder


async def test_a_spoofed_claim_is_reported_and_can_be_blocked(
    serve: ServeFactory, site: Path, tmp_path: Path
) -> None:
    served = await serve(
        static_dir=site,
        ranges_dir=_ranges(tmp_path, "192.0.2.0/24"),
        policy=_policy('[enforcement]\nspoofed = "block"\n'),
    )
    response = await served.client.get("/open/story.html", headers={"User-Agent": GPTBOT})
    assert response.status == 403
    assert "claims to be GPTBot" in (await response.json())["error"]
    rows = await _violations(served)
    assert [(r.level, r.denied) for r in rows] == [("spoofed", "identity")]
    assert "outside https://openai.com/gptbot.json" in rows[0].evidence


async def test_published_ranges_verify_a_claim(
    serve: ServeFactory, site: Path, tmp_path: Path
) -> None:
    served = await serve(static_dir=site, ranges_dir=_ranges(tmp_path, "127.0.0.0/8"))
    await served.client.get("/article.html", headers={"User-Agent": GPTBOT})
    rows = await _violations(served)
    assert rows[0].level == "ip-range"
    assert "127.0.0.1 in 127.0.0.0/8" in rows[0].evidence


async def test_hashed_addresses_are_stable_and_not_the_address(
    serve: ServeFactory, site: Path
) -> None:
    served = await serve(static_dir=site, violation_ip="hashed")
    for _ in range(2):
        await served.client.get("/private/page.html", headers={"User-Agent": GPTBOT})
    rows = await _violations(served)
    assert rows[0].client_ip == rows[1].client_ip
    assert rows[0].client_ip.startswith("hmac:")
    assert "127.0.0.1" not in rows[0].client_ip


async def test_a_signed_bot_is_verified_once_per_signer(
    serve: ServeFactory, site: Path, tmp_path: Path
) -> None:
    async with key_directory(tmp_path) as signer:
        served = await serve(static_dir=site, key_directory_ca=signer.ca_file)
        authority = f"127.0.0.1:{served.client.port}"
        for _ in range(3):
            headers = signer.headers(
                authority, created=int(time.time()), user_agent="SignedAgent/1.0"
            )
            response = await served.client.get("/private/page.html", headers=headers)
            assert response.status == 200
        assert signer.fetches == 1
        assert served.app[ENFORCER]._directories is not None
        rows = await _violations(served)
        assert {(r.agent, r.level, r.signer) for r in rows} == {
            ("(unknown bot)", "signature", signer.origin)
        }
        tampered = signer.headers(
            "other.example", created=int(time.time()), user_agent="SignedAgent/1.0"
        )
        await served.client.get("/private/page.html", headers=tampered)
        rows = await _violations(served)
        assert rows[0].level == "unverified"  # a signature for another authority proves nothing
        days = await store.crawler_days(served.app[DATABASE])
        assert sum(d.requests for d in days) == 4


async def test_violations_are_stored_on_both_backends(
    serve: ServeFactory, site: Path, backend: str
) -> None:
    served = await serve(static_dir=site, database=backend)
    await served.client.get("/private/page.html", headers={"User-Agent": GPTBOT})
    await served.client.get("/article.html", headers={"User-Agent": GPTBOT})
    rows = await _violations(served)
    assert [r.denied for r in rows] == ["ai-train", "access"]
    days = await store.crawler_days(served.app[DATABASE])
    assert [(d.agent, d.requests, d.violations) for d in days] == [("GPTBot", 2, 2)]


async def test_enforcement_off_serves_everyone(serve: ServeFactory, site: Path) -> None:
    served = await serve(
        static_dir=site, enforcement=False, policy=_policy('[enforcement]\naction = "block"\n')
    )
    response = await served.client.get("/private/page.html", headers={"User-Agent": GPTBOT})
    assert response.status == 200
    assert await _violations(served) == []


async def test_an_approved_removal_makes_a_violation(serve: ServeFactory, site: Path) -> None:
    from tests.signalserver.test_removals_api import REQUEST, submit

    served = await serve(static_dir=site, base_url="https://news.example")
    claude = "Mozilla/5.0 (compatible; ClaudeBot/1.0; +claudebot@anthropic.com)"
    await served.client.get("/open/story.html", headers={"User-Agent": claude})
    assert await _violations(served) == []  # ai-train is allowed under /open/
    made = await submit(
        served, {**REQUEST, "urls": None, "url_prefix": "https://news.example/open/"}
    )
    decided = await served.client.post(
        f"/api/v1/admin/removals/{made['id']}", json={"decision": "approve"}, headers=served.admin
    )
    assert decided.status == 200
    await served.client.get("/open/story.html", headers={"User-Agent": claude})
    rows = await _violations(served)
    assert [(r.agent, r.denied) for r in rows] == [("ClaudeBot", "ai-train")]
    assert rows[0].rule.startswith("removal of https://news.example/open/* (approved 20")


async def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(
    serve: ServeFactory, site: Path, tmp_path: Path
) -> None:
    # The test client connects from 127.0.0.1: as the site's trusted proxy, its X-Forwarded-For
    # names the client; as anyone else, the same header is a forgery and is ignored.
    ranges = _ranges(tmp_path, "192.0.2.0/24")
    forged = {"User-Agent": GPTBOT, "X-Forwarded-For": "192.0.2.7"}
    untrusted = await serve(static_dir=site, ranges_dir=ranges)
    await untrusted.client.get("/article.html", headers=forged)
    assert [r.level for r in await _violations(untrusted)] == ["spoofed"]
    trusted = await serve(
        static_dir=site,
        ranges_dir=ranges,
        trusted_proxies=("127.0.0.1",),
        database=f"sqlite:///{tmp_path / 'behind-proxy.db'}",
    )
    await trusted.client.get("/article.html", headers=forged)
    rows = await _violations(trusted)
    assert [r.level for r in rows] == ["ip-range"]
    assert "192.0.2.7 in 192.0.2.0/24" in rows[0].evidence
