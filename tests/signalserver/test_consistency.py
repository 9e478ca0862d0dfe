"""Issue 3 section 2's consistency test against a running ``heedful serve``.

For a sample of paths, agents and uses: ``heedful check --json`` (a real subprocess fetching
from the server over loopback) returns exactly the policy's intended decision
(:func:`heedful.policies.sitepolicy.intended`), the server's ``/api/v1/check`` returns the very same
JSON, and protego reading the served robots.txt agrees on access.
"""

from __future__ import annotations

import json
import mimetypes
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from PIL import Image
from protego import Protego

from heedful.policies.model import Use
from heedful.policies.sitepolicy import intended, load_site_policy
from tests.conftest import ROOT
from tests.signalserver.conftest import POLICY
from tests.signalserver.processes import ServeProcess, serve_process

pytestmark = pytest.mark.e2e

MEDIA_KEYS = frozenset({"media", "site_verdict"})
IMAGE_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}

PATHS = [
    "/",
    "/articles/1",
    "/open/data.csv",
    "/private/x",
    "/photo.jpg",
    "/open/pic.png",
    "/archive/2020/story",
    "/press/release",
    "/account/settings",
    "/gallery/cat.jpeg",
]
SINGLE_AGENTS = ["HeedfulBot", "ResearchBot", "GPTBot"]
SINGLE_USES = ["ai-train", "search"]
SAMPLED = [
    "GPTBot",
    "ClaudeBot",
    "Bytespider",
    "CCBot",
    "Googlebot",
    "PerplexityBot",
    "Google-Extended",
]
POLICIES = {
    "test-policy": POLICY,
    **{p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.toml"))},
}


def _run(args: list[str]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "heedful", "check", *args, "--json", "--timeout", "10"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 3, 4), done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def _api(base: str, decision: dict[str, Any]) -> dict[str, Any]:
    query = urlencode({k: decision[k] for k in ("url", "agent", "use", "mode")})
    with urllib.request.urlopen(f"{base}/api/v1/check?{query}", timeout=10) as resp:
        return dict(json.load(resp))


@pytest.fixture(scope="module", params=sorted(POLICIES))
def running(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, ServeProcess]]:
    folder = tmp_path_factory.mktemp(request.param)
    policy = folder / "policy.toml"
    policy.write_text(POLICIES[request.param], encoding="utf-8")
    # Every sampled path is a real page: a page that answers 404 gets no verdict (``failed``).
    static = folder / "public"
    for path in PATHS:
        page = static / (path.strip("/") or "index.html")
        page.parent.mkdir(parents=True, exist_ok=True)
        kind = IMAGE_FORMATS.get(page.suffix.lower())
        if kind is None:
            page.write_text(
                f"<!doctype html><title>{path}</title><p>{path}</p>\n", encoding="utf-8"
            )
        else:
            # A real image without embedded metadata: what it says is the site's alone.
            Image.new("RGB", (4, 4), "white").save(page, format=kind)
    args = ("--db", f"sqlite:///{folder / 'h.db'}", "--static", str(static), "--no-access-log")
    with serve_process(policy, *args) as proc:
        yield request.param, proc


def test_check_cli_equals_intended_equals_api_and_protego(
    running: tuple[str, ServeProcess],
) -> None:
    name, proc = running
    policy = load_site_policy(POLICIES[name])
    urls = [proc.url + path for path in PATHS]
    jobs = [[*urls, "--agents", "all"]]
    jobs += [[*urls, "--agent", a, "--use", u] for a in SINGLE_AGENTS for u in SINGLE_USES]
    with ThreadPoolExecutor(max_workers=4) as pool:
        batches = list(pool.map(_run, jobs))
    every_agent = [d for d in batches[0] if d["agent"] in SAMPLED]
    single = [d for batch in batches[1:] for d in batch]
    assert len(every_agent) == len(PATHS) * len(SAMPLED) * len(Use)
    assert len(single) == len(PATHS) * len(SINGLE_AGENTS) * len(SINGLE_USES)

    with urllib.request.urlopen(proc.url + "/robots.txt", timeout=10) as resp:
        robots = Protego.parse(resp.read().decode())
    mismatches = []
    for decision in every_agent + single:
        path = urlsplit(decision["url"]).path
        # The served page's media type: a policy's per-file-type rules reach it by its headers.
        media = mimetypes.guess_type(path)[0]
        want = str(
            intended(
                policy,
                path=path,
                agent=decision["agent"],
                use=Use(decision["use"]),
                media_type=media,
            )
        )
        if decision["verdict"] != want:
            mismatches.append(
                (
                    "intended",
                    decision["url"],
                    decision["agent"],
                    decision["use"],
                    decision["verdict"],
                    want,
                )
            )
        api = _api(proc.url, decision)
        # The API answers like a one-agent check: the page is read only when that agent may
        # fetch it. ``--agents all`` reads the page when any agent may, so for an agent kept
        # out the reasons can differ (not the verdict); compare those on the verdict only.
        exact = decision in single or decision["access"] == "allow"
        # The CLI also reads what a media file embeds ("media", and the "site_verdict" before
        # it); these images embed nothing, so the rest must be the API's answer exactly.
        assert "media" not in decision or decision["verdict"] == decision["site_verdict"]
        cli = {k: v for k, v in decision.items() if k not in MEDIA_KEYS}
        got = api if exact else {k: api[k] for k in ("verdict", "access")}
        expected = cli if exact else {k: decision[k] for k in ("verdict", "access")}
        if got != expected:
            mismatches.append(
                ("api", decision["url"], decision["agent"], decision["use"], api, decision)
            )
        fetchable = robots.can_fetch(decision["url"], decision["agent"])
        if fetchable != (decision["access"] == "allow"):
            mismatches.append(
                ("protego", decision["url"], decision["agent"], fetchable, decision["access"])
            )
    assert not mismatches, mismatches[:5]
