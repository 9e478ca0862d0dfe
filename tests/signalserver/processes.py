"""``heedful serve`` as a subprocess, the way users and ``make demo`` run it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

START_SECONDS = 30.0
TOKEN_PREFIX = "admin token (shown once; only its hash is stored): "


@dataclass
class ServeProcess:
    """The URL (first stdout line), the token line (second) and the stderr lines so far."""

    url: str
    token_line: str
    process: subprocess.Popen[str]
    stderr: list[str] = field(default_factory=list)

    @property
    def token(self) -> str:
        assert self.token_line.startswith(TOKEN_PREFIX), self.token_line
        return self.token_line.removeprefix(TOKEN_PREFIX)

    def access(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in list(self.stderr) if line.startswith("{")]


def _lines(stream: IO[str], count: int, timeout: float) -> list[str]:
    lines: list[str] = []

    def read() -> None:
        for _ in range(count):
            line = stream.readline()
            if not line:
                return
            lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    return lines


@contextmanager
def serve_process(policy: Path, *args: str, cwd: Path | None = None) -> Iterator[ServeProcess]:
    """Run ``heedful serve --policy POLICY --port 0 ARGS``; stopped (SIGTERM) on exit."""
    command = [sys.executable, "-m", "heedful", "serve", "--policy", str(policy), "--port", "0"]
    with subprocess.Popen(
        [*command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        stderr = proc.stderr
        collected: list[str] = []

        def drain() -> None:
            collected.extend(line.rstrip("\n") for line in stderr)

        drainer = threading.Thread(target=drain, daemon=True)
        drainer.start()
        try:
            lines = _lines(proc.stdout, 2, START_SECONDS)
            if len(lines) < 2:
                proc.kill()
                proc.wait(10)
                drainer.join(5)
                raise RuntimeError(
                    f"heedful serve did not start: stdout {lines!r}, stderr {collected[-20:]!r}"
                )
            yield ServeProcess(lines[0], lines[1], proc, collected)
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            drainer.join(5)
