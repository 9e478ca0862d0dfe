"""``heedful logs --history DB``: each request judged by the policy version in force at its time.

A real server publishes version 1, then version 2 that reserves ``/open/`` for AI training; an
access log with a request before any version, one under version 1 and one under version 2 gets
exactly one violation, tied to version 2.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.signalserver.conftest import OTHER_POLICY, POLICY, ServeFactory


def _line(when: datetime, path: str) -> str:
    stamp = when.strftime("%d/%b/%Y:%H:%M:%S +0000")
    return f'192.0.2.9 - - [{stamp}] "GET {path} HTTP/1.1" 200 512 "-" "GPTBot/1.1"\n'


async def test_each_request_is_judged_by_the_version_in_force(
    serve: ServeFactory, tmp_path: Path, sqlite_url: str
) -> None:
    served = await serve()
    await asyncio.sleep(2.1)  # log times have one-second resolution
    put = await served.client.put(
        "/api/v1/admin/policy",
        data=OTHER_POLICY,
        headers={**served.admin, "Content-Type": "text/plain"},
    )
    assert put.status == 201
    database = sqlite_url.split("///", 1)[1]
    with sqlite3.connect(database) as conn:
        times = [
            datetime.fromisoformat(str(t)).replace(tzinfo=UTC)
            for (t,) in conn.execute("select created_at from policy_version order by number")
        ]
    first, second = times
    log = tmp_path / "access.log"
    log.write_text(
        _line(first - timedelta(days=3650), "/open/x")  # before anything was published
        + _line(first.replace(microsecond=0) + timedelta(seconds=1), "/open/x")  # version 1
        + _line(second + timedelta(seconds=2), "/open/x")  # version 2 reserves /open/
    )
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    command = [sys.executable, "-m", "heedful", "logs", str(log), "--policy", str(policy)]
    plain = await asyncio.to_thread(
        subprocess.run, [*command, "--format", "json"], capture_output=True, text=True, check=False
    )
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout)["violations"] == []
    dated = await asyncio.to_thread(
        subprocess.run,
        [*command, "--format", "json", "--history", sqlite_url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert dated.returncode == 0, dated.stderr
    (violation,) = json.loads(dated.stdout)["violations"]
    assert violation["where"].endswith(":3")
    assert violation["denied"] == "ai-train"
    assert violation["policy_version"]
    missing = await asyncio.to_thread(
        subprocess.run,
        [*command, "--history", f"sqlite:///{tmp_path / 'none.db'}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2
