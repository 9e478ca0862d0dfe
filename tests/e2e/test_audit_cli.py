"""``heedful audit`` end to end: the command in a subprocess against the audit fixture sites.

Exit statuses (0, 5 with ``--fail-on``, 2 for bad input), ``--json``, ``--format sarif`` (the
SARIF 2.1.0 structure CI systems read) and ``--explain``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from heedful.cli.audit import EXIT_FINDINGS
from heedful.cli.main import COMMANDS
from tests.audit.sites import SITES, Served, serve
from tests.conftest import ROOT
from tests.e2e.conftest import heedful
from tests.signalserver.processes import serve_process

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with serve(SITES) as urls:
        yield urls


def _audit(served: Served, site: str, *args: str) -> tuple[int, str, str]:
    run = heedful("audit", served[site] + "/articles/1", "--timeout", "5", *args)
    return run.code, run.out, run.err


def test_audit_is_registered() -> None:
    assert COMMANDS["audit"] == "heedful.cli.audit:audit_command"


@pytest.mark.parametrize(
    ("site", "fail_on", "status"),
    [
        ("clean", "warning", 0),
        ("tdm-vs-usage", None, 0),
        ("tdm-vs-usage", "error", EXIT_FINDINGS),
        ("wildcard-override", "error", 0),
        ("wildcard-override", "warning", EXIT_FINDINGS),
        ("soft-404", "error", 0),
    ],
    ids=["clean", "no-threshold", "error", "warning-below-error", "warning", "soft-404"],
)
def test_exit_status_follows_fail_on(
    served: Served, site: str, fail_on: str | None, status: int
) -> None:
    args = ["--json"] + (["--fail-on", fail_on] if fail_on else [])
    code, out, err = _audit(served, site, *args)
    assert code == status, err
    assert json.loads(out)["url"] == served[site] + "/articles/1"


def test_json_report_shape(served: Served) -> None:
    code, out, _ = _audit(served, "tdm-vs-usage", "--json")
    report = json.loads(out)
    assert code == 0
    assert set(report) >= {"url", "origin", "summary", "findings", "score", "matrix"}
    (finding,) = [f for f in report["findings"] if f["rule"] == "HF101"]
    assert len(finding["evidence"]) == 2
    assert report["matrix"]["GPTBot"]["ai-train"] == "deny"
    assert set(report["score"]) == {"tdm", "ai-train", "genai-train", "ai-input", "search"}
    assert report["summary"]["error"] == 1


def test_sarif_structure(served: Served) -> None:
    code, out, _ = _audit(served, "rsl-vs-robots", "--format", "sarif")
    log = json.loads(out)
    assert code == 0
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert all(r["id"].startswith("HF") and r["shortDescription"]["text"] for r in rules)
    results = run["results"]
    assert results
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        (location,) = result["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"].startswith("http")
    (hf105,) = [r for r in results if r["ruleId"] == "HF105"]
    primary = hf105["locations"][0]["physicalLocation"]
    assert primary["artifactLocation"]["uri"].endswith("/license.xml")
    assert primary["region"]["startLine"] == 3
    related = hf105["relatedLocations"][0]["physicalLocation"]
    assert related["artifactLocation"]["uri"].endswith("/robots.txt")
    assert related["region"]["startLine"] == 4


def test_text_report_quotes_both_statements(served: Served) -> None:
    code, out, _ = _audit(served, "tdm-vs-usage", "--no-matrix")
    assert code == 0
    assert "HF101" in out
    assert "Content-Usage: train-ai=n" in out
    assert '"tdm-reservation":0' in out


def test_explain_prints_one_cell(served: Served) -> None:
    code, out, _ = _audit(served, "tdm-vs-usage", "--explain", "GPTBot", "ai-train")
    assert code == 0
    assert "cell GPTBot x ai-train: deny" in out
    assert "train-ai=n" in out


@pytest.mark.parametrize(
    "args",
    [["--explain", "NoSuchBot", "ai-train"], ["--explain", "GPTBot", "mining"]],
    ids=["unknown-agent", "unknown-use"],
)
def test_explain_bad_input_exits_2(served: Served, args: list[str]) -> None:
    code, _, err = _audit(served, "clean", *args)
    assert code == 2
    assert err.count("\n") == 1


def test_bad_url_exits_2() -> None:
    run = heedful("audit", "ftp://example.org/")
    assert run.code == 2
    assert "http" in run.err


@pytest.mark.parametrize("example", ["news-publisher", "open-data", "photographer"])
def test_audit_of_heedful_serve_passes_fail_on_error(example: str, tmp_path: Path) -> None:
    """Issue 16 s. 2: the tester agrees with the publisher, as a user runs them: `heedful
    serve` on an example policy, then `heedful audit --fail-on error` against it."""
    policy = tmp_path / f"{example}.toml"
    policy.write_bytes((ROOT / "examples" / f"{example}.toml").read_bytes())
    with serve_process(policy, "--db", f"sqlite:///{tmp_path / 'h.db'}", "--no-access-log") as s:
        run = heedful("audit", s.url + "/", "--timeout", "5", "--json", "--fail-on", "error")
        # diff fetches one file per media extension, so the headers a crawler fetching it
        # gets count (the photographer's images are denied to search only there).
        diff = heedful("diff", s.url + "/", "--policy", str(policy), "--timeout", "5")
    assert diff.code == 0, diff.out
    report = json.loads(run.out)
    assert report["summary"]["error"] == 0, [f["message"] for f in report["findings"]][:3]
    assert run.code == 0
    # Every use is answered for crawlers without a group of their own (docs/audit.md score;
    # 5, not 20, where the news example's licence terms URL cannot be reached from here).
    actionable = [s["criteria"][3] for s in report["score"].values()]
    assert all(c["name"] == "actionable" and c["points"] >= 5 for c in actionable), actionable
