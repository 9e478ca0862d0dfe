"""schemathesis against ``/api/v1/openapi.json`` on a live ``heedful serve``: no 5xx, and every
answer matches the document (status, content type, schema). Bounded, loopback only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.signalserver.processes import serve_process

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = "20"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def test_public_and_admin_api_survive_fuzzing(tmp_path: Path) -> None:
    policy = ROOT / "examples" / "news-publisher.toml"
    if not policy.exists():
        pytest.skip("examples/news-publisher.toml is absent")
    db = f"sqlite:///{tmp_path / 'h.db'}"
    limits = ["--rate-limit", "100000", "--burst", "100000", "--no-access-log"]
    with serve_process(policy, "--db", db, *limits) as proc:
        assert proc.url.startswith("http://127.0.0.1:")
        done = subprocess.run(
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "run",
                f"{proc.url}/api/v1/openapi.json",
                "--header",
                f"Authorization: Bearer {proc.token}",
                "--max-examples",
                MAX_EXAMPLES,
                "--checks",
                CHECKS,
                "--seed",
                "20261125",
                "--request-timeout",
                "10",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=110,
            check=False,
            cwd=tmp_path,
        )
        assert proc.process.poll() is None, "the server died during fuzzing"
    assert done.returncode == 0, done.stdout[:8000] + done.stderr[-2000:]
