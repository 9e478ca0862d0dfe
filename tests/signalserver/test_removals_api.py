"""Removal requests through the API: submit, status by receipt, decide, publish; every limit."""

from __future__ import annotations

import json
from typing import Any

import pytest

from heedful.policies.signals.removals import REMOVALS_PATH, parse_removals
from heedful.signalserver import models
from heedful.signalserver.keys import DATABASE
from heedful.signalserver.models import RemovalRequest
from tests.signalserver.conftest import Served, ServeFactory, assert_error

REQUEST = {
    "urls": ["https://news.example/photos/42", "https://news.example/photos/43"],
    "name": "Jane Doe",
    "contact": "jane@example.org",
    "relation": "I took the photographs",
    "text": "Please keep these out of AI training.",
}


async def submit(served: Served, body: dict[str, Any] | None = None) -> dict[str, Any]:
    resp = await served.client.post("/api/v1/removals", json=body or REQUEST)
    assert resp.status == 201, await resp.text()
    return dict(await resp.json())


async def test_end_to_end_approval_is_published_without_personal_data(served_on: Served) -> None:
    client, admin = served_on.client, served_on.admin
    made = await submit(served_on)
    assert set(made) == {"ok", "id", "receipt", "status", "status_url"}
    assert made["status"] == "pending"

    status = await client.get(made["status_url"], params={"receipt": made["receipt"]})
    assert status.status == 200
    seen = await status.json()
    assert seen["status"] == "pending"
    assert seen["urls"] == REQUEST["urls"]
    assert "contact" not in seen

    listed = await (await client.get("/api/v1/admin/removals?status=pending", headers=admin)).json()
    (row,) = listed["removals"]
    assert row["contact"] == "jane@example.org"
    assert row["requester_name"] == "Jane Doe"

    decided = await client.post(
        f"/api/v1/admin/removals/{made['id']}", json={"decision": "approve"}, headers=admin
    )
    assert decided.status == 200
    assert (await decided.json())["status"] == "approved"

    published = await client.get(REMOVALS_PATH)
    text = await published.text()
    for private in ("Jane", "jane@example.org", "photographs", "AI training", made["receipt"]):
        assert private not in text
    entries = parse_removals(text).value.entries
    assert [e.url for e in entries] == REQUEST["urls"]
    assert all(e.approved_at.endswith("Z") for e in entries)

    after = await (await client.get(made["status_url"], params={"receipt": made["receipt"]})).json()
    assert after["status"] == "approved"
    assert after["decided_at"]

    again = await client.post(
        f"/api/v1/admin/removals/{made['id']}",
        json={"decision": "reject", "reason": "x"},
        headers=admin,
    )
    assert again.status == 409
    assert_error(await again.json(), 409)


async def test_check_api_denies_a_removed_url(served: Served) -> None:
    url = "https://news.example/open/photo-1"
    made = await submit(
        served, {**REQUEST, "urls": None, "url_prefix": "https://news.example/open/"}
    )
    before = await (
        await served.client.get("/api/v1/check", params={"url": url, "use": "ai-train"})
    ).json()
    assert before["verdict"] == "allow"
    await served.client.post(
        f"/api/v1/admin/removals/{made['id']}", json={"decision": "approve"}, headers=served.admin
    )
    after = await (
        await served.client.get("/api/v1/check", params={"url": url, "use": "ai-train"})
    ).json()
    assert after["verdict"] == "deny"
    assert any(r["signal"] == "removals" for r in after["reasons"])


async def test_rejection_needs_a_reason_and_shows_it(served: Served) -> None:
    made = await submit(served)
    path = f"/api/v1/admin/removals/{made['id']}"
    no_reason = await served.client.post(path, json={"decision": "reject"}, headers=served.admin)
    assert no_reason.status == 400
    assert_error(await no_reason.json(), 400)
    resp = await served.client.post(
        path, json={"decision": "reject", "reason": "Not our photo."}, headers=served.admin
    )
    assert resp.status == 200
    seen = await (
        await served.client.get(made["status_url"], params={"receipt": made["receipt"]})
    ).json()
    assert (seen["status"], seen["reason"]) == ("rejected", "Not our photo.")
    assert (await (await served.client.get(REMOVALS_PATH)).json())["removals"] == []


async def test_receipt_is_stored_only_as_a_hash(served_on: Served) -> None:
    made = await submit(served_on)
    async with served_on.app[DATABASE].read() as session:
        row = await session.get(RemovalRequest, made["id"])
    assert row is not None
    assert made["receipt"] not in json.dumps(row.model_dump(), default=str)


async def test_wrong_or_missing_receipt(served: Served) -> None:
    made = await submit(served)
    wrong = await served.client.get(made["status_url"], params={"receipt": "guess"})
    assert wrong.status == 404
    unknown = await served.client.get("/api/v1/removals/nope", params={"receipt": made["receipt"]})
    assert unknown.status == 404
    assert (await wrong.json())["error"] == (await unknown.json())["error"]
    missing = await served.client.get(made["status_url"])
    assert missing.status == 400
    for resp in (wrong, unknown, missing):
        assert_error(await resp.json(), resp.status)


BAD = [
    ("no target", {k: v for k, v in REQUEST.items() if k != "urls"}),
    ("both targets", {**REQUEST, "url_prefix": "https://news.example/"}),
    ("empty urls", {**REQUEST, "urls": []}),
    ("not a url", {**REQUEST, "urls": ["news.example/x"]}),
    ("ftp url", {**REQUEST, "urls": ["ftp://news.example/x"]}),
    ("javascript url", {**REQUEST, "urls": ["javascript:alert(1)"]}),
    (
        "too many urls",
        {**REQUEST, "urls": [f"https://n.example/{i}" for i in range(models.MAX_URLS + 1)]},
    ),
    ("url too long", {**REQUEST, "urls": ["https://n.example/" + "a" * models.MAX_URL_CHARS]}),
    ("no name", {**REQUEST, "name": ""}),
    ("name too long", {**REQUEST, "name": "n" * (models.MAX_NAME_CHARS + 1)}),
    ("contact too long", {**REQUEST, "contact": "c" * (models.MAX_CONTACT_CHARS + 1)}),
    ("no relation", {**REQUEST, "relation": "  "}),
    ("text too long", {**REQUEST, "text": "t" * (models.MAX_TEXT_CHARS + 1)}),
    ("unknown field", {**REQUEST, "admin": True}),
    ("wrong type", {**REQUEST, "urls": "https://news.example/x"}),
]


@pytest.mark.parametrize("body", [b[1] for b in BAD], ids=[b[0] for b in BAD])
async def test_bad_requests_are_refused_with_reasons(served: Served, body: dict[str, Any]) -> None:
    resp = await served.client.post("/api/v1/removals", json=body)
    assert resp.status == 400
    payload = await resp.json()
    assert_error(payload, 400)
    assert all(e["message"] for e in payload["errors"])


RAW = [
    ("not json", b"{oops", "application/json", 400),
    ("json array", b"[1, 2]", "application/json", 400),
    ("form body", b"name=x", "application/x-www-form-urlencoded", 415),
    ("too large", b'{"text": "' + b"x" * 70_000 + b'"}', "application/json", 413),
]


@pytest.mark.parametrize(("data", "ctype", "status"), [r[1:] for r in RAW], ids=[r[0] for r in RAW])
async def test_bad_bodies(served: Served, data: bytes, ctype: str, status: int) -> None:
    resp = await served.client.post("/api/v1/removals", data=data, headers={"Content-Type": ctype})
    assert resp.status == status
    assert_error(await resp.json(), status)


async def test_rate_limit_per_client(serve: ServeFactory) -> None:
    served = await serve(rate_per_minute=1.0, rate_burst=3)
    statuses = [
        (await served.client.post("/api/v1/removals", json=REQUEST)).status for _ in range(5)
    ]
    assert statuses == [201, 201, 201, 429, 429]
    limited = await served.client.post("/api/v1/removals", json=REQUEST)
    assert int(limited.headers["Retry-After"]) >= 1
    assert_error(await limited.json(), 429)
    # Reading is never limited.
    assert (await served.client.get("/robots.txt")).status == 200


async def test_unknown_removal_decision(served: Served) -> None:
    resp = await served.client.post(
        "/api/v1/admin/removals/nope", json={"decision": "approve"}, headers=served.admin
    )
    assert resp.status == 404
    bad = await served.client.post(
        "/api/v1/admin/removals/nope", json={"decision": "maybe"}, headers=served.admin
    )
    assert bad.status == 400
    listing = await served.client.get("/api/v1/admin/removals?status=odd", headers=served.admin)
    assert listing.status == 400
