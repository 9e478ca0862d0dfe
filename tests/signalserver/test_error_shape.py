"""Every error, from every kind of route, has the one JSON shape (style.md D, rule G.8)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.signalserver.conftest import Served, assert_error

CASES: list[tuple[str, str, str, dict[str, Any], int]] = [
    # (id, method, path, request kwargs, status)
    ("unknown path", "GET", "/no/such/page", {}, 404),
    ("path with a newline", "GET", "/a%0Ab", {}, 404),
    ("unknown api path with post", "POST", "/api/v1/nothing", {"data": b"x"}, 405),
    ("unknown api path", "GET", "/api/v1/nothing", {}, 404),
    ("wrong method on a file", "DELETE", "/robots.txt", {}, 405),
    ("wrong method on content", "PUT", "/page", {}, 405),
    ("check without url", "GET", "/api/v1/check", {}, 400),
    ("check with relative url", "GET", "/api/v1/check?url=/x", {}, 400),
    ("check with bad use", "GET", "/api/v1/check?url=http://a.example/&use=eat", {}, 400),
    ("check with bad mode", "GET", "/api/v1/check?url=http://a.example/&mode=maybe", {}, 400),
    (
        "check with bad flag",
        "GET",
        "/api/v1/check?url=http://a.example/&tdm_covers_search=y",
        {},
        400,
    ),
    ("check with control chars", "GET", "/api/v1/check?url=http://a.example/&agent=%07", {}, 400),
    (
        "removal not json",
        "POST",
        "/api/v1/removals",
        {"data": b"{", "headers": {"Content-Type": "application/json"}},
        400,
    ),
    (
        "removal wrong type",
        "POST",
        "/api/v1/removals",
        {"data": b"x", "headers": {"Content-Type": "text/plain"}},
        415,
    ),
    (
        "removal too big",
        "POST",
        "/api/v1/removals",
        {"data": b"x" * 100_000, "headers": {"Content-Type": "application/json"}},
        413,
    ),
    ("status without receipt", "GET", "/api/v1/removals/abc", {}, 400),
    ("status unknown", "GET", "/api/v1/removals/abc?receipt=x", {}, 404),
    ("admin without token", "GET", "/api/v1/admin/policy", {}, 401),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_error_shape(
    served: Served, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    resp = await served.client.request(method, path, **kwargs)
    assert resp.status == status
    assert resp.headers["Content-Type"].startswith("application/json")
    assert_error(await resp.json(), status)


async def test_check_reports_every_bad_parameter_at_once(served: Served) -> None:
    resp = await served.client.get(
        "/api/v1/check", params={"use": "eat", "mode": "maybe", "aipref_draft": "09"}
    )
    body = await resp.json()
    assert {e["field"] for e in body["errors"]} == {"url", "use", "mode", "aipref_draft"}


@pytest.mark.parametrize("draft", ["07", "08"])
async def test_check_answers_under_the_asked_aipref_revision(served: Served, draft: str) -> None:
    params = {"url": "https://news.example/articles/1", "aipref_draft": draft}
    resp = await served.client.get("/api/v1/check", params=params)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["aipref_draft"] == draft


async def test_html_routes_answer_errors_as_pages(served: Served) -> None:
    resp = await served.client.post("/removals/new", data={"name": "x"})
    assert resp.status == 403
    assert resp.headers["Content-Type"].startswith("text/html")
    assert 'role="alert"' in await resp.text()
