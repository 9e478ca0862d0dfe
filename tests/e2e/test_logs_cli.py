"""``heedful logs`` and ``heedful ranges`` on real files in tmp_path, through click's runner."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from heedful import policies
from heedful.cli.common import EXIT_VIOLATIONS
from heedful.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "examples" / "news-publisher.toml"
GPTBOT = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"


def _line(ip: str, second: int, target: str, ua: str, status: int = 200) -> str:
    return f'{ip} - - [07/Dec/2026:10:00:{second:02d} +0000] "GET {target} HTTP/1.1" {status} 512 "-" "{ua}"\n'


@pytest.fixture
def logs(tmp_path: Path) -> list[Path]:
    """A current log and a gzip-rotated one, with hostile lines in both."""
    current = tmp_path / "access.log"
    current.write_bytes(
        (
            _line("192.0.2.1", 1, "/robots.txt", GPTBOT)
            + _line("192.0.2.1", 2, "/news/1", GPTBOT, status=403)
            + _line("2001:db8::9", 3, "/press/1", "ClaudeBot/1.0")
            + _line("10.0.0.1", 4, "/", "Mozilla/5.0 Firefox/133.0")
        ).encode()
        + b'10.0.0.1 - - [07/Dec/2026:10:00:05 +0000] "GET /x HTT\n'
        + b"\xff\xfe garbage\n"
        + _line("10.0.0.1", 6, "/", "B" * 70_000).encode()
    )
    rotated = tmp_path / "access.log.1.gz"
    rotated.write_bytes(gzip.compress(_line("10.0.0.7", 0, "/news/2", "ClaudeBot/1.0").encode()))
    return [current, rotated]


def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["logs", *args], catch_exceptions=False)


def _refreshed(tmp_path: Path) -> Path:
    """The shipped GPTBot snapshot as if refreshed from OpenAI's file (``placeholder`` false)."""
    folder = tmp_path / "ranges"
    folder.mkdir()
    shipped = Path(policies.__file__).parent / "data" / "ranges" / "openai-gptbot.json"
    data = json.loads(shipped.read_text(encoding="utf-8"))
    data["placeholder"] = False
    (folder / "openai-gptbot.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def test_placeholder_ranges_verify_no_one(logs: list[Path]) -> None:
    result = _run(*map(str, logs), "--policy", str(POLICY), "--format", "json")
    agents = {a["agent"]: a for a in json.loads(result.output)["agents"]}
    assert agents["GPTBot"]["verification"] == {"unverified": 2}


def test_json_report(logs: list[Path], tmp_path: Path) -> None:
    ranges = ("--ranges", str(_refreshed(tmp_path)))
    result = _run(*map(str, logs), "--policy", str(POLICY), "--format", "json", *ranges)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    summary = report["summary"]
    assert summary["lines"] == 8
    assert summary["unreadable_by_reason"] == {"invalid UTF-8": 1, "malformed": 1, "too long": 1}
    agents = {a["agent"]: a for a in report["agents"]}
    assert agents["GPTBot"]["robots_txt_first"] is True
    assert agents["GPTBot"]["verification"] == {"ip-range": 2}
    assert agents["ClaudeBot"]["requests"] == 2
    got = [
        (v["agent"], v["target"], v["denied"], v["blocked"], v["where"])
        for v in report["violations"]
    ]
    assert got == [
        ("GPTBot", "/news/1", "access", True, f"{logs[0]}:2"),
        ("ClaudeBot", "/news/2", "ai-train", False, f"{logs[1]}:1"),
    ]
    assert report["violations"][0]["time"] == "2026-12-07T10:00:02+00:00"


def test_fail_on_violation_has_its_own_status(logs: list[Path]) -> None:
    assert EXIT_VIOLATIONS == 9, "unique across commands (heedful/cli/common.py)"
    assert (
        _run(str(logs[0]), "--policy", str(POLICY), "--fail-on", "violation").exit_code
        == EXIT_VIOLATIONS
    )


def test_fail_on_violation_is_zero_without_violations(tmp_path: Path) -> None:
    clean = tmp_path / "clean.log"
    clean.write_text(
        _line("10.0.0.1", 1, "/press/1", "ClaudeBot/1.0") + _line("10.0.0.1", 2, "/", "Mozilla/5.0")
    )
    result = _run(str(clean), "--policy", str(POLICY), "--fail-on", "violation")
    assert result.exit_code == 0, result.output
    assert "0 violations" in result.output


def test_text_csv_html(logs: list[Path]) -> None:
    text = _run(*map(str, logs), "--policy", str(POLICY)).output
    assert "3 unreadable" in text
    assert 'access denied by agents[1] (agent = "GPTBot", path = "/", access = "deny")' in text
    rows = list(
        csv.DictReader(
            io.StringIO(_run(*map(str, logs), "--policy", str(POLICY), "--format", "csv").output)
        )
    )
    assert [r["record"] for r in rows].count("violation") == 2
    assert {r["reason"] for r in rows if r["record"] == "unreadable"} == {
        "invalid UTF-8",
        "malformed",
        "too long",
    }
    page = _run(*map(str, logs), "--policy", str(POLICY), "--format", "html").output
    assert page.startswith("<!doctype html>")
    assert "&quot;GPTBot&quot;" in page
    assert "<script" not in page


def test_a_user_agent_with_markup_is_escaped_in_html(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text(
        _line("10.0.0.1", 1, "/news/<script>", "ClaudeBot/1.0 <script>alert(1)</script>")
    )
    page = _run(str(log), "--policy", str(POLICY), "--format", "html").output
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_damaged_gzip_is_reported_not_fatal(tmp_path: Path) -> None:
    log = tmp_path / "cut.log.gz"
    log.write_bytes(
        gzip.compress((_line("10.0.0.1", 1, "/news/1", "ClaudeBot/1.0") * 2000).encode())[:700]
    )
    result = _run(str(log), "--policy", str(POLICY), "--format", "json")
    assert result.exit_code == 0, result.output
    reasons = json.loads(result.output)["summary"]["unreadable_by_reason"]
    assert any(r.startswith("damaged gzip stream") for r in reasons)


@pytest.mark.parametrize("problem", ["missing-log", "bad-policy"])
def test_bad_input_is_exit_2(tmp_path: Path, problem: str) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text("not = [valid")
    log = tmp_path / "a.log"
    log.write_text("")
    args = (
        [str(tmp_path / "nope.log"), "--policy", str(POLICY)]
        if problem == "missing-log"
        else [str(log), "--policy", str(policy)]
    )
    result = CliRunner().invoke(cli, ["logs", *args])
    assert result.exit_code == 2


def test_refreshed_real_ranges_mark_spoofers(tmp_path: Path, logs: list[Path]) -> None:
    data = tmp_path / "ranges"
    shutil.copytree(Path(str(resources.files("heedful.policies").joinpath("data/ranges"))), data)
    vendor = tmp_path / "gptbot.json"
    vendor.write_text(
        json.dumps(
            {"creationTime": "2026-12-06T00:00:00", "prefixes": [{"ipv4Prefix": "198.51.100.0/24"}]}
        )
    )
    result = CliRunner().invoke(
        cli,
        [
            "ranges",
            "refresh",
            "--vendor",
            "openai-gptbot",
            str(vendor),
            "--data-dir",
            str(data),
            "--date",
            "2026-12-07",
        ],
    )
    assert result.exit_code == 0, result.output
    written = json.loads((data / "openai-gptbot.json").read_text())
    assert (written["placeholder"], written["retrieved"]) == (False, "2026-12-07")
    report = json.loads(
        _run(
            str(logs[0]), "--policy", str(POLICY), "--format", "json", "--ranges", str(data)
        ).output
    )
    gpt = next(a for a in report["agents"] if a["agent"] == "GPTBot")
    assert gpt["verification"] == {"spoofed": 2}


@pytest.mark.parametrize(
    ("vendor", "content"),
    [
        ("openai-gptbot", '{"prefixes": [{"ipv4Prefix": "192.0.2.1/24"}]}'),
        ("no-such-vendor", '{"prefixes": [{"ipv4Prefix": "192.0.2.0/24"}]}'),
        ("../x", "{}"),
    ],
    ids=["host-bits", "unknown-vendor", "bad-name"],
)
def test_refresh_refuses_bad_input_and_keeps_the_file(
    tmp_path: Path, vendor: str, content: str
) -> None:
    data = tmp_path / "ranges"
    shutil.copytree(Path(str(resources.files("heedful.policies").joinpath("data/ranges"))), data)
    before = (data / "openai-gptbot.json").read_text()
    file = tmp_path / "v.json"
    file.write_text(content)
    result = CliRunner().invoke(
        cli, ["ranges", "refresh", "--vendor", vendor, str(file), "--data-dir", str(data)]
    )
    assert result.exit_code == 2
    assert (data / "openai-gptbot.json").read_text() == before


def test_ranges_list_marks_placeholders() -> None:
    result = CliRunner().invoke(cli, ["ranges", "list"])
    assert result.exit_code == 0
    assert "openai-gptbot" in result.output
    assert "PLACEHOLDER" in result.output


def test_the_installed_command_exits_9(logs: list[Path]) -> None:
    """The console entry point, in a subprocess: the status a cron job or CI sees."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "heedful",
            "logs",
            str(logs[0]),
            "--policy",
            str(POLICY),
            "--fail-on",
            "violation",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == EXIT_VIOLATIONS, done.stderr
