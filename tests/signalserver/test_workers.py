"""``heedful serve --workers 2``: two processes on one port, stopped together.

The proof that both workers answer comes from the operating system, not from anything the
server says: each open client connection is found in ``/proc/net/tcp`` and its socket among
the file descriptors of exactly one worker process.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.signalserver.conftest import OTHER_POLICY, POLICY
from tests.signalserver.processes import ServeProcess, serve_process

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads /proc (Linux)"),
]

CONNECTIONS = 24
"""The kernel spreads connections by hash: all 24 on one of two workers has odds of 2**-23."""


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def _socket_inodes(pid: int) -> set[int]:
    found: set[int] = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(int(target[8:-1]))
    return found


def _server_side_inodes(server_port: int, client_ports: set[int]) -> set[int]:
    """Inodes of the server's ends of the connections from ``client_ports``."""
    inodes: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if local_port == server_port and remote_port in client_ports:
                inodes.add(int(fields[9]))
    return inodes


def _workers_answering(proc: ServeProcess, path: str = "/robots.txt") -> dict[int, int]:
    """Connections per worker pid, for CONNECTIONS kept-alive connections that each got a 200."""
    parts = urlsplit(proc.url)
    assert parts.hostname is not None
    assert parts.port is not None
    clients = [
        http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        for _ in range(CONNECTIONS)
    ]
    try:
        for client in clients:
            client.request("GET", path)
            response = client.getresponse()
            response.read()
            assert response.status == 200
        ports = {client.sock.getsockname()[1] for client in clients}
        ours = _server_side_inodes(parts.port, ports)
        assert len(ours) == CONNECTIONS
        return {
            pid: len(ours & _socket_inodes(pid))
            for pid in _children(proc.process.pid)
            if ours & _socket_inodes(pid)
        }
    finally:
        for client in clients:
            client.close()


def _admin(proc: ServeProcess, method: str, path: str, body: str | None = None) -> object:
    parts = urlsplit(proc.url)
    assert parts.hostname is not None
    client = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Authorization": f"Bearer {proc.token}"}
    if body is not None:
        headers["Content-Type"] = "text/plain"
    try:
        client.request(method, path, body=body, headers=headers)
        response = client.getresponse()
        assert response.status in (200, 201), response.read()
        return json.loads(response.read())
    finally:
        client.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_two_workers_share_the_port_and_stop_on_a_signal(tmp_path: Path, signum: int) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    with serve_process(policy, "--workers", "2") as proc:
        answering = _workers_answering(proc)
        assert len(answering) == 2, answering
        assert sum(answering.values()) == CONNECTIONS
        workers = list(answering)
        # The policy given at start was stored once, by the parent, not once per worker.
        history = _admin(proc, "GET", "/api/v1/admin/policy/history")
        assert isinstance(history, dict)
        assert len(history["versions"]) == 1
        proc.process.send_signal(signum)
        assert proc.process.wait(30) == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in _state(pid)
    lines = proc.access()
    assert sum(1 for line in lines if line["path"] == "/robots.txt") == CONNECTIONS
    assert all("Traceback" not in line for line in proc.stderr)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "zombie"


def test_a_policy_replaced_through_one_worker_is_served_by_all(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    with serve_process(policy, "--workers", "2") as proc:
        stored = _admin(proc, "PUT", "/api/v1/admin/policy", OTHER_POLICY)
        assert isinstance(stored, dict)
        version = stored["version"]
        deadline = time.monotonic() + 10
        while True:
            seen = _versions(proc)
            if seen == {version} or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert seen == {version}


def _versions(proc: ServeProcess) -> set[str]:
    parts = urlsplit(proc.url)
    assert parts.hostname is not None
    seen: set[str] = set()
    for _ in range(CONNECTIONS):
        client = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            client.request("GET", "/robots.txt")
            response = client.getresponse()
            response.read()
            seen.add(response.headers["Heedful-Policy-Version"])
        finally:
            client.close()
    return seen


def test_a_worker_that_dies_stops_the_others_and_the_server_exits_1(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    with serve_process(policy, "--workers", "2") as proc:
        workers = list(_workers_answering(proc))
        os.kill(workers[0], signal.SIGKILL)
        assert proc.process.wait(30) == 1
        time.sleep(0.5)  # the drainer reads the last lines
    assert not Path(f"/proc/{workers[1]}").exists() or "zombie" in _state(workers[1])
    said = "\n".join(proc.stderr)
    assert "worker" in said
    assert "killed by SIGKILL" in said
    assert "the other workers were stopped" in said


def test_a_worker_that_cannot_start_stops_the_others_and_exits_2(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    ranges = tmp_path / "ranges"
    ranges.mkdir()
    (ranges / "broken.json").write_text("{", encoding="utf-8")
    serve = [sys.executable, "-m", "heedful", "serve", "--policy", str(policy), "--port", "0"]
    done = subprocess.run(
        [*serve, "--workers", "2", "--static", str(tmp_path), "--ranges", str(ranges)],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "cannot read the IP ranges" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
