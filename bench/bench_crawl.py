"""Issue 4 section 6: Heedful's compliant crawl against plain Scrapy, side by side in one run.

A static site of ``--origins`` origins x ``--pages`` pages is generated in a temporary directory
and served by nginx (one server block per port on 127.0.0.1). Each crawl runs in its own
subprocess, which reports its pages, wall time, CPU time (``getrusage(RUSAGE_SELF)``) and peak
memory (``VmHWM``); requests are counted from nginx's access logs.

* plain: Scrapy with ``ROBOTSTXT_OBEY = True`` and the same spider and concurrency.
* heedful: the add-on with ledger (SQLite), WARC and attribution on.
* distributed: two Heedful workers through scrapy-redis against one plain Scrapy process.

Targets: pages/s >= 0.85x plain, CPU per page <= 1.15x, peak memory <= 1.5x, one extra
request per signal file per origin, two workers faster than one plain process, 0 violations.
Run: ``.venv/bin/python bench/bench_crawl.py`` (about two to four minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
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


def worker(args: argparse.Namespace) -> None:
    """One crawl in this process; prints a JSON line with its measurements."""
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.site import SiteSpider

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
                "ADDONS": {"crawler.addon.HeedfulAddon": 0},
                "HEEDFUL_OUT_DIR": args.out,
                "HEEDFUL_CRAWL_ID": args.crawl_id,
            }
        )
    if args.redis:
        from crawler.distributed import redis_settings

        settings.update(redis_settings(args.redis, args.redis_key, idle_seconds=1.0))
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SiteSpider)
    process.crawl(crawler, urls=args.seeds.split(","), max_pages=args.max_pages)
    start, t0 = time.perf_counter(), time.time()
    process.start()
    elapsed, t1 = time.perf_counter() - start, time.time()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    hwm = 0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1])
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(
        json.dumps(
            {
                "pages": stats.get("item_scraped_count", 0),
                "elapsed": elapsed,
                "cpu": usage.ru_utime + usage.ru_stime,
                "hwm_kb": hwm,
                "t0": t0,
                "t1": t1,
            }
        )
    )


def run(
    kind: str,
    seeds: list[str],
    max_pages: int,
    out: Path,
    *,
    redis: str = "",
    key: str = "",
    crawl_id: str = "",
    workers: int = 1,
) -> dict[str, Any]:
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        "--kind",
        kind,
        "--seeds",
        ",".join(seeds),
        "--max-pages",
        str(max_pages),
        "--out",
        str(out),
        "--crawl-id",
        crawl_id or uuid.uuid4().hex,
    ]
    if redis:
        cmd += ["--redis", redis, "--redis-key", key]
    start = time.perf_counter()
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
    wall = time.perf_counter() - start
    pages = sum(r["pages"] for r in results)
    return {
        "pages": pages,
        # Crawling time, from the first worker's start to the last one's end (imports excluded).
        "elapsed": max(r["t1"] for r in results) - min(r["t0"] for r in results),
        "wall": wall,
        "cpu": sum(r["cpu"] for r in results),
        "hwm_kb": max(r["hwm_kb"] for r in results),
    }


def measure(root: Path, ports: list[int], kind: str, max_pages: int, **kw: Any) -> dict[str, Any]:
    log = root / "access.log"
    log.write_text("")
    subprocess.run(["kill", "-USR1", (root / "nginx.pid").read_text().strip()], check=True)
    time.sleep(0.2)
    seeds = [f"http://127.0.0.1:{p}/" for p in ports]
    out = root / f"out-{kind}-{max_pages}-{uuid.uuid4().hex[:6]}"
    result = run(kind, seeds, max_pages, out, **kw)
    time.sleep(0.3)
    logged = access_counts(root)
    per_origin = Counter(
        port for port, _, uri in logged if not uri.startswith("/p/") and uri != "/"
    )
    result["violations"] = sum(1 for _, _, uri in logged if uri.startswith("/deny/"))
    result["extra_per_origin"] = (sum(per_origin.values()) - result["violations"]) / len(ports)
    result["pps"] = result["pages"] / result["elapsed"]
    result["cpu_per_page_ms"] = 1000 * result["cpu"] / max(result["pages"], 1)
    shutil.rmtree(out, ignore_errors=True)
    return result


def redis_available(url: str) -> bool:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.ping()
        client.close()
        return True
    except Exception:  # noqa: BLE001
        return False


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="plain")
    parser.add_argument("--seeds", default="")
    parser.add_argument("--max-pages", type=int, default=0)
    parser.add_argument("--out", default="")
    parser.add_argument("--crawl-id", default="")
    parser.add_argument("--redis", default="")
    parser.add_argument("--redis-key", default="")
    parser.add_argument("--origins", type=int, default=10)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--sizes", default="2000,10000")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    redis_url = os.environ.get("HEEDFUL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    root = Path(tempfile.mkdtemp(prefix="heedful-bench-"))
    root.chmod(0o755)
    ports = build_site(root, args.origins, args.pages)
    nginx = subprocess.Popen([NGINX, "-p", str(root), "-c", str(root / "nginx.conf")])
    try:
        time.sleep(0.5)
        rows = []
        failures = []
        for size in (int(s) for s in args.sizes.split(",")):
            plain = measure(root, ports, "plain", size)
            heedful = measure(root, ports, "heedful", size)
            rows.append((size, plain, heedful))
        print(f"\nsite: {args.origins} origins x {args.pages} pages (nginx), concurrency 32\n")
        head = f"{'pages':>6} {'crawler':<10} {'pages/s':>8} {'cpu ms/p':>9} {'peak MB':>8} {'extra/origin':>12} {'violations':>10}"
        print(head)
        for size, plain, heedful in rows:
            for name, r in (("plain", plain), ("heedful", heedful)):
                print(
                    f"{size:>6} {name:<10} {r['pps']:>8.0f} {r['cpu_per_page_ms']:>9.2f} "
                    f"{r['hwm_kb'] / 1024:>8.0f} {r['extra_per_origin']:>12.1f} {r['violations']:>10}"
                )
        print("\nratios heedful/plain (targets: pages/s >= 0.85, cpu/page <= 1.15, memory <= 1.5)")
        for size, plain, heedful in rows:
            pps = heedful["pps"] / plain["pps"]
            cpu = heedful["cpu_per_page_ms"] / plain["cpu_per_page_ms"]
            mem = heedful["hwm_kb"] / plain["hwm_kb"]
            print(f"{size:>6}: pages/s {pps:.2f}x  cpu/page {cpu:.2f}x  memory {mem:.2f}x")
            if pps < 0.85 or cpu > 1.15 or mem > 1.5 or heedful["violations"]:
                failures.append(size)
        if len(rows) > 1:
            first, last = rows[0], rows[-1]
            print(
                f"\nthroughput {first[0]} -> {last[0]} pages: plain {first[1]['pps']:.0f} -> {last[1]['pps']:.0f}"
                f" pages/s, heedful {first[2]['pps']:.0f} -> {last[2]['pps']:.0f} pages/s"
            )
        if redis_available(redis_url):
            size = max(int(s) for s in args.sizes.split(","))
            key = f"heedful-bench-{uuid.uuid4().hex}"
            plain = measure(root, ports, "plain", size)
            dist = measure(
                root,
                ports,
                "heedful",
                size // 2,
                redis=redis_url,
                key=key,
                crawl_id=uuid.uuid4().hex,
                workers=2,
            )
            from crawler.distributed import clear

            clear(redis_url, key)
            print(
                f"\ndistributed ({size} pages): two heedful workers {dist['pps']:.0f} pages/s "
                f"({dist['violations']} violations, {dist['extra_per_origin']:.1f} extra requests/origin)"
                f" vs one plain process {plain['pps']:.0f} pages/s ({plain['violations']} violations):"
                f" {dist['pps'] / plain['pps']:.2f}x"
            )
            if dist["pps"] <= plain["pps"] or dist["violations"]:
                failures.append("distributed")
        else:
            print(f"\ndistributed: skipped (no Redis at {redis_url})")
        if failures:
            print(f"\nmissed targets: {failures}")
            sys.exit(1)
    finally:
        nginx.terminate()
        nginx.wait(10)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
