"""What licensing costs, side by side in one run (issue 14 section 6).

* licensed fetch: the same static page fetched from two ``heedful serve`` processes over the same
  folder, one whose policy lets every crawler take it freely and one that sells it per fetch
  (``examples/licensed-photos.toml``, payment ``crawl``). The licensed request carries
  ``Authorization: License <token>`` (RSL Crawler Authorization Protocol), so the server checks
  the token's signature and scope and appends the charge to its usage ledger before it answers.
  Both runs use the same client, User-Agent and concurrency, alternately, five times;
  the server's CPU time per request (``/proc/<pid>/stat``) and the client's requests per second
  are compared. Target: a licensed fetch costs at most 1.5x an unlicensed one.
* signing: a Heedful crawl with Web Bot Auth signing on (``HEEDFUL_SIGNING_KEY``) against the same
  crawl without it, on bench_crawl.py's nginx site. Target: at most 1.10x CPU per page.

Run: ``.venv/bin/python bench/bench_licence.py`` (about 5 minutes on 2 cores; ``--quick`` for
one short round of each).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote_plus

import aiohttp
import bench_crawl

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
POLICY = EXAMPLES / "licensed-photos.toml"
SITE = EXAMPLES / "sites" / "licensed-photos"
PAGE = "/photos/harbour.html"
USER_AGENT = "HeedfulBot/1.0 (+https://heedful.invalid/bot)"
FETCH_TARGET = 1.5
SIGNING_TARGET = 1.10
CONCURRENCY = 8


def free_policy(out: Path) -> Path:
    """The licensed policy with every use of ``/photos/`` allowed and no offers: the baseline."""
    text = POLICY.read_text()
    head = text.split("[[offers]]", 1)[0]
    free = head.replace('"license"', '"allow"')
    path = out / "free-photos.toml"
    path.write_text(free)
    return path


@contextmanager
def serve(policy: Path, db: str) -> Iterator[tuple[str, int]]:
    """``heedful serve --static`` for ``policy``; yields its URL and process id."""
    command = [
        sys.executable, "-m", "heedful", "serve", "--policy", str(policy), "--static", str(SITE),
        "--db", db, "--port", "0", "--no-access-log",
    ]  # fmt: skip
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT
    ) as proc:
        assert proc.stdout is not None
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(60)
        try:
            if not lines or not lines[0].startswith("http"):
                raise SystemExit(f"heedful serve {policy.name} did not start")
            yield lines[0].strip().rstrip("/"), proc.pid
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def register_client(db: str) -> tuple[str, str]:
    found = subprocess.run(
        [sys.executable, "-m", "heedful", "licence-client", "add", "bench", "--db", db, "--json"],
        check=True, capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    made = json.loads(found.stdout)
    return str(made["client_id"]), str(made["client_secret"])


def basic_auth(client_id: str, secret: str) -> str:
    """RFC 7617 Basic credentials (RFC 6749 section 2.3.1 form-encodes them first)."""
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


async def get_token(base: str, client: tuple[str, str]) -> str:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{base}/licensing/token",
            data={"grant_type": "client_credentials", "resource": base + PAGE, "scope": "ai-input"},
            headers={"Authorization": basic_auth(*client)},
        ) as response,
    ):
        body = await response.json()
        if response.status != 200:
            raise SystemExit(f"no token: {response.status} {body}")
        return str(body["access_token"])


async def fetch_many(url: str, count: int, headers: dict[str, str]) -> float:
    """Seconds to fetch ``url`` ``count`` times, ``CONCURRENCY`` at a time; every answer a 200."""
    queue = iter(range(count))
    async with aiohttp.ClientSession(headers={"User-Agent": USER_AGENT, **headers}) as session:

        async def one() -> None:
            for _ in queue:
                async with session.get(url) as response:
                    await response.read()
                    if response.status != 200:
                        raise SystemExit(f"{url}: {response.status} {response.headers}")

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(CONCURRENCY)))
        return time.perf_counter() - start


def measure(base: str, pid: int, count: int, headers: dict[str, str]) -> dict[str, float]:
    before = cpu_seconds(pid)
    seconds = asyncio.run(fetch_many(base + PAGE, count, headers))
    return {"rps": count / seconds, "cpu_us": 1e6 * (cpu_seconds(pid) - before) / count}


def licensed_fetch(out: Path, count: int, repeats: int) -> list[tuple[str, float, float, str]]:
    free_db = f"sqlite:///{out / 'free.db'}"
    paid_db = f"sqlite:///{out / 'paid.db'}"
    client = register_client(paid_db)
    with (
        serve(free_policy(out), free_db) as (free, free_pid),
        serve(POLICY, paid_db) as (
            paid,
            paid_pid,
        ),
    ):
        token = asyncio.run(get_token(paid, client))
        licence = {"Authorization": f"License {token}"}
        measure(free, free_pid, 200, {})
        measure(paid, paid_pid, 200, licence)
        plain: list[dict[str, float]] = []
        licensed: list[dict[str, float]] = []
        for i in range(repeats):
            runs = [(free, free_pid, {}, plain), (paid, paid_pid, licence, licensed)]
            for base, pid, headers, into in runs if i % 2 == 0 else runs[::-1]:
                into.append(measure(base, pid, count, headers))
    cpu = statistics.median(r["cpu_us"] for r in licensed) / statistics.median(
        r["cpu_us"] for r in plain
    )
    rps = statistics.median(r["rps"] for r in plain) / statistics.median(r["rps"] for r in licensed)
    print(
        f"licensed fetch: {count} requests x {repeats}, concurrency {CONCURRENCY}; free "
        f"{statistics.median(r['rps'] for r in plain):.0f} req/s "
        f"{statistics.median(r['cpu_us'] for r in plain):.0f} us CPU/req, licensed "
        f"{statistics.median(r['rps'] for r in licensed):.0f} req/s "
        f"{statistics.median(r['cpu_us'] for r in licensed):.0f} us CPU/req"
    )
    return [
        ("licensed / free fetch, server CPU", cpu, FETCH_TARGET, "<="),
        ("licensed / free fetch, time", rps, FETCH_TARGET, "<="),
    ]


def signing(pages: int, repeats: int) -> list[tuple[str, float, float, str]]:
    root = Path(tempfile.mkdtemp(prefix="heedful-bench-sign-"))
    root.chmod(0o755)
    ports = bench_crawl.build_site(root, 2, pages // 2)
    nginx = subprocess.Popen([bench_crawl.NGINX, "-p", str(root), "-c", str(root / "nginx.conf")])
    try:
        time.sleep(0.5)
        bench = bench_crawl.Bench(root, ports, nginx)
        unsigned, signed = bench_crawl.alternate(
            bench, repeats, ("heedful", {"max_pages": pages}), ("signed", {"max_pages": pages})
        )
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)
    ratio = bench_crawl.median(signed, "cpu_ms") / bench_crawl.median(unsigned, "cpu_ms")
    print(
        f"signing: {pages} pages x {repeats}; unsigned {bench_crawl.median(unsigned, 'cpu_ms'):.2f} "
        f"ms CPU/page, signed {bench_crawl.median(signed, 'cpu_ms'):.2f} ms CPU/page"
    )
    return [("signed / unsigned crawl, CPU per page", ratio, SIGNING_TARGET, "<=")]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count, repeats, pages = (1000, 1, 1000) if args.quick else (3000, 5, 2000)
    out = Path(tempfile.mkdtemp(prefix="heedful-bench-licence-"))
    try:
        rows = licensed_fetch(out, count, repeats) + signing(pages, repeats)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(f"\n{'':42} {'ratio':>7}  target  result")
    failed = False
    for name, ratio, limit, _ in rows:
        passed = ratio <= limit
        failed = failed or not passed
        print(f"{name:42} {ratio:6.2f}x  <= {limit:<4}  {'PASS' if passed else 'FAIL'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
