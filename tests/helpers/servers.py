"""The demo sites as a subprocess: ``python -m heedful.demo.sites``, as ``make demo`` runs it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

START_SECONDS = 20.0
USER_AGENT = "HeedfulBot/0.1 (+tests)"
"""What the test client sends; the access logs are checked for it."""
FAST = 1.0
"""The fetch timeout tests use, so a stalled server costs one second."""


@dataclass
class DemoProcess:
    """Base URLs printed on the first stdout line, and the JSON access lines read from stderr."""

    urls: dict[str, str]
    process: subprocess.Popen[str]
    access: list[dict[str, object]] = field(default_factory=list)


def _first_line(stream: IO[str], timeout: float) -> str:
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else ""


@contextmanager
def demo_process(*names: str) -> Iterator[DemoProcess]:
    """Start the named sites (all when none are named) and stop them on exit."""
    args = [sys.executable, "-m", "heedful.demo.sites"]
    if names:
        args += ["--sites", ",".join(names)]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        stderr = proc.stderr
        access: list[dict[str, object]] = []

        def drain() -> None:
            for line in stderr:
                if line.startswith("{"):
                    access.append(json.loads(line))

        drainer = threading.Thread(target=drain, daemon=True)
        drainer.start()
        try:
            first = _first_line(proc.stdout, START_SECONDS)
            if not first:
                raise RuntimeError(f"demo sites did not print their URLs within {START_SECONDS} s")
            yield DemoProcess(json.loads(first), proc, access)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            drainer.join(5)
