"""Issue 13 section 4: reading embedded metadata, and crawling with media checks, side by side.

1. Metadata: a folder of ``--images`` generated JPEGs of about 5 MB each (random pixels at
   quality 95, so nothing compresses away; each with an XMP packet holding IPTC
   ``plus:DataMining``) is read by ``exiftool -XMP-plus:DataMining FOLDER`` and by Heedful
   (``heedful.policies.signals.media.read_media`` on every file, the C2PA check included), each as one
   subprocess over the whole folder, start-up included for both, alternately ``--repeats``
   times; the medians are compared. Target: Heedful <= 1.5x exiftool.
2. Crawl: nginx serves ``--pages`` pages, each with ``--images-per-page`` JPEGs (about 40 KB,
   with XMP); the same Heedful crawl runs with ``HEEDFUL_MEDIA`` on and off, alternately; the
   median responses/s (pages and images fetched and decided, kept or refused: media checks
   refuse the images that reserve AI training, which then yield no item) are compared.
   Target: on >= 0.9x off.

Ratios are printed in one table with PASS/FAIL per target; the exit status is 1 when a target
is missed. Run: ``.venv/bin/python bench/bench_media.py`` (about two minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_crawl import NGINX, Report, free_port

EXIFTOOL = "/usr/bin/exiftool"
READ_TARGET = 1.5
CRAWL_TARGET = 0.9
VOCAB = "http://ns.useplus.org/ldf/vocab/"
VALUES = ("DMI-PROHIBITED-AIMLTRAINING", "DMI-ALLOWED", "DMI-PROHIBITED-GENAIMLTRAINING")


def xmp(value: str, n: int) -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<plus:DataMining>{VOCAB}{value}</plus:DataMining>"
        f"<dc:creator><rdf:Seq><rdf:li>Photographer {n}</rdf:li></rdf:Seq></dc:creator>"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def with_xmp(jpeg: bytes, packet: bytes) -> bytes:
    """``jpeg`` with an APP1 XMP segment after SOI (XMP Specification Part 3, JPEG)."""
    body = b"http://ns.adobe.com/xap/1.0/\x00" + packet
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + jpeg[2:]


def noise_jpeg(width: int, height: int) -> bytes:
    from PIL import Image

    picture = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def reader_worker(folder: str) -> None:
    """Heedful's side of part 1: every file read and decided, one line per file."""
    from heedful.policies.signals.media import read_media

    lines = []
    for path in sorted(Path(folder).iterdir()):
        signals = read_media(path.read_bytes(), path.name, source=str(path))
        lines.append(f"{path.name}: {' '.join(s.rule for s in signals.statements)}")
    print(len(lines))


def timed(command: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, done.stdout


def bench_read(root: Path, count: int, repeats: int, report: Report) -> None:
    folder = root / "jpegs"
    folder.mkdir()
    base = noise_jpeg(2400, 1800)
    for n in range(count):
        data = with_xmp(base, xmp(VALUES[n % len(VALUES)], n))
        (folder / f"{n:04d}.jpg").write_bytes(data)
    size = len(base) / 1e6
    print(f"metadata: {count} JPEGs of {size:.1f} MB in {folder}")
    exif_cmd = [EXIFTOOL, "-q", "-XMP-plus:DataMining", str(folder)]
    heedful_cmd = [sys.executable, __file__, "--reader-worker", str(folder)]
    exif_times, heedful_times = [], []
    for _ in range(repeats):
        seconds, out = timed(exif_cmd)
        assert out.count("Data Mining") == count, out[:200]
        exif_times.append(seconds)
        seconds, out = timed(heedful_cmd)
        assert out.strip() == str(count), out
        heedful_times.append(seconds)
    ratio = statistics.median(heedful_times) / statistics.median(exif_times)
    print(
        f"  exiftool {statistics.median(exif_times):.2f} s, heedful "
        f"{statistics.median(heedful_times):.2f} s (medians of {repeats})"
    )
    spread = (
        f"{min(heedful_times) / max(exif_times):.2f}-{max(heedful_times) / min(exif_times):.2f}"
    )
    report.add(
        "read 5 MB JPEGs vs exiftool",
        f"{ratio:.2f}x",
        f"<= {READ_TARGET}",
        ratio <= READ_TARGET,
        spread,
    )


def build_site(root: Path, pages: int, per_page: int) -> int:
    port = free_port()
    docroot = root / "site"
    (docroot / "p").mkdir(parents=True)
    (docroot / "img").mkdir()
    (docroot / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    index = "".join(f'<a href="/p/{m}.html">p{m}</a> ' for m in range(0, pages, 20))
    (docroot / "index.html").write_text(f"<html><body>{index}</body></html>")
    base = noise_jpeg(200, 150)
    for n in range(pages):
        links = "".join(f'<a href="/p/{m}.html">p{m}</a>' for m in range(n + 1, min(n + 6, pages)))
        images = ""
        for k in range(per_page):
            name = f"{n}-{k}.jpg"
            (docroot / "img" / name).write_bytes(with_xmp(base, xmp(VALUES[(n + k) % 3], n)))
            images += f'<img src="/img/{name}">'
        (docroot / "p" / f"{n}.html").write_text(
            f"<html><head><title>p{n}</title></head><body><p>Page {n}.</p>{links}{images}</body></html>"
        )
    conf = f"""
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
    types {{ text/html html; text/plain txt; image/jpeg jpg; }}
    access_log off;
    keepalive_requests 100000;
    server {{ listen 127.0.0.1:{port}; root {docroot}; }}
}}
"""
    (root / "tmp").mkdir()
    (root / "nginx.conf").write_text(conf)
    return port


def crawl_worker(args: argparse.Namespace) -> None:
    """One Heedful crawl in this process; prints pages (items) and crawl seconds."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from heedful.crawler import signals as heedful_signals
    from heedful.crawler.spiders.site import SiteSpider

    process = CrawlerProcess(
        {
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "ERROR"),
            "TELNETCONSOLE_ENABLED": False,
            "CONCURRENT_REQUESTS": 32,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
            "COOKIES_ENABLED": False,
            "RETRY_ENABLED": False,
            "ADDONS": {"heedful.crawler.addon.HeedfulAddon": 0},
            "HEEDFUL_OUT_DIR": args.out,
            "HEEDFUL_MEDIA": args.media == "on",
        }
    )
    crawler = process.create_crawler(SiteSpider)
    first, last = [0.0], [0.0]

    def scraped(**_: Any) -> None:
        last[0] = time.time()
        first[0] = first[0] or last[0]

    crawler.signals.connect(scraped, signal=signals.item_scraped)
    crawler.signals.connect(scraped, signal=heedful_signals.policy_decided)
    process.crawl(crawler, urls=[args.seed], max_pages=0)
    t0 = time.time()
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    # Pages and images fetched and decided, whether kept or refused: a refused image costs the
    # same fetch and decision as a kept one, so items (kept only) would not compare.
    print(
        json.dumps(
            {
                "items": stats.get("item_scraped_count", 0),
                "responses": stats.get("downloader/response_count", 0),
                "seconds": (last[0] or time.time()) - t0,
            }
        )
    )


def bench_crawl(root: Path, pages: int, per_page: int, repeats: int, report: Report) -> None:
    port = build_site(root, pages, per_page)
    nginx = subprocess.Popen([NGINX, "-c", str(root / "nginx.conf"), "-p", str(root)])
    try:
        time.sleep(0.5)
        seed = f"http://127.0.0.1:{port}/"
        rates: dict[str, list[float]] = {"on": [], "off": []}
        items: dict[str, int] = {}
        responses: dict[str, int] = {}
        for n in range(repeats):
            for media in ("off", "on") if n % 2 == 0 else ("on", "off"):
                out = root / f"out-{media}-{n}"
                _, stdout = timed(
                    [sys.executable, __file__, "--crawl-worker", "--media", media,
                     "--seed", seed, "--out", str(out)]
                )  # fmt: skip
                row = json.loads(stdout.strip().splitlines()[-1])
                rates[media].append(row["responses"] / row["seconds"])
                items[media] = row["items"]
                responses[media] = row["responses"]
                shutil.rmtree(out, ignore_errors=True)
        on, off = statistics.median(rates["on"]), statistics.median(rates["off"])
        print(
            f"crawl: {pages} pages x {per_page} images; responses on {responses['on']}, off "
            f"{responses['off']}; kept on {items['on']}, off {items['off']};"
            f" {on:.0f} vs {off:.0f} responses/s (medians of {repeats})"
        )
        ratio = on / off
        spread = (
            f"{min(rates['on']) / max(rates['off']):.2f}-{max(rates['on']) / min(rates['off']):.2f}"
        )
        report.add(
            "crawl pages/s, media on vs off",
            f"{ratio:.2f}x",
            f">= {CRAWL_TARGET}",
            ratio >= CRAWL_TARGET,
            spread,
        )
    finally:
        nginx.terminate()
        nginx.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reader-worker", default="", help=argparse.SUPPRESS)
    parser.add_argument("--crawl-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--media", default="on", help=argparse.SUPPRESS)
    parser.add_argument("--seed", default="", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--images-per-page", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.reader_worker:
        reader_worker(args.reader_worker)
        return
    if args.crawl_worker:
        crawl_worker(args)
        return
    report = Report()
    root = Path(tempfile.mkdtemp(prefix="heedful-bench-media-"))
    root.chmod(0o755)  # nginx workers run as another user
    try:
        bench_read(root, args.images, args.repeats, report)
        bench_crawl(root, args.pages, args.images_per_page, args.repeats, report)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    sys.exit(0 if report.print() else 1)


if __name__ == "__main__":
    main()
