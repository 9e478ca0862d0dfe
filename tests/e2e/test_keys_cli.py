"""``heedful keys generate`` and ``heedful keys directory``."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from click.testing import CliRunner

from heedful.cli.main import cli
from heedful.policies.identity.signing import key_id, load_private_key


def test_generate_writes_a_private_key_for_its_owner_only(tmp_path: Path) -> None:
    out = tmp_path / "key.pem"
    done = CliRunner().invoke(cli, ["keys", "generate", "--out", str(out)])
    assert done.exit_code == 0, done.output
    key = load_private_key(out.read_bytes())
    assert done.output.strip() == key_id(key.public_key())
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    again = CliRunner().invoke(cli, ["keys", "generate", "--out", str(out)])
    assert again.exit_code == 2
    assert "exists" in again.output
    assert load_private_key(out.read_bytes()).public_key() == key.public_key()


def test_directory_lists_the_public_keys(tmp_path: Path) -> None:
    paths = [tmp_path / "a.pem", tmp_path / "b.pem"]
    ids = []
    for path in paths:
        done = CliRunner().invoke(cli, ["keys", "generate", "--out", str(path)])
        ids.append(done.output.strip())
    listed = CliRunner().invoke(cli, ["keys", "directory", *map(str, paths)])
    assert listed.exit_code == 0, listed.output
    assert [k["kid"] for k in json.loads(listed.output)["keys"]] == ids
    assert "PRIVATE" not in listed.output
    (tmp_path / "bad.pem").write_text("nope")
    bad = CliRunner().invoke(cli, ["keys", "directory", str(tmp_path / "bad.pem")])
    assert bad.exit_code == 2
