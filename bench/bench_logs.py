"""Issue 12 section 4: ``heedful logs`` reads a generated access log at >= 50 MB/s.

The log is combined format (nginx's default), generated deterministically: about 85 % browser
traffic and 15 % from known crawlers (GPTBot, ClaudeBot, Googlebot, Bytespider...), IPv4 and
IPv6 clients, paths of which a share the policy denies, and a few hostile lines (truncated,
invalid UTF-8, an 80 KB user agent). The issue's target is a 1 GB log; the default here is
200 MB so the benchmark runs in reasonable time (``--mb 1024`` for the full size; the rate is
what is compared).

In one run (each the best of three), over the same file (read once beforehand so all three see a warm page cache):

* ``wc -l``: the floor for reading lines at all;
* a plain Python loop, ``for line in open(path, "rb"): n += 1``;
* :func:`heedful.cli.logs.read_log` with ``examples/news-publisher.toml`` (everything
  ``heedful logs`` does except printing the report).

Run with ``.venv/bin/python bench/bench_logs.py [--mb N] [--keep PATH]``; it prints MB/s and the
ratios and exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from heedful.cli.logs import read_log
from heedful.policies.identity import IpRanges
from heedful.policies.logs import LogAnalyzer
from heedful.policies.sitepolicy import load_site_policy

TARGET_MB_S = 50.0
ROOT = Path(__file__).resolve().parents[1]

BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
]
CRAWLERS = [
    (
        "192.0.2.{n}",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
    ),
    (
        "10.20.{m}.{n}",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)",
    ),
    ("192.0.2.{g}", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
    ("2001:db8:cc::{n:x}", "CCBot/2.0 (https://commoncrawl.org/faq/)"),
    (
        "10.9.{m}.{n}",
        "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
    ),
    (
        "198.51.100.{p}",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)",
    ),
]
SECTIONS = ["news", "archive", "press", "account", "sport", "culture", "static/img"]


def generate(path: Path, megabytes: int) -> int:
    """Write a log of about ``megabytes`` MB; returns the number of lines."""
    rng = random.Random(12)
    target = megabytes * 1_000_000
    written = lines = 0
    day = 1
    with path.open("wb") as out:
        while written < target:
            block = []
            for second in range(86_400 // 4, 86_400, 3):
                hh, rest = divmod(second, 3600)
                stamp = f"{day:02d}/Nov/2026:{hh:02d}:{rest // 60:02d}:{rest % 60:02d} +0100"
                r = rng.random()
                section = rng.choice(SECTIONS)
                path_ = f"/{section}/{rng.randrange(50_000)}"
                if r < 0.15:
                    ip, agent = rng.choice(CRAWLERS)
                    ip = ip.format(
                        n=rng.randrange(1, 15),
                        m=rng.randrange(256),
                        g=rng.randrange(65, 94),
                        p=rng.randrange(1, 15),
                    )
                    if rng.random() < 0.02:
                        path_ = "/robots.txt"
                else:
                    ip = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
                    if rng.random() < 0.1:
                        ip = f"2001:db8:{rng.randrange(65536):x}::{rng.randrange(65536):x}"
                    agent = rng.choice(BROWSERS)
                status = rng.choice((200, 200, 200, 200, 304, 404, 301))
                size = rng.randrange(200, 90_000)
                referer = "-" if rng.random() < 0.5 else f"https://news.example/{section}/"
                block.append(
                    f'{ip} - - [{stamp}] "GET {path_} HTTP/1.1" {status} {size} "{referer}" "{agent}"\n'.encode()
                )
                if rng.random() < 0.0005:
                    block.append(
                        rng.choice(
                            (
                                b'10.0.0.1 - - [01/Nov/2026:00:00:01 +0100] "GET /x HTT\n',
                                b'10.0.0.1 - - [01/Nov/2026:00:00:01 +0100] "GET /\xff\xfe HTTP/1.1" 200 1 "-" "x"\n',
                                b'10.0.0.1 - - [01/Nov/2026:00:00:01 +0100] "GET / HTTP/1.1" 200 1 "-" "'
                                + b"A" * 80_000
                                + b'"\n',
                            )
                        )
                    )
            data = b"".join(block)
            out.write(data)
            written += len(data)
            lines += len(block)
            day = day % 28 + 1
    return lines


RUNS = 3


def timed(fn) -> tuple[float, object]:
    """The best of :data:`RUNS` runs: the machine is shared, and the best run is the least disturbed."""
    best, result = float("inf"), None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--mb", type=int, default=200, help="log size in MB (the issue's target: 1024)"
    )
    parser.add_argument("--keep", type=Path, help="write the log here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = args.keep or Path(tmp) / "access.log"
        lines = generate(log, args.mb)
        size_mb = log.stat().st_size / 1_000_000
        subprocess.run(["cat", str(log)], stdout=subprocess.DEVNULL, check=True)  # warm the cache

        wc_s, _ = timed(
            lambda: subprocess.run(["wc", "-l", str(log)], capture_output=True, check=True)
        )

        def plain() -> int:
            n = 0
            with log.open("rb") as f:
                for _ in f:
                    n += 1
            return n

        loop_s, _ = timed(plain)
        policy = load_site_policy((ROOT / "examples" / "news-publisher.toml").read_bytes())

        def ours() -> LogAnalyzer:
            analyzer = LogAnalyzer(policy=policy, ranges=IpRanges.bundled())
            with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
                read_log(log, analyzer, spool)
            return analyzer

        ours_s, analyzer = timed(ours)
    rate = size_mb / ours_s
    print(
        f"log: {size_mb:.0f} MB, {lines} lines; {analyzer.summary.crawler_requests} crawler requests, "
        f"{analyzer.summary.violations} violations, {sum(analyzer.summary.unreadable.values())} unreadable"
    )
    print(f"wc -l          {wc_s:7.2f} s  {size_mb / wc_s:8.0f} MB/s")
    print(f"python loop    {loop_s:7.2f} s  {size_mb / loop_s:8.0f} MB/s")
    print(f"heedful logs   {ours_s:7.2f} s  {rate:8.1f} MB/s  (target >= {TARGET_MB_S:.0f} MB/s)")
    print(f"ratio to wc -l: {ours_s / wc_s:.1f}x; ratio to the python loop: {ours_s / loop_s:.1f}x")
    return 0 if rate >= TARGET_MB_S else 1


if __name__ == "__main__":
    sys.exit(main())
