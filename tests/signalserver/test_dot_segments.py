"""Raw request paths with dot segments: the content, its headers and the check API agree.

The requests go over a plain socket, so no client library resolves ``..`` or decodes ``%2e``
before the server sees them (RFC 3986 sections 5.2.4 and 6.2.2.2; docs/decisions.md, Paths are
normalised once).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from multidict import CIMultiDict

from tests.signalserver.conftest import POLICY, Served, ServeFactory, assert_error
from tests.signalserver.test_content import PAGE, expected

POLICY_HEADERS = ("Content-Usage", "tdm-reservation", "tdm-policy", "X-Robots-Tag")


async def raw_get(served: Served, target: str) -> tuple[int, CIMultiDict[str], bytes]:
    """One HTTP/1.1 GET with ``target`` written to the wire exactly as given."""
    server = served.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(
            f"GET {target} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
            "Connection: close\r\n\r\n".encode("ascii")
        )
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers: CIMultiDict[str] = CIMultiDict()
    for line in lines:
        name, _, value = line.partition(":")
        headers.add(name.strip(), value.strip())
    return int(status_line.split()[1]), headers, body


def policy_part(headers: CIMultiDict[str]) -> dict[str, list[str]]:
    return {name: headers.getall(name, []) for name in POLICY_HEADERS}


async def check(served: Served, target: str) -> tuple[int, dict[str, Any]]:
    resp = await served.client.get(
        "/api/v1/check", params={"url": served.url("/").rstrip("/") + target, "use": "ai-train"}
    )
    return resp.status, await resp.json()


def _site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "open").mkdir(parents=True)
    (root / "index.html").write_bytes(PAGE)
    (root / "open" / "data.csv").write_text("a,b\n1,2\n")
    return root


NO_OVERRIDES = POLICY.split("[[agents]]", 1)[0] + POLICY[POLICY.index("[[media]]") :]
"""The test policy without its per-crawler overrides, so the headers alone say AI training is
reserved outside /open/ (headers speak to every crawler)."""


@pytest.fixture
async def static(serve: ServeFactory, tmp_path: Path) -> Served:
    return await serve(static_dir=_site(tmp_path), policy=NO_OVERRIDES)


@pytest.mark.parametrize(
    ("target", "normalised", "media"),
    [
        ("/open/%2e%2e/index.html", "/index.html", "text/html"),
        ("/open/%2E%2E/index.html", "/index.html", "text/html"),
        ("/open/../index.html", "/index.html", "text/html"),
        ("/open/./data.csv", "/open/data.csv", "text/csv"),
        ("/open/%2e/data.csv", "/open/data.csv", "text/csv"),
        ("/a/%2E%2E/open/data.csv", "/open/data.csv", "text/csv"),
        ("/%6Fpen/data.csv", "/open/data.csv", "text/csv"),
    ],
)
async def test_content_headers_and_check_are_for_the_normalised_path(
    static: Served, target: str, normalised: str, media: str
) -> None:
    status, headers, body = await raw_get(static, target)
    plain_status, plain_headers, plain_body = await raw_get(static, normalised)
    assert status == plain_status == 200
    assert body == plain_body
    assert policy_part(headers) == policy_part(plain_headers)
    wanted = expected(static, normalised, media)
    assert all(value in headers.getall(name, []) for name, value in wanted.items())

    code, decision = await check(static, target)
    plain_code, plain_decision = await check(static, normalised)
    assert code == plain_code == 200
    assert decision["verdict"] == plain_decision["verdict"]
    assert decision["uses"] == plain_decision["uses"]


async def test_the_reserved_home_page_is_not_allowed_through_an_open_section(
    static: Served,
) -> None:
    # /open/ allows AI training and the site reserves it elsewhere: /open/%2e%2e/index.html is
    # the reserved /index.html, so neither its headers nor the check may say /open/'s allow.
    status, headers, body = await raw_get(static, "/open/%2e%2e/index.html")
    assert status == 200
    assert b"hello" in body
    assert policy_part(headers) != policy_part((await raw_get(static, "/open/data.csv"))[1])
    _, decision = await check(static, "/open/%2e%2e/index.html")
    assert decision["verdict"] == "deny"


@pytest.mark.parametrize(
    "target",
    ["/open/..%2findex.html", "/open/..%2Findex.html", "/open%2Fdata.csv", "/open/..%5Cindex.html"],
)
async def test_an_encoded_slash_is_refused_by_content_and_check(
    static: Served, target: str
) -> None:
    status, _, body = await raw_get(static, target)
    assert status == 400
    assert_error(json.loads(body), 400)
    assert b"hello" not in body
    code, problem = await check(static, target)
    assert code == 400
    assert_error(problem, 400)


async def test_upstream_gets_the_normalised_path(serve: ServeFactory, aiohttp_server: Any) -> None:
    from aiohttp import web

    seen: list[str] = []

    async def origin(request: web.Request) -> web.Response:
        seen.append(request.rel_url.raw_path_qs)
        return web.Response(text="page", content_type="text/plain")

    upstream = web.Application()
    upstream.router.add_route("*", "/{tail:.*}", origin)
    backend = await aiohttp_server(upstream)
    served = await serve(upstream=str(backend.make_url("/")).rstrip("/"))
    status, headers, _ = await raw_get(served, "/open/%2e%2e/x.txt?q=/../a")
    assert status == 200
    assert seen == ["/x.txt?q=/../a"]
    assert policy_part(headers) == {
        name: [v for n, v in expected(served, "/x.txt", "text/plain").items() if n == name]
        for name in POLICY_HEADERS
    }
    status, _, _ = await raw_get(served, "/open/..%2fx.txt")
    assert status == 400
    assert len(seen) == 1
