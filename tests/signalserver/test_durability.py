"""Nothing acknowledged is lost: SIGKILL the server during a burst of submissions, restart it
on the same database, and find every request that got a 201 (issue 3 section 3)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import aiohttp
import pytest

from tests.signalserver.conftest import POLICY
from tests.signalserver.processes import serve_process

pytestmark = pytest.mark.e2e

BURST = 400
CONCURRENCY = 24
KILL_AFTER = 40
"""Acknowledged requests before the kill: the rest of the burst is in flight or not sent."""


async def _burst(url: str, pid: int) -> tuple[list[tuple[str, str]], int]:
    acked: list[tuple[str, str]] = []
    failed = 0
    killed = asyncio.Event()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(BURST):
        queue.put_nowait(i)

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal failed
        while not queue.empty():
            i = queue.get_nowait()
            body = {
                "urls": [f"https://news.example/works/{i}"],
                "name": f"Creator {i}",
                "contact": f"c{i}@example.org",
                "relation": "author",
            }
            try:
                async with session.post(f"{url}/api/v1/removals", json=body) as resp:
                    payload = await resp.json()
                    if resp.status == 201:
                        acked.append((payload["id"], payload["receipt"]))
            except (TimeoutError, aiohttp.ClientError, ValueError):
                failed += 1
            if len(acked) >= KILL_AFTER and not killed.is_set():
                killed.set()
                os.kill(pid, signal.SIGKILL)

    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(CONCURRENCY)))
    assert killed.is_set(), "the burst finished before the kill"
    return acked, failed


async def _present(url: str, acked: list[tuple[str, str]]) -> list[str]:
    missing = []
    async with aiohttp.ClientSession() as session:
        for rid, receipt in acked:
            async with session.get(
                f"{url}/api/v1/removals/{rid}", params={"receipt": receipt}
            ) as resp:
                if resp.status != 200:
                    missing.append(rid)
    return missing


def test_sigkill_mid_burst_loses_no_acknowledged_request(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    db = ["--db", f"sqlite:///{tmp_path / 'h.db'}", "--no-access-log"]
    limits = ["--rate-limit", "100000", "--burst", "100000"]
    with serve_process(policy, *db, *limits) as first:
        acked, failed = asyncio.run(_burst(first.url, first.process.pid))
        first.process.wait(10)
        assert first.process.returncode == -signal.SIGKILL
    assert len(acked) >= KILL_AFTER
    assert failed > 0, "no request was cut off: the kill did not land mid-burst"
    with serve_process(policy, *db) as second:
        assert second.token_line.startswith("admin token: unchanged")
        missing = asyncio.run(_present(second.url, acked))
    assert missing == [], f"{len(missing)} of {len(acked)} acknowledged requests lost"
