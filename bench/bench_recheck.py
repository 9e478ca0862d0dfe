"""Issue 6 section 3: re-check 10,000 kept items over 100 origins on loopback in under a minute.

A ledger is synthesised directly (one crawl row, ``--items`` kept events spread over
``--origins`` origins, each with a real WARC record), then one aiohttp process serves every
origin on its own 127.0.0.1 port: robots.txt, tdmrep.json, ai.txt, the removals list and the
pages (ETag-aware, for ``--pages``). Since the "crawl", every tenth origin reserved ``/w/`` for
AI training (Content-Usage in robots.txt) and every origin approved the removal of one page, so
the expected purge list is known. ``heedful recheck DIR --json`` runs as a subprocess, the way
users run it; the wall time includes its start-up.

Run: ``.venv/bin/python bench/bench_recheck.py [--items 10000] [--origins 100] [--pages]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 60.0
PAGE = b"<!doctype html><html><head><title>p</title></head><body><p>text</p></body></html>"


def free_ports(count: int) -> list[int]:
    socks = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        socks.append(sock)
    ports = [int(s.getsockname()[1]) for s in socks]
    for sock in socks:
        sock.close()
    return ports


def item_path(n: int, origin: int, origins: int) -> str:
    """Every 20th item of a withdrawing origin lives under /w/, the rest under /p/."""
    return f"/w/{n}" if (n // origins) % 20 == 0 and origin % 10 == 0 else f"/p/{n}"


def removed_path(origin: int, origins: int) -> str:
    """The origin's second item (never under /w/) is the work whose removal was approved."""
    return f"/p/{origin + origins}"


def serve(ports: list[int]) -> None:
    """The server half (a subprocess): every origin on its own port, until stdin closes."""
    from aiohttp import web

    async def main() -> None:
        runners = []
        for index, port in enumerate(ports):
            base = f"http://127.0.0.1:{port}"
            robots = "User-agent: *\nAllow: /\n"
            if index % 10 == 0:
                robots += "Content-Usage: /w/ train-ai=n\n"
            removals = json.dumps(
                {
                    "version": 1,
                    "removals": [
                        {
                            "url": base + removed_path(index, len(ports)),
                            "prefix": False,
                            "approved_at": "x",
                        }
                    ],
                }
            )

            def handler(robots: str = robots, removals: str = removals) -> Any:
                async def handle(request: web.Request) -> web.StreamResponse:
                    path = request.path
                    if path == "/robots.txt":
                        return web.Response(text=robots)
                    if path == "/.well-known/heedful/removals.json":
                        return web.Response(text=removals, content_type="application/json")
                    if path == "/.well-known/tdmrep.json":
                        return web.json_response([{"location": "/", "tdm-reservation": 0}])
                    if path.startswith(("/p/", "/w/")):
                        if request.headers.get("If-None-Match") == '"v1"':
                            return web.Response(status=304, headers={"ETag": '"v1"'})
                        return web.Response(
                            body=PAGE, content_type="text/html", headers={"ETag": '"v1"'}
                        )
                    return web.Response(status=404)

                return handle

            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", handler())
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port, backlog=1024).start()
            runners.append(runner)
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        for runner in runners:
            await runner.cleanup()

    asyncio.run(main())


async def synthesise(out: Path, ports: list[int], items: int) -> set[str]:
    """The ledger and WARC of a crawl that kept ``items`` pages; returns the expected withdrawals."""
    from heedful.crawler.ledger import CrawlRun, Ledger, UrlEvent, database_url, utcnow
    from heedful.crawler.warc import WarcFiles

    crawl_id = uuid.uuid4().hex
    ledger = Ledger(database_url("", out), batch=2000)
    await ledger.create()
    warc = WarcFiles(out, prefix="heedful", max_bytes=50_000_000, software="bench")
    ua = "Mozilla/5.0 (compatible; HeedfulBot/0.1; +https://heedful.invalid/bot; purpose: ai-train)"
    ledger.add(
        CrawlRun,
        {
            "crawl_id": crawl_id,
            "worker": "bench",
            "started_at": utcnow(),
            "agent": "HeedfulBot",
            "user_agent": ua,
            "use": "ai-train",
            "mode": "opt-out",
            "strict": False,
            "seeds": [],
        },
    )
    expected: set[str] = set()
    import hashlib

    digest = hashlib.sha256(PAGE).hexdigest()
    for n in range(items):
        index = n % len(ports)
        origin = f"http://127.0.0.1:{ports[index]}"
        path = item_path(n, index, len(ports))
        url = origin + path
        if path.startswith("/w/") or path == removed_path(index, len(ports)):
            expected.add(url)
        now = utcnow()
        file, offset = warc.write_response(
            url,
            status=200,
            headers=[("Content-Type", "text/html"), ("ETag", '"v1"')],
            body=PAGE,
            fetched_at=now,
            sha256=digest,
        )
        ledger.add(
            UrlEvent,
            {
                "crawl_id": crawl_id,
                "url": url,
                "origin": origin,
                "status": "kept",
                "stage": "after-fetch",
                "verdict": "allow",
                "access": "allow",
                "use": "ai-train",
                "mode": "opt-out",
                "reasons": [{"signal": "default", "effect": "default allow"}],
                "offers": [],
                "http_status": 200,
                "decided_at": now,
                "fetched_at": now,
                "sha256": digest,
                "size": len(PAGE),
                "content_type": "text/html",
                "warc_file": file,
                "warc_offset": offset,
                "license": [],
                "attribution": {},
                "snapshots": [],
            },
        )
    warc.close()
    await ledger.close()
    return expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--origins", type=int, default=100)
    parser.add_argument("--pages", action="store_true", help="Also conditional GETs of pages.")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve([int(p) for p in args.serve.split(",")])
        return
    ports = free_ports(args.origins)
    with tempfile.TemporaryDirectory(prefix="heedful-bench-recheck-") as tmp:
        out = Path(tmp)
        started = time.perf_counter()
        expected = asyncio.run(synthesise(out, ports, args.items))
        print(f"ledger of {args.items} items synthesised in {time.perf_counter() - started:.1f} s")
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", ",".join(map(str, ports))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            assert server.stdout.readline().strip() == "ready"
            command = [
                sys.executable,
                "-m",
                "heedful",
                "recheck",
                str(out),
                "--json",
                "--no-progress",
                "--concurrency",
                str(args.concurrency),
            ]
            if args.pages:
                command.append("--pages")
            started = time.perf_counter()
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=300, check=False, cwd=ROOT
            )
            seconds = time.perf_counter() - started
        finally:
            assert server.stdin is not None
            server.stdin.close()
            server.wait(30)
        if done.returncode != 0:
            sys.exit(f"recheck failed: {done.stderr[-2000:]}")
        listed = {json.loads(line)["url"] for line in done.stdout.splitlines() if line.strip()}
        verdict = "OK" if seconds < TARGET_SECONDS and listed == expected else "FAIL"
        print(
            f"recheck{' --pages' if args.pages else ''}: {args.items} items over {args.origins} "
            f"origins in {seconds:.1f} s ({args.items / seconds:.0f} items/s); "
            f"withdrawn {len(listed)} (expected {len(expected)}, "
            f"{'exact' if listed == expected else 'MISMATCH'}); target < {TARGET_SECONDS:.0f} s: "
            f"{verdict}"
        )
        if verdict != "OK":
            sys.exit(1)


if __name__ == "__main__":
    main()
