"""Issue 3 section 5: ``heedful serve`` against nginx and a minimal aiohttp app, side by side.

With ``wrk`` on loopback (2 threads, 32 connections, 5 s per run):

* ``GET /robots.txt`` from ``heedful serve`` vs nginx serving the same bytes as a static file vs
  a minimal aiohttp app returning constant bytes. Target: at least 0.9x the minimal app
  (rendering is cached per policy version); the ratio to nginx is reported.
* ``GET /api/v1/check`` vs the minimal app. Target: at least 0.5x.

``heedful serve`` runs as users run it, with its JSON access log on (written to /dev/null).
Needs /usr/bin/wrk and /usr/sbin/nginx (Debian: wrk, nginx-light). Prints a table and exits 1
when a target is missed, 2 when a tool is missing.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "examples" / "news-publisher.toml"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MINIMAL_APP = textwrap.dedent(
    """
    import socket, sys
    from aiohttp import web
    BODY = open(sys.argv[1], "rb").read()
    async def handler(request):
        return web.Response(body=BODY, content_type="text/plain")
    app = web.Application()
    app.router.add_get("/robots.txt", handler)
    sock = socket.socket(); sock.bind(("127.0.0.1", 0))
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    web.run_app(app, sock=sock, access_log=None, print=None)
    """
)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def _process(
    args: list[str], *, first_lines: int
) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(first_lines)]
        yield proc, lines
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@contextmanager
def _nginx(folder: Path, body: bytes) -> Iterator[str]:
    (folder / "www").mkdir(parents=True)
    (folder / "tmp").mkdir()
    (folder / "www" / "robots.txt").write_bytes(body)
    port = _free_port()
    conf = folder / "nginx.conf"
    conf.write_text(
        textwrap.dedent(
            f"""
            worker_processes 1;
            daemon off;
            pid {folder}/nginx.pid;
            error_log {folder}/error.log;
            events {{ worker_connections 1024; }}
            http {{
                access_log off;
                client_body_temp_path {folder}/tmp;
                proxy_temp_path {folder}/tmp;
                fastcgi_temp_path {folder}/tmp;
                uwsgi_temp_path {folder}/tmp;
                scgi_temp_path {folder}/tmp;
                default_type text/plain;
                server {{
                    listen 127.0.0.1:{port};
                    root {folder}/www;
                }}
            }}
            """
        )
    )
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(folder)], stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url + "/robots.txt")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def wrk(url: str, *, seconds: int, threads: int, connections: int) -> float:
    """Requests per second wrk measured for ``url``."""
    done = subprocess.run(
        [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    )
    found = re.search(r"Requests/sec:\s*([0-9.]+)", done.stdout)
    if found is None:
        raise RuntimeError(f"no Requests/sec in wrk output:\n{done.stdout}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", done.stdout)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} error responses")
    return float(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2, help="best of N interleaved runs")
    args = parser.parse_args(argv)
    for tool in (WRK, NGINX):
        if not Path(tool).exists():
            print(f"bench_server: {tool} is missing (apt install wrk nginx-light)", file=sys.stderr)
            return 2
    run = {"seconds": args.seconds, "threads": args.threads, "connections": args.connections}
    with tempfile.TemporaryDirectory(prefix="heedful-bench-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        folder.chmod(0o755)  # nginx workers may run as another user and must read the file
        _, lines = stack.enter_context(
            _process(
                [
                    sys.executable,
                    "-m",
                    "heedful",
                    "serve",
                    "--policy",
                    str(POLICY),
                    "--port",
                    "0",
                    "--db",
                    f"sqlite:///{folder / 'bench.db'}",
                ],
                first_lines=2,
            )
        )
        heedful = lines[0]
        with urllib.request.urlopen(heedful + "/robots.txt", timeout=10) as resp:
            body = resp.read()
        (folder / "robots.txt").write_bytes(body)
        _, minimal_lines = stack.enter_context(
            _process([sys.executable, "-c", MINIMAL_APP, str(folder / "robots.txt")], first_lines=1)
        )
        minimal = minimal_lines[0]
        _wait(minimal + "/robots.txt")
        nginx = stack.enter_context(_nginx(folder / "nginx", body))
        check = (
            heedful
            + "/api/v1/check?"
            + urlencode({"url": heedful + "/articles/1", "agent": "ClaudeBot", "use": "ai-train"})
        )
        _wait(check)
        targets = {
            "minimal aiohttp /robots.txt": minimal + "/robots.txt",
            "nginx /robots.txt": nginx + "/robots.txt",
            "heedful serve /robots.txt": heedful + "/robots.txt",
            "heedful serve /api/v1/check": check,
        }
        for url in targets.values():  # warm up: first requests fill caches and pools
            wrk(url, seconds=1, threads=args.threads, connections=args.connections)
        rows = dict.fromkeys(targets, 0.0)
        for _ in range(args.rounds):  # interleaved, best of N: load from elsewhere hits all
            for name, url in targets.items():
                rows[name] = max(rows[name], wrk(url, **run))
    base = rows["minimal aiohttp /robots.txt"]
    robots = rows["heedful serve /robots.txt"] / base
    check_ratio = rows["heedful serve /api/v1/check"] / base
    to_nginx = rows["heedful serve /robots.txt"] / rows["nginx /robots.txt"]
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, best of {args.rounds}, "
        f"robots.txt {len(body)} bytes"
    )
    print(f"{'target':<30} {'req/s':>10} {'x minimal':>10}")
    for name, rate in rows.items():
        print(f"{name:<30} {rate:>10.0f} {rate / base:>10.2f}")
    print(f"heedful /robots.txt vs nginx: {to_nginx:.2f}x")
    verdicts = [
        ("robots.txt >= 0.9x minimal aiohttp", robots >= 0.9, robots),
        ("check API >= 0.5x minimal aiohttp", check_ratio >= 0.5, check_ratio),
    ]
    for label, ok, ratio in verdicts:
        print(f"{'met   ' if ok else 'MISSED'} {label}: {ratio:.2f}x")
    return 0 if all(ok for _, ok, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
