"""The HTML pages without a browser: CSRF, validation messages, receipts, admin sessions."""

from __future__ import annotations

import re

from heedful.policies.signals.removals import REMOVALS_PATH
from tests.signalserver.conftest import Served, ServeFactory

FORM = {
    "urls": "https://news.example/photos/42\nhttps://news.example/photos/43\n",
    "url_prefix": "",
    "name": "Jane Doe",
    "contact": "jane@example.org",
    "relation": "photographer",
    "text": "",
}


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, html
    return found.group(1)


async def csrf_of(served: Served, path: str = "/removals/new") -> str:
    resp = await served.client.get(path)
    assert resp.status == 200
    assert "heedful_csrf" in resp.cookies or served.client.session.cookie_jar.filter_cookies(
        served.client.make_url("/")
    ).get("heedful_csrf")
    return hidden(await resp.text(), "csrf")


async def test_form_is_plain_accessible_html(served: Served) -> None:
    resp = await served.client.get("/removals/new")
    html = await resp.text()
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "<script" not in html
    for field in ("urls", "url_prefix", "name", "contact", "relation", "text"):
        assert f'<label for="{field}">' in html
        assert f'id="{field}"' in html
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie


async def test_submit_shows_receipt_and_status(served: Served) -> None:
    token = await csrf_of(served)
    resp = await served.client.post("/removals/new", data={**FORM, "csrf": token})
    assert resp.status == 201
    html = await resp.text()
    receipt = re.search(r'id="receipt" class="receipt">([^<]+)<', html)
    rid = re.search(r'id="request-id" class="receipt">([^<]+)<', html)
    assert receipt
    assert rid
    status = await served.client.post(
        "/removals/status",
        data={"csrf": hidden(html, "csrf"), "id": rid.group(1), "receipt": receipt.group(1)},
    )
    assert status.status == 200
    assert 'data-status="pending"' in await status.text()
    wrong = await served.client.post(
        "/removals/status", data={"csrf": hidden(html, "csrf"), "id": rid.group(1), "receipt": "no"}
    )
    assert wrong.status == 404
    assert "no removal request with that number and receipt" in await wrong.text()


async def test_missing_or_forged_csrf_is_refused(served: Served) -> None:
    no_token = await served.client.post("/removals/new", data=FORM)
    assert no_token.status == 403
    assert "reload the page" in await no_token.text()
    await csrf_of(served)
    forged = await served.client.post("/removals/new", data={**FORM, "csrf": "1.2.3"})
    assert forged.status == 403


async def test_validation_errors_are_shown_with_the_values_kept(served: Served) -> None:
    token = await csrf_of(served)
    resp = await served.client.post(
        "/removals/new", data={**FORM, "urls": "not a url", "name": "", "csrf": token}
    )
    assert resp.status == 400
    html = await resp.text()
    assert 'class="errors"' in html
    assert "“not a url” is not a web address" in html
    assert "Give your name." in html
    assert "not a url" in html
    assert 'value="jane@example.org"' in html


async def test_markup_in_input_is_escaped(served: Served) -> None:
    token = await csrf_of(served)
    resp = await served.client.post(
        "/removals/new", data={**FORM, "urls": "<script>alert(1)</script>", "csrf": token}
    )
    html = await resp.text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


async def test_admin_login_review_and_approve(served: Served) -> None:
    client = served.client
    token = await csrf_of(served)
    made = await client.post("/removals/new", data={**FORM, "csrf": token})
    rid = re.search(r'id="request-id" class="receipt">([^<]+)<', await made.text())
    assert rid

    redirect = await client.get("/admin/removals", allow_redirects=False)
    assert (redirect.status, redirect.headers["Location"]) == (303, "/admin/login")

    login_page = await client.get("/admin/login")
    csrf = hidden(await login_page.text(), "csrf")
    bad = await client.post("/admin/login", data={"csrf": csrf, "token": "wrong"})
    assert bad.status == 401
    assert "not the admin token" in await bad.text()
    good = await client.post(
        "/admin/login", data={"csrf": csrf, "token": served.token}, allow_redirects=False
    )
    assert good.status == 303
    session_cookie = good.headers["Set-Cookie"]
    assert "heedful_admin=" in session_cookie
    assert "HttpOnly" in session_cookie
    assert served.token not in session_cookie

    review = await client.get("/admin/removals")
    html = await review.text()
    assert review.status == 200
    assert "jane@example.org" in html
    decide = await client.post(
        f"/admin/removals/{rid.group(1)}",
        data={"csrf": hidden(html, "csrf"), "decision": "approve", "reason": ""},
    )
    assert decide.status == 200  # after the 303 back to the review page
    published = await (await client.get(REMOVALS_PATH)).json()
    assert {e["url"] for e in published["removals"]} == {
        "https://news.example/photos/42",
        "https://news.example/photos/43",
    }
    # Without the CSRF field a session alone cannot decide.
    other = await client.post(f"/admin/removals/{rid.group(1)}", data={"decision": "reject"})
    assert other.status == 403

    logout = await client.post("/admin/logout", data={"csrf": hidden(html, "csrf")})
    assert logout.status == 200
    again = await client.get("/admin/removals", allow_redirects=False)
    assert again.status == 303


async def test_form_rate_limited(serve: ServeFactory) -> None:
    served = await serve(rate_per_minute=1.0, rate_burst=2)
    token = await csrf_of(served)
    statuses = [
        (await served.client.post("/removals/new", data={**FORM, "csrf": token})).status
        for _ in range(3)
    ]
    assert statuses == [201, 201, 429]
    limited = await served.client.post("/removals/new", data={**FORM, "csrf": token})
    assert "Too many requests from your address: try again in" in await limited.text()
