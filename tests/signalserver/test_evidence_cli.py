"""``heedful evidence`` builds its bundle from what a real server recorded and published."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

from heedful.signalserver.keys import RECORDER
from tests.signalserver.conftest import OTHER_POLICY, ServeFactory
from tests.signalserver.test_enforcement import GPTBOT


async def test_bundle_holds_versions_files_violations_and_limits(
    serve: ServeFactory, tmp_path: Path, sqlite_url: str
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "a.html").write_text("<html><head></head><body>a</body></html>")
    served = await serve(static_dir=site, base_url="https://news.example")
    await served.client.get("/a.html", headers={"User-Agent": GPTBOT})
    put = await served.client.put(
        "/api/v1/admin/policy",
        data=OTHER_POLICY,
        headers={**served.admin, "Content-Type": "text/plain"},
    )
    assert put.status == 201
    await served.client.get("/a.html", headers={"User-Agent": GPTBOT})
    robots_now = await (await served.client.get("/robots.txt")).read()
    await served.app[RECORDER].flush()
    out = tmp_path / "bundle"
    command = [sys.executable, "-m", "heedful", "evidence", "--db", sqlite_url]
    command += ["--agent", "GPTBot", "--out", str(out), "--warc"]
    done = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    bundle = json.loads((out / "evidence.json").read_text())
    assert [v["number"] for v in bundle["policy_versions"]] == [1, 2]
    assert [v["policy_number"] for v in bundle["violations"]] == [1, 2]
    assert bundle["identity"]["levels"] == {"unverified": 2}
    assert "does not by itself prove who sent them" in bundle["what_this_proves"]
    assert (
        bundle["policy_versions"][1]["files"]["/robots.txt"]
        == hashlib.sha256(robots_now).hexdigest()
    )
    page = (out / "evidence.html").read_text()
    digest = hashlib.sha256((out / "evidence.json").read_bytes()).hexdigest()
    assert f'<code id="digest">{digest}</code>' in page
    with (out / "policy-files.warc.gz").open("rb") as stream:
        records = [
            (r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
            for r in ArchiveIterator(stream)
            if r.rec_type == "response"
        ]
    robots = [body for uri, body in records if uri.endswith("/robots.txt")]
    assert len(robots) == 2
    assert robots[1] == robots_now
