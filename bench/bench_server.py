"""``heedful serve`` against nginx and a minimal aiohttp app, side by side (issues 3, 11 and 12).

With ``wrk`` on loopback (32 connections, 4 s per run, 5 rounds):

* ``GET /robots.txt`` from ``heedful serve`` vs nginx serving the same bytes as a static file vs
  a minimal aiohttp app returning constant bytes. Target: at least 0.9x the minimal app
  (rendering is cached per policy version); the ratio to nginx is reported.
* ``GET /robots.txt`` from ``heedful serve --workers 2`` vs nginx with two worker processes,
  both free to use every CPU (issue 11 section 4). Target: at least 0.5x nginx.
* ``GET /api/v1/check`` vs the minimal app. Target: at least 0.5x.
* ``GET /robots.txt`` and a static page from ``heedful serve --static`` with identification and
  the default ``monitor`` enforcement on, against the same server with ``--no-enforcement``,
  requested as a catalogued crawler allowed there (issue 12 section 6). Target: at most 1.2x
  the cost (at least 1/1.2 of the requests per second, paired round by round).
* ``GET /robots.txt`` from ``heedful serve`` with its JSON access log on, as it runs by default:
  reported beside the others, so the log's own cost per request is plain to see.

Made to be fair on a small, busy machine: every single-process server (nginx runs one worker)
is pinned with ``taskset`` to other CPUs than ``wrk`` (on 2 CPUs: servers on CPU 1, ``wrk -t1``
on CPU 0), so the load generator never competes with the server it measures. The two-process
pair is not pinned: both servers and ``wrk`` share every CPU alike. The
targets run interleaved, forwards then backwards each round, so a change in the machine's load
hits all of them; a target's figure is its median over the rounds, and a ratio is the median of
the per-round ratios (each a pair of runs seconds apart). The load average is printed before and
after, with the server CPU time per request (from /proc), which load disturbs less than req/s.

The targets compare like with like: nginx runs with ``access_log off`` and the minimal app logs
nothing, so the ``heedful serve`` they are measured on runs with ``--no-access-log``; the
server with the log on (written to /dev/null) is the extra row.
``--only robots,workers`` runs just the rows of those targets (``robots``: heedful and the minimal
app; ``workers``: the two-process pair; ``check``, ``log``, ``enforcement``: the others).
Needs /usr/bin/wrk and /usr/sbin/nginx (Debian: wrk, nginx-light). Prints a table and PASS or
FAIL per target; exits 1 when a target is missed, 2 when a tool is missing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "examples" / "news-publisher.toml"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TASKSET = shutil.which("taskset")
MINIMAL = "minimal aiohttp /robots.txt"
NGINX_ROBOTS = "nginx /robots.txt"
HEEDFUL_ROBOTS = "heedful serve /robots.txt"
HEEDFUL_CHECK = "heedful serve /api/v1/check"
HEEDFUL_LOGGED = "heedful serve /robots.txt +log"
HEEDFUL_WORKERS = "heedful --workers 2 /robots.txt"
NGINX_WORKERS = "nginx 2 workers /robots.txt"
MINIMAL_WORKERS = "minimal aiohttp x2 /robots.txt"
"""Two minimal apps sharing a port (SO_REUSEPORT): what aiohttp itself reaches on two CPUs."""
WORKERS = 2
TARGETS = ((HEEDFUL_ROBOTS, MINIMAL, 0.9), (HEEDFUL_CHECK, MINIMAL, 0.5))
"""(row, baseline row, least ratio) per target of issue 3 section 5 and issue 11 section 4."""
WORKER_TARGETS = ((HEEDFUL_WORKERS, NGINX_WORKERS, 0.5),)
WORKER_NOTES = ((MINIMAL_WORKERS, NGINX_WORKERS), (HEEDFUL_WORKERS, MINIMAL_WORKERS))
"""Ratios printed beside the workers target, no target of their own."""
PLAIN_ROBOTS = "static /robots.txt"
ENFORCED_ROBOTS = "static+enforce /robots.txt"
PLAIN_PAGE = "static page"
ENFORCED_PAGE = "static+enforce page"
ENFORCEMENT_TARGETS = ((ENFORCED_ROBOTS, PLAIN_ROBOTS), (ENFORCED_PAGE, PLAIN_PAGE))
"""Issue 12 section 6: identification + monitor cost at most 1.2x the same server without it,
i.e. at least 1/1.2 of its requests per second, paired round by round."""
ENFORCEMENT_LEAST = 1 / 1.2
GROUPS = {
    "robots": (MINIMAL, NGINX_ROBOTS, HEEDFUL_ROBOTS),
    "check": (MINIMAL, HEEDFUL_CHECK),
    "log": (MINIMAL, HEEDFUL_ROBOTS, HEEDFUL_LOGGED),
    "enforcement": (MINIMAL, PLAIN_ROBOTS, ENFORCED_ROBOTS, PLAIN_PAGE, ENFORCED_PAGE),
    "workers": (MINIMAL, HEEDFUL_WORKERS, MINIMAL_WORKERS, NGINX_WORKERS),
}
"""The rows each ``--only`` name runs (the minimal app is always measured: the table's base)."""
CRAWLER_UA = "Mozilla/5.0 (compatible; OAI-SearchBot/1.0; +https://openai.com/searchbot)"
"""A catalogued crawler allowed on the page: every request is identified and judged, none is a
violation (a violating request would also cost a row in the log, which is not what is timed)."""
PAGE = "/press/release.html"
MINIMAL_APP = textwrap.dedent(
    """
    import socket, sys
    from aiohttp import web
    try:
        import uvloop  # the loop heedful serve runs on when it is installed: like with like
    except ImportError:
        uvloop = None
    BODY = open(sys.argv[1], "rb").read()
    async def handler(request):
        return web.Response(body=BODY, content_type="text/plain")
    app = web.Application()
    app.router.add_get("/robots.txt", handler)
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0  # a port given: share it (reuse_port)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    web.run_app(
        app, sock=sock, access_log=None, print=None,
        loop=uvloop.new_event_loop() if uvloop else None,
    )
    """
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Pinning:
    """CPU lists for ``taskset -c``: the servers on one side, wrk on the other (or none)."""

    servers: str | None
    wrk: str | None
    wrk_threads: int

    @classmethod
    def plan(cls, *, pin: bool, threads: int | None) -> Pinning:
        cpus = sorted(os.sched_getaffinity(0))
        if not pin or TASKSET is None or len(cpus) < 2:
            return cls(servers=None, wrk=None, wrk_threads=threads or 2)
        # Each server is one process on one CPU; wrk gets the other half.
        half = len(cpus) // 2
        wrk_cpus, server_cpus = cpus[:half], cpus[half:]
        return cls(
            servers=",".join(map(str, server_cpus)),
            wrk=",".join(map(str, wrk_cpus)),
            wrk_threads=threads or len(wrk_cpus),
        )

    def server(self, args: list[str]) -> list[str]:
        return [TASKSET, "-c", self.servers, *args] if TASKSET and self.servers else args

    def client(self, args: list[str]) -> list[str]:
        return [TASKSET, "-c", self.wrk, *args] if TASKSET and self.wrk else args


@dataclass(slots=True)
class Row:
    """One target's runs: requests/s and server CPU microseconds per request, per round."""

    url: str
    pid: int
    user_agent: str | None = None
    pinned: bool = True
    """Run against a server pinned to its CPUs, with ``wrk`` pinned to the others."""
    siblings: tuple[int, ...] = ()
    """Other processes of the same server whose CPU time counts too."""
    rates: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)


def _free_port() -> int:
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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its children still running (nginx's worker)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


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
def _nginx(
    folder: Path, body: bytes, pinning: Pinning, *, workers: int = 1
) -> Iterator[tuple[str, int]]:
    (folder / "www").mkdir(parents=True)
    (folder / "tmp").mkdir()
    (folder / "www" / "robots.txt").write_bytes(body)
    port = _free_port()
    conf = folder / "nginx.conf"
    conf.write_text(
        textwrap.dedent(
            f"""
            worker_processes {workers};
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
    command = [NGINX, "-c", str(conf), "-p", str(folder)]
    proc = subprocess.Popen(
        pinning.server(command) if workers == 1 else command, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url + "/robots.txt")
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


def wrk(
    url: str,
    pinning: Pinning,
    *,
    seconds: float,
    connections: int,
    user_agent: str | None = None,
    pinned: bool = True,
) -> tuple[float, int]:
    """Requests per second wrk measured for ``url``, and how many requests it made."""
    agent = ["-H", f"User-Agent: {user_agent}"] if user_agent else []
    client = pinning.client if pinned else list
    done = subprocess.run(
        client(
            [
                WRK,
                f"-t{pinning.wrk_threads}",
                f"-c{connections}",
                f"-d{seconds:g}s",
                "--latency",
                *agent,
                url,
            ]
        ),
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    )
    found = re.search(r"Requests/sec:\s*([0-9.]+)", done.stdout)
    count = re.search(r"(\d+) requests in", done.stdout)
    if found is None or count is None:
        raise RuntimeError(f"no Requests/sec in wrk output:\n{done.stdout}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", done.stdout)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} error responses")
    return float(found.group(1)), int(count.group(1))


def measure(row: Row, pinning: Pinning, *, seconds: float, connections: int) -> None:
    pids = (row.pid, *row.siblings)
    before = sum(_cpu_seconds(pid) for pid in pids)
    rate, count = wrk(
        row.url,
        pinning,
        seconds=seconds,
        connections=connections,
        user_agent=row.user_agent,
        pinned=row.pinned,
    )
    row.rates.append(rate)
    used = sum(_cpu_seconds(pid) for pid in pids) - before
    row.cpu_us.append(used / max(count, 1) * 1e6)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _wanted(only: str | None) -> set[str]:
    if only is None:
        return {name for rows in GROUPS.values() for name in rows}
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in GROUPS]
    if unknown:
        raise SystemExit(f"bench_server: --only takes {', '.join(GROUPS)}, not {unknown}")
    return {row for n in names for row in GROUPS[n]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, help="wrk threads [default: its CPUs]")
    parser.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    parser.add_argument("--only", help=f"comma-separated: {', '.join(GROUPS)} [default: all]")
    args = parser.parse_args(argv)
    wanted = _wanted(args.only)
    for tool in (WRK, NGINX):
        if not Path(tool).exists():
            print(f"bench_server: {tool} is missing (apt install wrk nginx-light)", file=sys.stderr)
            return 2
    pinning = Pinning.plan(pin=not args.no_pin, threads=args.threads)
    run = {"seconds": args.seconds, "connections": args.connections}
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="heedful-bench-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        folder.chmod(0o755)  # nginx workers may run as another user and must read the file
        serve = [sys.executable, "-m", "heedful", "serve", "--policy", str(POLICY), "--port", "0"]
        databases = iter("abcdefgh")

        def heedful(*extra: str, pinned: bool = True) -> tuple[str, int]:
            command = [*serve, "--db", f"sqlite:///{folder / next(databases)}.db", *extra]
            proc, lines = stack.enter_context(
                _process(pinning.server(command) if pinned else command, first_lines=2)
            )
            return lines[0], proc.pid

        rows: dict[str, Row] = {}
        plain, plain_pid = heedful("--no-access-log")
        with urllib.request.urlopen(plain + "/robots.txt", timeout=10) as resp:
            body = resp.read()
        (folder / "robots.txt").write_bytes(body)
        minimal_proc, minimal_lines = stack.enter_context(
            _process(
                pinning.server([sys.executable, "-c", MINIMAL_APP, str(folder / "robots.txt")]),
                first_lines=1,
            )
        )
        minimal = minimal_lines[0]
        _wait(minimal + "/robots.txt")
        rows[MINIMAL] = Row(minimal + "/robots.txt", minimal_proc.pid)
        if NGINX_ROBOTS in wanted:
            nginx, nginx_pid = stack.enter_context(_nginx(folder / "nginx", body, pinning))
            rows[NGINX_ROBOTS] = Row(nginx + "/robots.txt", nginx_pid)
        if HEEDFUL_ROBOTS in wanted:
            rows[HEEDFUL_ROBOTS] = Row(plain + "/robots.txt", plain_pid)
        if HEEDFUL_CHECK in wanted:
            check = (
                plain
                + "/api/v1/check?"
                + urlencode({"url": plain + "/articles/1", "agent": "ClaudeBot", "use": "ai-train"})
            )
            _wait(check)
            rows[HEEDFUL_CHECK] = Row(check, plain_pid)
        if HEEDFUL_LOGGED in wanted:
            logged, logged_pid = heedful()
            rows[HEEDFUL_LOGGED] = Row(logged + "/robots.txt", logged_pid)
        if ENFORCED_PAGE in wanted:
            static = folder / "www"
            (static / "press").mkdir(parents=True)
            (static / "press" / "release.html").write_text(
                "<!DOCTYPE html><html><head><title>Release</title></head><body>"
                + "<p>News.</p>" * 200
                + "</body></html>"
            )
            site = ("--no-access-log", "--static", str(static))
            bare, bare_pid = heedful(*site, "--no-enforcement")
            enforced, enforced_pid = heedful(*site)
            rows[PLAIN_ROBOTS] = Row(bare + "/robots.txt", bare_pid, CRAWLER_UA)
            rows[ENFORCED_ROBOTS] = Row(enforced + "/robots.txt", enforced_pid, CRAWLER_UA)
            rows[PLAIN_PAGE] = Row(bare + PAGE, bare_pid, CRAWLER_UA)
            rows[ENFORCED_PAGE] = Row(enforced + PAGE, enforced_pid, CRAWLER_UA)
        if HEEDFUL_WORKERS in wanted:
            many, many_pid = heedful("--no-access-log", "--workers", str(WORKERS), pinned=False)
            nginx2, nginx2_pid = stack.enter_context(
                _nginx(folder / "nginx2", body, pinning, workers=WORKERS)
            )
            shared = _free_port()
            minimal_pids = []
            for _ in range(WORKERS):
                proc, _lines = stack.enter_context(
                    _process(
                        [
                            sys.executable,
                            "-c",
                            MINIMAL_APP,
                            str(folder / "robots.txt"),
                            str(shared),
                        ],
                        first_lines=1,
                    )
                )
                minimal_pids.append(proc.pid)
            _wait(f"http://127.0.0.1:{shared}/robots.txt")
            rows[HEEDFUL_WORKERS] = Row(many + "/robots.txt", many_pid, pinned=False)
            rows[MINIMAL_WORKERS] = Row(
                f"http://127.0.0.1:{shared}/robots.txt",
                minimal_pids[0],
                pinned=False,
                siblings=tuple(minimal_pids[1:]),
            )
            rows[NGINX_WORKERS] = Row(nginx2 + "/robots.txt", nginx2_pid, pinned=False)
        for row in rows.values():  # warm up: first requests fill caches and pools
            wrk(
                row.url,
                pinning,
                seconds=1,
                connections=args.connections,
                user_agent=row.user_agent,
                pinned=row.pinned,
            )
        order = list(rows.values())
        for number in range(args.rounds):  # forwards, then backwards: drift hits all alike
            for row in order if number % 2 == 0 else order[::-1]:
                measure(row, pinning, **run)
    return report(rows, args, pinning, body=body, load_before=load_before)


def _paired(rows: dict[str, Row], name: str, base: str) -> float:
    """The median of the per-round ratios of ``name`` to ``base``."""
    return statistics.median(
        [a / b for a, b in zip(rows[name].rates, rows[base].rates, strict=True)]
    )


def _loop() -> str:
    try:
        __import__("uvloop")
    except ImportError:
        return "asyncio's own event loop"
    return "uvloop"


def report(
    rows: dict[str, Row],
    args: argparse.Namespace,
    pinning: Pinning,
    *,
    body: bytes,
    load_before: str,
) -> int:
    cpus = len(os.sched_getaffinity(0))
    pinned = (
        f"servers on CPU {pinning.servers}, wrk on CPU {pinning.wrk}"
        if pinning.servers
        else "not pinned"
    )
    print(
        f"wrk -t{pinning.wrk_threads} -c{args.connections} -d{args.seconds:g}s, "
        f"{args.rounds} interleaved rounds (medians), robots.txt {len(body)} bytes"
    )
    print(f"{cpus} CPUs, {pinned}; load average {load_before} before, {_load()} after")
    print(f"Python servers (heedful and the minimal app) on {_loop()}")
    base = statistics.median(rows[MINIMAL].rates)
    base_cpu = statistics.median(rows[MINIMAL].cpu_us)
    print(
        f"{'target':<32} {'req/s':>9} {'min-max':>15} {'x minimal':>9} "
        f"{'paired':>7} {'cpu us/req':>10}"
    )
    for name, row in rows.items():
        rate = statistics.median(row.rates)
        spread = f"{min(row.rates):.0f}-{max(row.rates):.0f}"
        print(
            f"{name:<32} {rate:>9.0f} {spread:>15} {rate / base:>9.2f} "
            f"{_paired(rows, name, MINIMAL):>7.2f} {statistics.median(row.cpu_us):>10.1f}"
        )
    notes = [f"minimal aiohttp uses {base_cpu:.1f} us of CPU per request"]
    if NGINX_ROBOTS in rows:
        notes.append(
            f"heedful /robots.txt vs nginx: {_paired(rows, HEEDFUL_ROBOTS, NGINX_ROBOTS):.2f}x"
        )
    if HEEDFUL_LOGGED in rows:
        log_cpu = statistics.median(rows[HEEDFUL_LOGGED].cpu_us) - statistics.median(
            rows[HEEDFUL_ROBOTS].cpu_us
        )
        notes.append(
            f"the JSON access log adds {log_cpu:.1f} us (+log row: "
            f"{_paired(rows, HEEDFUL_LOGGED, MINIMAL):.2f}x minimal, no target)"
        )
    for name, baseline in WORKER_NOTES:
        if name in rows:
            notes.append(f"{name} vs {baseline}: {_paired(rows, name, baseline):.2f}x")
    print("; ".join(notes))
    results = []
    for name, baseline, least in (*TARGETS, *WORKER_TARGETS):
        if name not in rows:
            continue
        ratio = _paired(rows, name, baseline)
        ok = ratio >= least
        results.append(ok)
        print(f"{'PASS' if ok else 'FAIL'} {name} >= {least}x {baseline}: {ratio:.2f}x")
    for enforced, plain in ENFORCEMENT_TARGETS:
        if enforced not in rows:
            continue
        ratio = _paired(rows, enforced, plain)
        ok = ratio >= ENFORCEMENT_LEAST
        results.append(ok)
        print(
            f"{'PASS' if ok else 'FAIL'} {enforced} costs at most 1.2x {plain}: "
            f"{1 / ratio:.3f}x (throughput {ratio:.3f} of it)"
        )
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
