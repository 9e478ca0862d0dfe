"""``heedful audit`` and ``heedful check`` show each licence offer and whether a budget covers it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.audit.sites import Page, Served, serve
from tests.audit.test_offer_diff import _publish
from tests.e2e.conftest import heedful

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "examples" / "licensed-photos.toml").read_text()

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def agency() -> Iterator[str]:
    pages: dict[str, Page] = {}
    urls: Served
    with serve({"agency": pages}) as urls:
        _publish(pages, EXAMPLE, urls["agency"])
        yield urls["agency"]


def test_audit_lists_offers_with_budget_coverage(agency: str) -> None:
    run = heedful(
        "audit", agency + "/photos/1", "--sample", "0", "--timeout", "5", "--json",
        "--budget", "USD 1.00", "--max-price", "USD 0.02",
    )  # fmt: skip
    assert run.code == 0, run.err
    offers = json.loads(run.out)["offers"]
    by_payment = {offer["payment"]: offer for offer in offers}
    training, per_crawl = by_payment["training"], by_payment["crawl"]
    assert training["usage"] == ["ai-train"]
    assert training["amount"] == "USD 0.05"
    assert training["server"] == agency + "/licensing"
    assert training["scope"] == "/photos/*"
    assert training["creators"] == "Ana Lima; Bo Chen"
    assert training["creator_consent"] == "ai-input"
    assert training["budget"] == {
        "covered": False,
        "reason": "USD 0.05 is more than the max price of USD 0.02",
    }
    assert per_crawl["usage"] == ["ai-input"]
    assert per_crawl["budget"]["covered"] is True


def test_audit_text_names_uses_price_and_server(agency: str) -> None:
    run = heedful(
        "audit", agency + "/photos/1", "--sample", "0", "--timeout", "5", "--no-matrix",
        "--budget", "USD 0.03",
    )  # fmt: skip
    assert run.code == 0, run.err
    assert "Licence offers" in run.out
    assert f"uses ai-input, crawl, USD 0.01, scope /photos/*, server {agency}/licensing" in run.out
    assert "budget: not covered: USD 0.05 is more than the budget of USD 0.03" in run.out


def test_check_shows_the_offer_for_the_use_and_what_is_missing(agency: str) -> None:
    run = heedful(
        "check", agency + "/photos/1", "--use", "ai-input", "--mode", "consent",
        "--budget", "USD 1.00", "--timeout", "5",
    )  # fmt: skip
    assert run.code == 4, run.out + run.err
    assert "licence offered for ai-input" in run.out
    assert "uses ai-input, crawl, USD 0.01" in run.out
    assert "budget: covered" in run.out
    assert "missing for ai-input: licence (creator consent given)" in run.out
    training = heedful(
        "check", agency + "/photos/1", "--mode", "consent", "--timeout", "5", "--json",
    )  # fmt: skip
    decision = json.loads(training.out)
    assert decision["verdict"] == "deny"
    assert decision["missing"] == ["licence", "creator-consent"]
    assert decision["creator_consent"] == "refused"
