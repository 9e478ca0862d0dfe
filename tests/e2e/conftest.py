"""The demo sites in a subprocess, and the ``heedful`` command run the way users run it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.helpers.servers import DemoProcess, demo_process

COMMAND_TIMEOUT = 60


@pytest.fixture(scope="session")
def sites() -> Iterator[DemoProcess]:
    """Every demo site, in one subprocess for the whole session."""
    with demo_process() as running:
        yield running


def requested(sites: DemoProcess, name: str) -> list[str]:
    """Paths requested from site ``name`` so far, in order (from its access log)."""
    port = sites.urls[name].rsplit(":", 1)[1]
    return [str(e["path"]) for e in list(sites.access) if str(e.get("port")) == port]


@dataclass(frozen=True)
class Run:
    """What one ``heedful`` invocation returned."""

    code: int
    out: str
    err: str

    def json_lines(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


def heedful(*args: str, stdin: bytes | None = None) -> Run:
    """Run ``heedful ARGS`` in a subprocess, as a user would."""
    done = subprocess.run(
        [sys.executable, "-m", "heedful", *args],
        capture_output=True,
        input=stdin,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())
