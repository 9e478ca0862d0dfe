"""Counts in the command line's messages read as English: "1 problem", "2 problems"."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from heedful.cli.main import cli

POLICY = """\
[site]
name = "X"
url = "{url}"
contact = "a@x.example"

[defaults]
search = "maybe"
ai-input = "allow"
ai-train = "deny"
tdm = "deny"
"""


def test_serve_counts_one_problem(tmp_path: Path) -> None:
    policy = tmp_path / "one.toml"
    policy.write_text(POLICY.format(url="https://x.example"))
    result = CliRunner().invoke(cli, ["serve", "--policy", str(policy)])
    assert result.exit_code == 2
    assert "1 problem; nothing was served" in result.output


def test_diff_counts_one_more_problem(tmp_path: Path) -> None:
    policy = tmp_path / "two.toml"
    policy.write_text(POLICY.format(url="not a url"))
    result = CliRunner().invoke(cli, ["diff", "http://127.0.0.1:9/", "--policy", str(policy)])
    assert result.exit_code == 2
    assert "(and 1 more problem)" in result.output
