"""``heedful lint POLICY.toml``: load problems as errors, offer findings as warnings."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from heedful.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]

HEAD = """
[site]
name = "Lumen"
url = "https://lumen.example"
contact = "a@lumen.example"

[defaults]
search = "allow"
ai-input = "deny"
ai-train = "license"
tdm = "license"

[[paths]]
path = "/free/"
ai-train = "allow"
tdm = "allow"
"""

OFFER = """
[[offers]]
id = "{id}"
paths = ["{path}"]
usage = ["{usage}"]
payment = "crawl"
amount = "0.01"
currency = "USD"
"""


def _lint(tmp_path: Path, text: str) -> tuple[int, list[dict[str, object]]]:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["lint", str(path), "--json"])
    return result.exit_code, json.loads(result.output)


def test_the_licensed_example_passes() -> None:
    result = CliRunner().invoke(cli, ["lint", str(ROOT / "examples" / "licensed-photos.toml")])
    assert result.exit_code == 0, result.output
    assert " error " not in result.output


def test_a_licensed_use_without_an_offer_is_an_error(tmp_path: Path) -> None:
    status, found = _lint(tmp_path, HEAD + OFFER.format(id="a", path="/photos/*", usage="ai-train"))
    assert status == 1
    assert found[0]["code"] == "policy-invalid"
    assert "ai-train is 'license' at / but no [[offers]] entry" in str(found[0]["message"])


def test_offers_for_denied_or_free_uses_and_overlaps_are_warned(tmp_path: Path) -> None:
    text = (
        HEAD
        + OFFER.format(id="site-wide", path="/*", usage="ai-all")
        + OFFER.format(id="training", path="/", usage="ai-train")
    )
    status, found = _lint(tmp_path, text)
    assert status == 0  # warnings pass by default
    messages = [(f["code"], f["message"], f["line"]) for f in found]
    codes = {code for code, _, _ in messages}
    assert {"offer-not-sold", "offer-overlap", "offer-tdm"} <= codes, messages
    assert any(
        "site-wide sells ai-input on /*, but the policy denies ai-input at /" in str(m)
        for _, m, _ in messages
    )
    assert any(
        "site-wide sells ai-train on /*, but the policy allows freely ai-train at /free/" in str(m)
        for _, m, _ in messages
    )
    assert any("training and site-wide both sell ai-train at /" in str(m) for _, m, _ in messages)
    assert all(line for _, _, line in messages)
