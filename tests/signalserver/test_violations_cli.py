"""``heedful violations`` reads the log a real server wrote, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from heedful.signalserver.keys import RECORDER
from tests.signalserver.conftest import ServeFactory
from tests.signalserver.test_enforcement import GPTBOT


async def test_csv_json_html_and_filters(serve: ServeFactory, tmp_path: Path, backend: str) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "a.html").write_text("<html><head></head><body>a</body></html>")
    served = await serve(static_dir=site, database=backend)
    await served.client.get("/a.html", headers={"User-Agent": GPTBOT})
    await served.client.get(
        "/a.html", headers={"User-Agent": "Mozilla/5.0 (compatible; ClaudeBot/1.0)"}
    )
    await served.app[RECORDER].flush()

    def heedful(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "heedful", "violations", "--db", backend, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    def run(*args: str) -> str:
        result = heedful(*args)
        assert result.returncode == 0, result.stderr
        return result.stdout

    rows = list(csv.DictReader(io.StringIO(run("--format", "csv"))))
    assert [r["agent"] for r in rows] == ["ClaudeBot", "GPTBot"]
    assert rows[0]["rule"] == 'defaults (ai-train = "deny")'
    data = json.loads(run("--format", "json", "--agent", "GPTBot"))
    assert [v["agent"] for v in data["violations"]] == ["GPTBot"]
    assert json.loads(run("--format", "json", "--since", "2999-01-01")) == {"violations": []}
    page = run("--format", "html")
    assert page.count('class="bar"') == 4  # two charts, one bar part per agent (one day)
    assert "2 violations." in page
    bad = heedful("--since", "yesterday")
    assert bad.returncode == 2
    assert "--since" in bad.stderr
