"""``--static`` and ``--upstream``: content served with the policy's headers and <head>."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from heedful.signalserver.keys import STATE
from tests.signalserver.conftest import Served, ServeFactory


def expected(served: Served, path: str, media: str | None) -> dict[str, str]:
    """The policy's own headers for ``path`` (what every answer must carry)."""
    rendering = served.app[STATE].rendering(served.url("/").rstrip("/"))
    return dict(rendering.site.headers_for(path, media))


def carries(headers: Any, wanted: dict[str, str]) -> bool:
    return all(value in headers.getall(name, []) for name, value in wanted.items())


PAGE = b"<!DOCTYPE html><html><HEAD lang=en><title>t</title></HEAD><body>hello</body></html>"


def _site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "open").mkdir(parents=True)
    (root / "index.html").write_bytes(PAGE)
    (root / "open" / "data.csv").write_text("a,b\n1,2\n")
    (root / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0fakejpeg")
    (tmp_path / "secret.txt").write_text("outside the root")
    return root


async def test_static_files_get_policy_headers_and_head(
    serve: ServeFactory, tmp_path: Path
) -> None:
    served = await serve(static_dir=_site(tmp_path))
    client = served.client
    page = await client.get("/")
    body = await page.read()
    assert page.status == 200
    assert carries(page.headers, expected(served, "/", "text/html"))
    assert page.headers["Heedful-Policy-Version"].startswith("1-")
    assert body.startswith(b"<!DOCTYPE html><html><HEAD lang=en>\n<meta")
    assert b"hello" in body
    assert int(page.headers["Content-Length"]) == len(body)

    data = await client.get("/open/data.csv")
    assert data.status == 200
    assert await data.read() == b"a,b\n1,2\n"
    assert carries(data.headers, expected(served, "/open/data.csv", "text/csv"))

    photo = await client.get("/photo.jpg")
    assert photo.status == 200
    assert photo.headers["Content-Type"] == "image/jpeg"
    assert carries(photo.headers, expected(served, "/photo.jpg", "image/jpeg"))

    missing = await client.get("/nothing-here.html")
    assert missing.status == 404
    assert missing.headers["Heedful-Policy-Version"].startswith("1-")

    for escape in ("/../secret.txt", "/%2e%2e/secret.txt", "/open/../../secret.txt"):
        resp = await client.get(escape)
        assert resp.status == 404, escape
        assert "outside the root" not in await resp.text()

    post = await client.post("/index.html", data=b"x")
    assert post.status == 405


async def test_check_api_reads_the_static_page(serve: ServeFactory, tmp_path: Path) -> None:
    served = await serve(static_dir=_site(tmp_path))
    resp = await served.client.get(
        "/api/v1/check", params={"url": served.url("/"), "use": "ai-train"}
    )
    decision = await resp.json()
    assert decision["verdict"] == "deny"
    assert any(r["location"].startswith("meta") for r in decision["reasons"]), decision["reasons"]


async def _origin(aiohttp_server: Any) -> Any:
    seen: list[dict[str, str]] = []

    async def page(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.Response(
            body=PAGE,
            content_type="text/html",
            headers={"X-Origin": "yes", "Link": '</style.css>; rel="preload"'},
        )

    async def data(request: web.Request) -> web.Response:
        return web.Response(
            body=await request.read() or b"binary",
            content_type="application/octet-stream",
            status=202,
        )

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_route("*", "/data", data)
    server = await aiohttp_server(app)
    return server, seen


async def test_upstream_is_proxied_with_policy_headers(
    serve: ServeFactory, aiohttp_server: Any
) -> None:
    origin, seen = await _origin(aiohttp_server)
    served = await serve(upstream=str(origin.make_url("")).rstrip("/"))
    page = await served.client.get("/", headers={"X-Test": "1"})
    body = await page.read()
    assert page.status == 200
    assert page.headers["X-Origin"] == "yes"
    assert carries(page.headers, expected(served, "/", "text/html"))
    assert len(page.headers.getall("Link")) == 2
    head = served.app[STATE].rendering(served.url("/").rstrip("/")).site.html_head_for("/")
    assert head.encode() in body
    assert seen[0]["X-Test"] == "1"
    data = await served.client.post("/data", data=b"payload")
    assert data.status == 202
    assert await data.read() == b"payload"
    assert data.headers["Heedful-Policy-Version"].startswith("1-")
    # The published files are the server's own, never the origin's.
    assert (await served.client.get("/robots.txt")).status == 200


async def test_unreachable_upstream_is_a_502(serve: ServeFactory) -> None:
    served = await serve(upstream="http://127.0.0.1:9")
    resp = await served.client.get("/anything")
    assert resp.status == 502
    assert (await resp.json())["status"] == 502
