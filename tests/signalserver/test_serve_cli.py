"""``heedful serve`` as users run it: the two first lines, exit statuses, the access log."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.signalserver.conftest import BAD_POLICY, OTHER_POLICY, POLICY
from tests.signalserver.processes import TOKEN_PREFIX, ServeProcess, serve_process

pytestmark = pytest.mark.e2e

GPTBOT_UA = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"


def _get(url: str, user_agent: str = "tests") -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_prints_url_then_token_once_and_logs_json(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    with serve_process(policy) as first:
        assert first.url.startswith("http://127.0.0.1:")
        assert not first.url.endswith(":0")
        assert first.token_line.startswith(TOKEN_PREFIX)
        assert len(first.token) >= 40
        status, _ = _get(first.url + "/robots.txt", GPTBOT_UA)
        assert status == 200
        request = urllib.request.Request(
            first.url + "/api/v1/admin/policy",
            headers={"Authorization": f"Bearer {first.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert json.load(resp)["text"] == POLICY
        _get(first.url + "/missing")
    access = first.access()
    robots = next(e for e in access if e["path"] == "/robots.txt")
    assert (robots["method"], robots["status"], robots["agent"]) == ("GET", 200, "GPTBot")
    missing = next(e for e in access if e["path"] == "/missing")
    assert (missing["status"], missing["agent"]) == (404, None)
    # The default database is the policy's own, beside the policy file.
    assert (tmp_path / "policy.heedful.db").exists()
    with serve_process(policy) as second:
        assert (
            second.token_line
            == "admin token: unchanged (set on first start; only its hash is stored)"
        )
        assert first.token not in second.token_line


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heedful", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_bad_policy_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    policy = tmp_path / "bad.toml"
    policy.write_text(BAD_POLICY, encoding="utf-8")
    done = _serve("--policy", str(policy), "--port", "0", "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "site.name" in done.stderr
    assert "site.url" in done.stderr
    assert "defaults.search" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--db", "mysql://x/y"], "unsupported database URL"),
        (["--static", ".", "--upstream", "http://127.0.0.1:1"], "cannot be used together"),
        (["--upstream", "ftp://x"], "--upstream must be an http(s) URL"),
        (["--base-url", "https://x.example/sub/"], "--base-url"),
    ],
    ids=["db-scheme", "static-and-upstream", "upstream-scheme", "base-url-path"],
)
def test_bad_options_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    done = _serve("--policy", str(policy), "--port", "0", *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_demo_invocation_serves_an_example_with_static_pages(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "articles").mkdir(parents=True)
    (site / "index.html").write_text("<html><head><title>x</title></head><body>hi</body></html>")
    (site / "articles" / "1.html").write_text("<html><head></head><body>story</body></html>")
    policy = ROOT / "examples" / "news-publisher.toml"
    if not policy.exists():
        pytest.skip("examples/news-publisher.toml is absent")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    with serve_process(policy, "--db", db, "--static", str(site)) as proc:
        status, body = _get(proc.url + "/articles/1.html")
        assert status == 200
        assert b"story" in body
        assert b'<meta name="tdm-reservation"' in body
        assert _get(proc.url + "/robots.txt")[0] == 200


def _policy_version(proc: ServeProcess) -> str:
    request = urllib.request.Request(
        proc.url + "/api/v1/admin/policy", headers={"Authorization": f"Bearer {proc.token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        return str(json.load(resp)["version"])


def test_each_policy_of_a_folder_has_its_own_default_database(tmp_path: Path) -> None:
    """Issue 16 section 1: a second site's policy served from the same folder once became
    version 2 of the first site's history and reused its admin token."""
    news = tmp_path / "news.toml"
    news.write_text(POLICY, encoding="utf-8")
    other = tmp_path / "other.toml"
    other.write_text(OTHER_POLICY.replace('name = "Test News"', 'name = "Other"'), "utf-8")
    with serve_process(news) as first:
        first_version = _policy_version(first)
    with serve_process(other) as second:
        second_version = _policy_version(second)
    assert first_version.startswith("1-")
    assert second_version.startswith("1-")
    assert first.token != second.token
    assert (tmp_path / "news.heedful.db").is_file()
    assert (tmp_path / "other.heedful.db").is_file()
    assert not (tmp_path / "heedful.db").exists()


def test_a_relative_db_in_a_missing_folder_is_created(tmp_path: Path) -> None:
    """``--db sqlite:///var/heedful.db`` from a folder without ``var/`` once stopped with
    "unexpected error: OperationalError"."""
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    with serve_process(policy, "--db", "sqlite:///var/heedful.db", cwd=tmp_path) as proc:
        assert proc.token_line.startswith(TOKEN_PREFIX)
    assert (tmp_path / "var" / "heedful.db").is_file()
