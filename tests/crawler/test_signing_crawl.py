"""A real crawl with ``--signing-key``: every request it sends is signed, and verifies.

The site records each request's headers; each is verified with the same verifier a site owner's
``heedful serve`` uses, against the key directory ``heedful keys directory`` prints.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from aiohttp import web

from heedful.policies.identity.webbotauth import verify_web_bot_auth
from tests.crawler.conftest import run_heedful
from tests.crawler.sites import Site, page, serve

pytestmark = pytest.mark.e2e


def test_every_request_of_a_signed_crawl_verifies(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    assert run_heedful("keys", "generate", "--out", str(key)).returncode == 0
    directory = run_heedful("keys", "directory", str(key)).stdout.encode()
    seen: list[tuple[str, list[tuple[str, str]]]] = []
    site = Site("signed")
    bodies = {
        "/robots.txt": ("User-agent: *\nAllow: /\n", "text/plain"),
        "/": (page("signed home", ("/a",)), "text/html"),
        "/a": (page("signed a"), "text/html"),
    }

    def record(path: str) -> object:
        async def handle(request: web.Request) -> web.StreamResponse:
            seen.append((str(request.url), list(request.headers.items())))
            body, ctype = bodies[path]
            return web.Response(text=body, content_type=ctype)

        return handle

    for path in bodies:
        site.dynamic[path] = record(path)  # type: ignore[assignment]
    with serve({"signed": site}) as running:
        done = run_heedful(
            "crawl",
            running.urls["signed"] + "/",
            "--out",
            str(tmp_path / "out"),
            "--no-progress",
            "--signing-key",
            str(key),
            "--signature-agent",
            "https://bot.example",
        )
    assert done.returncode == 0, done.stderr[-2000:]
    paths = {url.split("/", 3)[3] for url, _ in seen}
    assert {"robots.txt", "", "a"} <= paths
    now = int(time.time())
    for url, headers in seen:
        result = verify_web_bot_auth(
            method="GET", url=url, headers=headers, directory=directory, now=now
        )
        assert result.valid, (url, result.reason)


def test_a_bad_signing_key_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    done = run_heedful(
        "crawl", "http://127.0.0.1:9/", "--signing-key", str(bad), "--signature-agent",
        "https://bot.example", "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert done.returncode == 2
    assert "not an unencrypted PEM private key" in done.stderr
    half = run_heedful(
        "crawl", "http://127.0.0.1:9/", "--signing-key", str(bad), "--out", str(tmp_path / "o")
    )
    assert half.returncode == 2
    assert "go together" in half.stderr
