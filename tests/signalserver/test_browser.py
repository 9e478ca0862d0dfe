"""The HTML forms in a real headless browser (Debian chromium through playwright), no JavaScript
on the pages: a creator submits the form and sees a receipt, checks status; an admin signs in
and approves; the removal appears in removals.json."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.browser import chromium
from tests.signalserver.conftest import POLICY
from tests.signalserver.processes import ServeProcess, serve_process

pytestmark = pytest.mark.e2e


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServeProcess]:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    with serve_process(policy, "--db", f"sqlite:///{tmp_path / 'h.db'}", "--no-access-log") as proc:
        yield proc


def test_creator_submits_and_admin_approves(browser: object, server: ServeProcess) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    work = "https://news.example/photos/jane-1"
    creator = browser.new_context(java_script_enabled=False)
    page = creator.new_page()
    page.goto(server.url + "/removals/new")
    expect(page.locator("#heading")).to_have_text("Ask for a work to be removed")
    # Fields are found by their visible labels: the form is usable with assistive technology.
    page.get_by_label("Addresses (URLs) of the work, one per line").fill(work)
    page.get_by_label("Your name").fill("Jane Doe")
    page.get_by_label("How we can reach you (email address or similar)").fill("jane@example.org")
    page.get_by_label("Your relation to the work").fill("I took the photograph")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#heading")).to_have_text("Request received")
    receipt = page.locator("#receipt").inner_text().strip()
    request_id = page.locator("#request-id").inner_text().strip()
    assert len(receipt) >= 40
    page.get_by_role("button", name="Check the status now").click()
    expect(page.locator("#status")).to_have_attribute("data-status", "pending")

    # A bad submission is answered with the form and a readable message.
    page.goto(server.url + "/removals/new")
    page.get_by_label("Addresses (URLs) of the work, one per line").fill("not-a-url")
    page.get_by_label("Your name").fill("Jane Doe")
    page.get_by_label("How we can reach you (email address or similar)").fill("jane@example.org")
    page.get_by_label("Your relation to the work").fill("author")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".errors")).to_contain_text("“not-a-url” is not a web address")
    # Another site's page is refused in words, with the values kept and search still offered.
    page.get_by_label("Addresses (URLs) of the work, one per line").fill(
        "https://other.example/photo"
    )
    page.get_by_label("Also remove the work from search engines").check()
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".errors")).to_contain_text(
        "only addresses starting with https://news.example can be removed here"
    )
    expect(page.get_by_label("Also remove the work from search engines")).to_be_checked()

    admin = browser.new_context(java_script_enabled=False)
    review = admin.new_page()
    review.goto(server.url + "/admin/removals")
    expect(review.locator("#heading")).to_have_text("Sign in to review removal requests")
    review.get_by_label("Admin token").fill(server.token)
    review.get_by_role("button", name="Sign in").click()
    expect(review.locator("#heading")).to_have_text("Removal requests")
    expect(review.locator(f"#removal-{request_id}")).to_contain_text("jane@example.org")
    review.locator(f"#approve-{request_id}").click()
    expect(review.locator(f"#removal-{request_id}")).to_contain_text("approved")

    with urllib.request.urlopen(
        server.url + "/.well-known/heedful/removals.json", timeout=10
    ) as resp:
        published = json.load(resp)
    assert [e["url"] for e in published["removals"]] == [work]
    assert [e["uses"] for e in published["removals"]] == [
        ["tdm", "ai-train", "genai-train", "ai-input"]
    ]
    assert "jane@example.org" not in json.dumps(published)
    assert "Jane Doe" not in json.dumps(published)

    page.goto(server.url + "/removals/status")
    page.get_by_label("Request number").fill(request_id)
    page.get_by_label("Receipt").fill(receipt)
    page.get_by_role("button", name="Check status").click()
    expect(page.locator("#status")).to_have_attribute("data-status", "approved")
    creator.close()
    admin.close()
