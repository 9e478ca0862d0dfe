"""Heedful's compliant crawl against plain Scrapy, side by side in one run (issue 4 s. 6, 11 s. 4).

A static site of ``--origins`` origins x ``--pages`` pages is generated in a temporary directory
and served by nginx (one server block per port on 127.0.0.1). Each crawl runs in its own
subprocess, which reports its pages, crawl time (start to last item: shutdown excluded, for
both), CPU time of the whole process (``getrusage(RUSAGE_SELF)``, imports and threads
included), time spent in the garbage collector (and how many full collections ran, over how many tracked
objects at the end: a full collection's cost grows with every object the process holds, imported
modules included), and peak memory (``VmHWM``); requests are counted from nginx's access logs.

* plain: Scrapy with ``ROBOTSTXT_OBEY = True`` and the same spider and concurrency (the spider's
  module loads neither Heedful's ledger nor its media readers, so this is plain Scrapy:
  ``tests/crawler/test_imports.py``).
* heedful: the add-on with its defaults: ledger (SQLite), WARC and attribution on.
* distributed: two Heedful workers (scrapy-redis, ledger in PostgreSQL) against one plain
  Scrapy process, both crawling the whole site.

Fairness on a small shared machine: plain and Heedful run alternately ``--repeats`` times and
the medians are compared; the machine's load average and the CPU other processes used during
each run (system busy time minus the crawl's and nginx's own) are reported, because a busy
neighbour slows whichever crawl it overlaps. Ratios are printed in one table with PASS/FAIL per
target; the exit status is 1 when a target is missed.

Targets: pages/s >= 0.95x plain, CPU per page <= 1.15x, peak memory <= 1.2x, each signal file
requested once per origin (one extra request per file per cache lifetime), 0 violations, two
workers faster than one plain process.

Run: ``.venv/bin/python bench/bench_crawl.py`` (about 8 minutes on 2 cores; ``--quick``:
one 2,000-page round and a 2,000-page distributed round, about a minute).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NGINX = "/usr/sbin/nginx"
DENY_EVERY = 50
"""Every 50th page links to a /deny/ page that robots.txt disallows."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def page_html(origin: int, n: int, pages: int) -> str:
    links = "".join(
        f'<li><a href="/p/{m}.html">page {m}</a></li>' for m in range(n + 1, min(n + 6, pages))
    )
    if n % DENY_EVERY == 0:
        links += f'<li><a href="/deny/{n}.html">members only</a></li>'
    text = " ".join(
        f"Sentence {i} of page {n} on origin {origin}, written for the benchmark."
        for i in range(20)
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Origin {origin} page {n}</title>'
        f'<meta name="author" content="Author {origin}"><link rel="license" href="/license.html">'
        f"</head><body><h1>Page {n}</h1><p>{text}</p><ul>{links}</ul></body></html>"
    )


def build_site(root: Path, origins: int, pages: int) -> list[int]:
    ports = [free_port() for _ in range(origins)]
    servers = []
    for i, port in enumerate(ports):
        docroot = root / f"o{i}"
        (docroot / "p").mkdir(parents=True)
        (docroot / "deny").mkdir()
        (docroot / "robots.txt").write_text("User-agent: *\nDisallow: /deny/\n")
        index = "".join(f'<a href="/p/{m}.html">p{m}</a> ' for m in range(0, pages, 50))
        (docroot / "index.html").write_text(
            f"<html><head><title>o{i}</title></head><body>{index}</body></html>"
        )
        for n in range(pages):
            (docroot / "p" / f"{n}.html").write_text(page_html(i, n, pages))
            if n % DENY_EVERY == 0:
                (docroot / "deny" / f"{n}.html").write_text("<html><body>private</body></html>")
        servers.append(
            f"server {{ listen 127.0.0.1:{port}; root {docroot}; "
            f"access_log {root}/access.log bench; }}"
        )
    conf = f"""
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
    log_format bench '$server_port $status $request_uri';
    client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
    types {{ text/html html; text/plain txt; }}
    keepalive_requests 100000;
    {chr(10).join(servers)}
}}
"""
    (root / "tmp").mkdir()
    (root / "nginx.conf").write_text(conf)
    return ports


def access_counts(root: Path) -> list[tuple[int, int, str]]:
    out = []
    for line in (root / "access.log").read_text().splitlines():
        port, status, uri = line.split(" ", 2)
        out.append((int(port), int(status), uri))
    return out


SIGNAL_PATHS = (
    "/robots.txt",
    "/.well-known/tdmrep.json",
    "/ai.txt",
    "/.well-known/heedful/removals.json",
)
"""What Heedful reads once per origin (plain Scrapy reads only robots.txt)."""
PPS_TARGET = 0.95
CPU_TARGET = 1.15
MEMORY_TARGET = 1.2


def worker(args: argparse.Namespace) -> None:
    """One crawl in this process; prints a JSON line with its measurements."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from heedful.crawler.spiders.site import SiteSpider

    gc_time = [0.0, 0.0]

    def gc_timer(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_time[1] = time.process_time()
        else:
            gc_time[0] += time.process_time() - gc_time[1]

    gc.callbacks.append(gc_timer)
    settings: dict[str, Any] = {
        "LOG_LEVEL": "ERROR",
        "TELNETCONSOLE_ENABLED": False,
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
        "COOKIES_ENABLED": False,
        "RETRY_ENABLED": False,
    }
    if args.kind == "plain":
        settings["ROBOTSTXT_OBEY"] = True
    else:
        settings.update(
            {
                "ADDONS": {"heedful.crawler.addon.HeedfulAddon": 0},
                "HEEDFUL_OUT_DIR": args.out,
                "HEEDFUL_CRAWL_ID": args.crawl_id,
                "HEEDFUL_LEDGER_URL": args.db,
            }
        )
    if args.kind == "signed":
        # Web Bot Auth on every request (crawler/signing.py), with a key made for this run.
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from heedful.policies.identity.signing import private_pem

        key_file = Path(args.out) / "signing-key.pem"
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_bytes(private_pem(Ed25519PrivateKey.generate()))
        settings["HEEDFUL_SIGNING_KEY"] = str(key_file)
        settings["HEEDFUL_SIGNATURE_AGENT"] = "https://crawler.example"
    if args.redis:
        from heedful.crawler.distributed import redis_settings

        settings.update(redis_settings(args.redis, args.redis_key, idle_seconds=1.0))
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SiteSpider)
    last = [0.0]

    def scraped(**_: Any) -> None:
        last[0] = time.time()

    crawler.signals.connect(scraped, signal=signals.item_scraped)
    process.crawl(crawler, urls=args.seeds.split(","), max_pages=args.max_pages)
    t0 = time.time()
    process.start()
    t1 = time.time()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    hwm = 0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1])
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    full_collections = gc.get_stats()[2]["collections"]
    tracked = len(gc.get_objects())
    print(
        json.dumps(
            {
                "pages": stats.get("item_scraped_count", 0),
                "cpu": usage.ru_utime + usage.ru_stime,
                "gc": gc_time[0],
                "full_gc": full_collections,
                "tracked": tracked,
                "hwm_kb": hwm,
                "t0": t0,
                "t_last": last[0] or t1,
                "t1": t1,
            }
        )
    )


def _busy_seconds() -> float:
    """Seconds of CPU the whole machine spent busy so far (``/proc/stat``)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _process_cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Bench:
    """The site, its nginx, and one measurement per call."""

    def __init__(self, root: Path, ports: list[int], nginx: subprocess.Popen[bytes]) -> None:
        self.root = root
        self.ports = ports
        self.nginx = nginx

    def nginx_pids(self) -> list[int]:
        found = subprocess.run(
            ["pgrep", "-P", str(self.nginx.pid)], capture_output=True, text=True, check=False
        )
        return [self.nginx.pid, *(int(p) for p in found.stdout.split())]

    def measure(
        self,
        kind: str,
        max_pages: int,
        *,
        redis: str = "",
        db: str = "",
        workers: int = 1,
    ) -> dict[str, Any]:
        log = self.root / "access.log"
        log.write_text("")
        subprocess.run(["kill", "-USR1", str(self.nginx.pid)], check=True)
        time.sleep(0.2)
        seeds = [f"http://127.0.0.1:{p}/" for p in self.ports]
        out = self.root / f"out-{kind}-{max_pages}-{uuid.uuid4().hex[:6]}"
        key = f"heedful-bench-{uuid.uuid4().hex}" if redis else ""
        cmd = [
            sys.executable, __file__, "--worker", "--kind", kind, "--seeds", ",".join(seeds),
            "--max-pages", str(max_pages), "--out", str(out), "--crawl-id", uuid.uuid4().hex,
        ]  # fmt: skip
        if redis:
            cmd += ["--redis", redis, "--redis-key", key]
        if db:
            cmd += ["--db", db]
        nginx = self.nginx_pids()
        busy, served, load = _busy_seconds(), _process_cpu(nginx), os.getloadavg()[0]
        span = time.perf_counter()
        procs = [
            subprocess.Popen(
                cmd,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            for _ in range(workers)
        ]
        results = []
        for proc in procs:
            stdout, stderr = proc.communicate(timeout=900)
            if proc.returncode != 0:
                raise SystemExit(f"{kind} worker failed:\n{stderr[-3000:]}")
            results.append(json.loads(stdout.strip().splitlines()[-1]))
        busy = _busy_seconds() - busy
        served = _process_cpu(nginx) - served
        span = time.perf_counter() - span
        if redis:
            from heedful.crawler.distributed import clear

            clear(redis, key)
        time.sleep(0.3)
        logged = access_counts(self.root)
        shutil.rmtree(out, ignore_errors=True)
        pages = sum(r["pages"] for r in results)
        cpu = sum(r["cpu"] for r in results)
        # Crawl time: from the first worker's start to the last item (shutdown excluded).
        elapsed = max(r["t_last"] for r in results) - min(r["t0"] for r in results)
        per_file = Counter((port, uri) for port, _, uri in logged if uri in SIGNAL_PATHS)
        other = [
            uri for _, _, uri in logged if uri not in SIGNAL_PATHS and not uri.startswith(("/p/", "/deny/")) and uri != "/"
        ]  # fmt: skip
        pages_fetched = Counter((port, uri) for port, _, uri in logged if uri.startswith("/p/"))
        return {
            "kind": kind,
            "pages": pages,
            "elapsed": elapsed,
            "pps": pages / elapsed,
            "cpu_ms": 1000 * cpu / max(pages, 1),
            "gc_ms": 1000 * sum(r["gc"] for r in results) / max(pages, 1),
            "full_gc": max(r["full_gc"] for r in results),
            "tracked_k": max(r["tracked"] for r in results) / 1000,
            "hwm_mb": max(r["hwm_kb"] for r in results) / 1024,
            "violations": sum(1 for _, _, uri in logged if uri.startswith("/deny/")),
            "signal_requests": sum(per_file.values()) / len(self.ports),
            "signal_max_per_file": max(per_file.values(), default=0),
            "other_requests": len(other),
            "refetched_pages": sum(n - 1 for n in pages_fetched.values() if n > 1),
            "load": load,
            # CPU other processes used meanwhile, in cores (crawl and nginx subtracted).
            "others": max(busy - cpu - served, 0.0) / max(span, 1e-9),
        }


def median(rows: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in rows))


def alternate(
    bench: Bench,
    repeats: int,
    first: tuple[str, dict[str, Any]],
    second: tuple[str, dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run the two crawls alternately (A B A B ...), so a busy moment hits both alike."""
    a: list[dict[str, Any]] = []
    b: list[dict[str, Any]] = []
    for i in range(repeats):
        order = [(first, a), (second, b)] if i % 2 == 0 else [(second, b), (first, a)]
        for (kind, kw), into in order:
            result = bench.measure(kind, **kw)
            into.append(result)
            print(
                f"  {result['kind']:<8} {kw.get('max_pages') or 'all':>6} pages/s {result['pps']:6.0f}"
                f"  cpu {result['cpu_ms']:.2f} ms/p  gc {result['gc_ms']:.2f} ({result['full_gc']} full,"
                f" {result['tracked_k']:.0f}k objects)  peak {result['hwm_mb']:.0f} MB"
                f"  load {result['load']:.1f}  others {result['others']:.2f} cores",
                file=sys.stderr,
                flush=True,
            )
    return a, b


class Report:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, bool]] = []

    def add(self, target: str, measured: str, limit: str, ok: bool, spread: str = "") -> None:
        self.rows.append((target, measured, limit, spread, ok))

    def print(self) -> bool:
        width = max(len(r[0]) for r in self.rows)
        print(f"\n{'target':<{width}}  {'measured':>10}  {'limit':>8}  {'range':>13}  result")
        for target, measured, limit, spread, ok in self.rows:
            print(
                f"{target:<{width}}  {measured:>10}  {limit:>8}  {spread:>13}  {'PASS' if ok else 'FAIL'}"
            )
        return all(r[4] for r in self.rows)


def compare(
    report: Report,
    size: int,
    plain: list[dict[str, Any]],
    heedful: list[dict[str, Any]],
    *,
    targets: bool,
) -> None:
    print(f"\n{size} pages, medians of {len(plain)} alternating runs:")
    print(
        f"  {'crawler':<8} {'pages/s':>8} {'cpu ms/p':>9} {'gc ms/p':>8} {'peak MB':>8} {'signal req/origin':>18} {'violations':>10} {'load':>5} {'others':>7}"
    )
    for name, rows in (("plain", plain), ("heedful", heedful)):
        print(
            f"  {name:<8} {median(rows, 'pps'):>8.0f} {median(rows, 'cpu_ms'):>9.2f} {median(rows, 'gc_ms'):>8.2f}"
            f" {median(rows, 'hwm_mb'):>8.0f} {median(rows, 'signal_requests'):>18.1f}"
            f" {max(r['violations'] for r in rows):>10} {median(rows, 'load'):>5.1f} {median(rows, 'others'):>7.2f}"
        )
    pairs = list(zip(plain, heedful, strict=True))
    pps = [h["pps"] / p["pps"] for p, h in pairs]
    cpu = [h["cpu_ms"] / p["cpu_ms"] for p, h in pairs]
    mem = [h["hwm_mb"] / p["hwm_mb"] for p, h in pairs]
    nogc = [(h["cpu_ms"] - h["gc_ms"]) / (p["cpu_ms"] - p["gc_ms"]) for p, h in pairs]
    ratio_pps = median(heedful, "pps") / median(plain, "pps")
    ratio_cpu = median(heedful, "cpu_ms") / median(plain, "cpu_ms")
    ratio_mem = median(heedful, "hwm_mb") / median(plain, "hwm_mb")
    print(
        f"  cpu/page outside the garbage collector: {statistics.median(nogc):.2f}x (for information)"
    )

    def span(values: list[float]) -> str:
        return f"{min(values):.2f}-{max(values):.2f}"

    if not targets:
        print(
            f"  pages/s {ratio_pps:.2f}x ({span(pps)}), cpu/page {ratio_cpu:.2f}x, memory {ratio_mem:.2f}x"
        )
        return
    report.add(
        f"pages/s heedful/plain ({size})",
        f"{ratio_pps:.2f}x",
        f">= {PPS_TARGET}",
        ratio_pps >= PPS_TARGET,
        span(pps),
    )
    report.add(
        f"cpu/page heedful/plain ({size})",
        f"{ratio_cpu:.2f}x",
        f"<= {CPU_TARGET}",
        ratio_cpu <= CPU_TARGET,
        span(cpu),
    )
    report.add(
        f"peak memory heedful/plain ({size})",
        f"{ratio_mem:.2f}x",
        f"<= {MEMORY_TARGET}",
        ratio_mem <= MEMORY_TARGET,
        span(mem),
    )
    once = max(r["signal_max_per_file"] for r in heedful) == 1 and not any(
        r["other_requests"] for r in heedful
    )
    report.add(
        f"signal files requested once per origin ({size})",
        f"{median(heedful, 'signal_requests'):.0f}/origin",
        f"{len(SIGNAL_PATHS)}/origin",
        once and median(heedful, "signal_requests") <= len(SIGNAL_PATHS),
    )
    report.add(f"robots violations ({size})", str(max(r["violations"] for r in heedful)), "0", not any(r["violations"] for r in heedful))  # fmt: skip


def reachable_redis(url: str) -> bool:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.ping()
        client.close()
        return True
    except Exception:  # noqa: BLE001
        return False


def reachable_db(url: str) -> bool:
    try:
        import asyncio

        import asyncpg  # type: ignore[import-untyped]

        async def ping() -> None:
            conn = await asyncpg.connect(url, timeout=2)
            await conn.close()

        asyncio.run(ping())
        return True
    except Exception:  # noqa: BLE001
        return False


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="plain", help=argparse.SUPPRESS)
    parser.add_argument("--seeds", default="", help=argparse.SUPPRESS)
    parser.add_argument("--max-pages", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    parser.add_argument("--crawl-id", default="", help=argparse.SUPPRESS)
    parser.add_argument("--redis", default="", help=argparse.SUPPRESS)
    parser.add_argument("--redis-key", default="", help=argparse.SUPPRESS)
    parser.add_argument("--db", default="", help=argparse.SUPPRESS)
    parser.add_argument("--origins", type=int, default=10)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument(
        "--sizes", default="2000,10000", help="crawl budgets; targets apply to the last"
    )
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs per crawler")
    parser.add_argument("--quick", action="store_true", help="one 2,000-page round of each")
    parser.add_argument("--no-distributed", action="store_true")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    if args.quick:
        args.sizes, args.repeats = "2000", 1
    sizes = [int(s) for s in args.sizes.split(",")]
    redis_url = os.environ.get("HEEDFUL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    db_url = os.environ.get(
        "HEEDFUL_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    root = Path(tempfile.mkdtemp(prefix="heedful-bench-"))
    root.chmod(0o755)
    ports = build_site(root, args.origins, args.pages)
    nginx = subprocess.Popen([NGINX, "-p", str(root), "-c", str(root / "nginx.conf")])
    started = time.perf_counter()
    print(
        f"site: {args.origins} origins x {args.pages} pages (nginx), concurrency 32, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start",
        flush=True,
    )
    report = Report()
    try:
        time.sleep(0.5)
        bench = Bench(root, ports, nginx)
        measured = {}
        for size in sizes:
            print(f"\n{size} pages:", file=sys.stderr)
            plain, heedful = alternate(
                bench,
                args.repeats,
                ("plain", {"max_pages": size}),
                ("heedful", {"max_pages": size}),
            )
            measured[size] = (plain, heedful)
        for size in sizes:
            compare(report, size, *measured[size], targets=size == sizes[-1])
        if len(sizes) > 1:
            first, last = sizes[0], sizes[-1]
            print(
                f"\nthroughput {first} -> {last} pages (medians): plain "
                f"{median(measured[first][0], 'pps'):.0f} -> {median(measured[last][0], 'pps'):.0f} pages/s, "
                f"heedful {median(measured[first][1], 'pps'):.0f} -> {median(measured[last][1], 'pps'):.0f} pages/s"
            )
        if args.no_distributed:
            print("\ndistributed: skipped (--no-distributed)")
        elif not reachable_redis(redis_url) or not reachable_db(db_url):
            print(f"\ndistributed: skipped (no Redis at {redis_url} or no PostgreSQL at {db_url})")
        else:
            budget = sizes[-1] if args.quick else 0  # 0: the whole site, for both
            print(f"\ndistributed ({budget or 'whole site'}):", file=sys.stderr)
            plain, dist = alternate(
                bench,
                args.repeats,
                ("plain", {"max_pages": budget}),
                ("heedful", {"max_pages": budget, "redis": redis_url, "db": db_url, "workers": 2}),
            )
            ratio = median(dist, "pps") / median(plain, "pps")
            print(
                f"\ndistributed, {'whole site' if not budget else f'{budget} pages per worker'}: two heedful "
                f"workers {median(dist, 'pps'):.0f} pages/s ({median(dist, 'pages'):.0f} pages, "
                f"{median(dist, 'signal_requests'):.1f} signal requests/origin, peak {median(dist, 'hwm_mb'):.0f} MB"
                f" per worker) vs one plain process {median(plain, 'pps'):.0f} pages/s "
                f"({median(plain, 'pages'):.0f} pages, peak {median(plain, 'hwm_mb'):.0f} MB); "
                f"load {median(dist + plain, 'load'):.1f}, others {median(dist + plain, 'others'):.2f} cores"
            )
            spread = [d["pps"] / p["pps"] for p, d in zip(plain, dist, strict=True)]
            report.add(
                "distributed: 2 workers / 1 plain, pages/s",
                f"{ratio:.2f}x",
                "> 1.0",
                ratio > 1.0,
                f"{min(spread):.2f}-{max(spread):.2f}",
            )
            report.add("distributed: robots violations", str(max(r["violations"] for r in dist)), "0", not any(r["violations"] for r in dist))  # fmt: skip
            report.add("distributed: pages fetched twice", str(max(r["refetched_pages"] for r in dist)), "0", not any(r["refetched_pages"] for r in dist))  # fmt: skip
        ok = report.print()
        print(
            f"\nbench time {time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.1f} at end"
        )
        if not ok:
            sys.exit(1)
    finally:
        nginx.terminate()
        nginx.wait(10)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
