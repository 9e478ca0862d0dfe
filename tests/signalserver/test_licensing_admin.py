"""The licence server's admin API and statement page: the API with the bearer token, the page
in a real headless browser (Debian chromium through playwright, no JavaScript)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.browser import chromium
from tests.signalserver.conftest import Served, ServeFactory, assert_error
from tests.signalserver.processes import serve_process
from tests.signalserver.test_licensing import fetch as licensed_fetch
from tests.signalserver.test_licensing import new_token, priced, start
from tests.signalserver.test_licensing_cli import BASE, add_client, fetch, token


async def test_admin_api_registers_lists_revokes_and_states(
    serve: ServeFactory, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / "photos").mkdir(parents=True)
    (site / "photos" / "a.html").write_text("<html><head></head><body>a</body></html>")
    served, _ = await start(serve, site)
    denied = await served.client.post("/api/v1/admin/licensing/clients", json={"name": "X"})
    assert denied.status == 401
    assert_error(await denied.json(), 401)
    made = await served.client.post(
        "/api/v1/admin/licensing/clients", json={"name": "Admin AI"}, headers=served.admin
    )
    body = await made.json()
    assert made.status == 201, body
    secret = body["client_secret"]
    listed = await served.client.get("/api/v1/admin/licensing/clients", headers=served.admin)
    text = await listed.text()
    assert "Admin AI" in text
    assert secret not in text
    bad = await served.client.post(
        "/api/v1/admin/licensing/clients",
        json={"name": "K", "key": {"kty": "RSA"}},
        headers=served.admin,
    )
    assert bad.status == 400
    statement = await served.client.get(
        "/api/v1/admin/licensing/statement?period=2026-13", headers=served.admin
    )
    assert statement.status == 400
    revoked = await served.client.post(
        f"/api/v1/admin/licensing/clients/{body['client_id']}/revoke", headers=served.admin
    )
    assert (await revoked.json())["revoked_at"]
    await _statement_counts(served)


async def _statement_counts(served: Served) -> None:
    from heedful.signalserver.keys import DATABASE
    from heedful.signalserver.licence_clients import register

    client = await register(served.app[DATABASE], "Counted AI")
    access = (await new_token(served, client))["access_token"]
    assert (await licensed_fetch(served, access)).status == 200
    response = await served.client.get("/api/v1/admin/licensing/statement", headers=served.admin)
    document = await response.json()
    assert document["totals"]["fetches"] == 1
    assert document["note"].startswith("No money moves")


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


@pytest.mark.e2e
def test_admin_reads_the_statement_in_a_browser(browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    site = tmp_path / "site"
    (site / "photos").mkdir(parents=True)
    (site / "photos" / "0.html").write_text("<html><head></head><body>0</body></html>")
    policy = tmp_path / "policy.toml"
    policy.write_text(priced(), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'h.db'}"
    client = add_client(db, "Browser AI")
    args = ["--db", db, "--static", str(site), "--no-access-log", "--base-url", BASE]
    with serve_process(policy, *args) as server:
        access = str(token(server.url, client, "/photos/0.html")["access_token"])
        for _ in range(3):
            assert fetch(server.url, access, "/photos/0.html") == (200, "USD 0.01")
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(server.url + "/admin/statement")
        page.get_by_label("Admin token").fill(server.token)
        page.get_by_role("button", name="Sign in").click()
        page.goto(server.url + "/admin/statement")
        expect(page.locator("#heading")).to_have_text("Licensing statement")
        expect(page.locator("#statement tr.licensee")).to_contain_text("Browser AI")
        expect(page.locator("#statement tr.rightsholder")).to_contain_text("Lumen Agency")
        expect(page.locator("#statement tr.total")).to_contain_text("USD 0.03")
        expect(page.locator("#reconciliation")).to_contain_text(
            "1 tokens issued, 3 licensed fetches; every fetch belongs to an issued token."
        )
        expect(page.locator("#note")).to_contain_text("No money moves")
        assert client["client_secret"] not in page.content()
        with urllib.request.urlopen(
            urllib.request.Request(
                server.url + "/api/v1/admin/licensing/statement",
                headers={"Authorization": f"Bearer {server.token}"},
            ),
            timeout=10,
        ) as response:
            assert json.load(response)["totals"]["amounts"] == {"USD": "0.03"}
        context.close()
