"""``heedful lint`` exit statuses: ``--fail-on`` is the threshold, ``error`` by default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from heedful.cli.main import cli

NOTE_ONLY = "User-agent: *\nNoindex: /x\n"
"""An unknown directive Google once read: one info finding."""
WARNING = "User-agent: *\nDisalow: /x\n"
"""A typo of Disallow: one warning."""
ERROR = "not json"
"""An unreadable tdmrep.json: one error."""


@pytest.mark.parametrize(
    ("name", "text", "fail_on", "status"),
    [
        ("robots.txt", "User-agent: *\nDisallow: /x\n", "warning", 0),
        ("robots.txt", NOTE_ONLY, "warning", 0),
        ("robots.txt", WARNING, None, 0),
        ("robots.txt", WARNING, "error", 0),
        ("robots.txt", WARNING, "warning", 1),
        ("tdmrep.json", ERROR, None, 1),
        ("tdmrep.json", ERROR, "warning", 1),
    ],
    ids=["clean", "note", "warning-default", "warning-error", "warning", "error", "error-warning"],
)
def test_exit_status_follows_fail_on(
    tmp_path: Path, name: str, text: str, fail_on: str | None, status: int
) -> None:
    path = tmp_path / name
    path.write_text(text)
    args = ["lint", str(path), "--json"] + (["--fail-on", fail_on] if fail_on else [])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == status, result.output
    assert isinstance(json.loads(result.output), list)


def test_fail_on_names_its_choices(tmp_path: Path) -> None:
    path = tmp_path / "robots.txt"
    path.write_text(WARNING)
    result = CliRunner().invoke(cli, ["lint", str(path), "--fail-on", "info"])
    assert result.exit_code == 2
    assert "'error', 'warning'" in result.output


def test_lint_says_what_an_invalid_content_signal_probably_meant(tmp_path: Path) -> None:
    path = tmp_path / "robots.txt"
    path.write_text(
        "User-agent: *\nContent-Signal: ai-train=disallow, ai-input=allow, ai-retrieval=no\n"
        "Allow: /\n"
    )
    result = CliRunner().invoke(cli, ["lint", str(path), "--fail-on", "warning"])
    assert result.exit_code == 1, result.output
    assert "probably meant ai-train=no" in result.output
    assert "probably meant ai-input=yes" in result.output
    assert "probably meant ai-input=" in result.output


def test_media_file_against_its_site_policy(tmp_path: Path) -> None:
    from tests.helpers.media_files import image, xmp_packet

    policy = Path(__file__).parents[2] / "examples" / "photographer.toml"  # images reserved
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(image("JPEG", xmp_packet("http://ns.useplus.org/ldf/vocab/DMI-ALLOWED")))
    result = CliRunner().invoke(cli, ["lint", "--policy", str(policy), str(photo), "--json"])
    assert result.exit_code == 1, result.output
    codes = [(d["code"], d["severity"]) for d in json.loads(result.output)]
    assert codes == [("media-allows-reserved", "error")]
    text = CliRunner().invoke(cli, ["lint", str(photo), "--url-path", "/p/photo.jpg"])
    assert text.exit_code == 0, text.output
    assert "no findings (media)" in text.output
