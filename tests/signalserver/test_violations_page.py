"""The violation log through the admin API (pagination, filters) and the admin page in a real
browser (Debian chromium through playwright): charts of requests and violations per agent per
day, and the latest violations with their rules."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.browser import chromium
from tests.signalserver.conftest import POLICY, Served, ServeFactory, assert_error
from tests.signalserver.processes import ServeProcess, serve_process
from tests.signalserver.test_enforcement import GPTBOT

CLAUDE = "Mozilla/5.0 (compatible; ClaudeBot/1.0; +claudebot@anthropic.com)"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "private").mkdir(parents=True)
    (root / "article.html").write_text("<html><head></head><body>a</body></html>")
    (root / "private" / "page.html").write_text("<html><head></head><body>p</body></html>")
    return root


async def test_admin_api_pages_and_filters(serve: ServeFactory, site: Path) -> None:
    served: Served = await serve(static_dir=site)
    for _ in range(3):
        await served.client.get("/article.html", headers={"User-Agent": GPTBOT})
    await served.client.get("/private/page.html", headers={"User-Agent": CLAUDE})
    unauthorised = await served.client.get("/api/v1/admin/violations")
    assert unauthorised.status == 401
    assert_error(await unauthorised.json(), 401)
    first = await (
        await served.client.get("/api/v1/admin/violations?limit=2", headers=served.admin)
    ).json()
    assert [v["agent"] for v in first["violations"]] == ["ClaudeBot", "GPTBot"]
    assert first["next"] is not None
    rest = await (
        await served.client.get(
            f"/api/v1/admin/violations?limit=2&before={first['next']}", headers=served.admin
        )
    ).json()
    assert len(rest["violations"]) == 2
    assert rest["next"] is not None
    only = await (
        await served.client.get("/api/v1/admin/violations?agent=ClaudeBot", headers=served.admin)
    ).json()
    assert [v["rule"] for v in only["violations"]] == [
        'paths[1] (path = "/private/", access = "deny")'
    ]
    assert only["next"] is None
    bad = await served.client.get("/api/v1/admin/violations?blocked=maybe", headers=served.admin)
    assert_error(await bad.json(), 400)
    daily = await (
        await served.client.get("/api/v1/admin/crawlers/daily", headers=served.admin)
    ).json()
    assert {(d["agent"], d["requests"], d["violations"]) for d in daily["days"]} == {
        ("GPTBot", 3, 3),
        ("ClaudeBot", 1, 1),
    }


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def server(tmp_path: Path, site: Path) -> Iterator[ServeProcess]:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    args = ("--db", f"sqlite:///{tmp_path / 'h.db'}", "--no-access-log", "--static", str(site))
    with serve_process(policy, *args) as proc:
        yield proc


def _get(url: str, user_agent: str) -> int:
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


@pytest.mark.e2e
def test_admin_page_shows_charts_and_violations(browser: object, server: ServeProcess) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    assert _get(server.url + "/private/page.html", GPTBOT) == 200  # monitored, served
    assert _get(server.url + "/article.html", CLAUDE) == 200
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/admin/login")
    page.get_by_label("Admin token").fill(server.token)
    page.get_by_role("button", name="Sign in").click()
    page.goto(server.url + "/admin/violations")
    expect(page.locator("#heading")).to_have_text("Crawlers and violations")
    expect(page.locator("#totals")).to_contain_text("2 crawler requests, 2 violations")
    for chart in ("#requests-chart", "#violations-chart"):
        expect(page.locator(f"{chart} rect.bar")).to_have_count(2)  # one bar part per agent
        assert page.locator(chart).bounding_box()["height"] > 100  # type: ignore[index]
    rows = page.locator("#violations tr.violation")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("ClaudeBot")
    expect(page.locator("#violations")).to_contain_text('paths[1] (path = "/private/"')
