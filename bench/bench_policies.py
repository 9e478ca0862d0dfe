"""Issue 2 section 9: the pure core against protego, side by side in one run.

* decide: one URL with every mechanism (robots.txt, Content-Usage, Content-Signal, TDMRep file +
  header + meta, ai.txt, RSL, X-Robots-Tag) with the origin's files already parsed, against
  protego's ``can_fetch`` for the same robots.txt and URL. Target: at most 3x.
* parse: all signal files of an origin (robots.txt, tdmrep.json, ai.txt, RSL) against protego's
  parse of the robots.txt alone. Target: at most 2x.

Run with ``make bench``; it prints the ratios and exits non-zero when a target is missed.
"""

from __future__ import annotations

import json
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

from protego import Protego

from policies.evaluate import evaluate
from policies.model import Use
from policies.site import SignalFile, read_page, read_site

TEST_DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
AGENT = "GPTBot"
TDMREP = b'[{"location": "/open/", "tdm-reservation": 0}, {"location": "/", "tdm-reservation": 1}]'
AI_TXT = b"User-Agent: *\nDisallow: *.jpg\nDisallow: *.png\nAllow: /\n"
RSL = b"""<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>
<permits type="usage">search ai-input</permits><prohibits type="usage">ai-train</prohibits>
<payment type="crawl"><amount currency="USD">0.01</amount></payment></license></content></rsl>"""
HEADERS = (
    ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Usage", "train-ai=n, search=y"),
    ("tdm-reservation", "1"),
    ("X-Robots-Tag", "noai"),
)
HTML = b'<html><head><meta name="robots" content="noimageai"><meta name="tdm-reservation" content="1"></head><body>x</body></html>'


PATHS = [
    f"/{section}/{year}/{n}/article-{n * 7}{suffix}"
    for section in ("news", "search", "api", "wp-admin", "images", "tag")
    for year in (2024, 2025, 2026)
    for n in range(1, 12)
    for suffix in ("", "?page=2", ".jpg")
]
"""Distinct URLs, so neither side profits from a repeated URL (about 600 per file)."""


def corpus_robots() -> list[tuple[str, bytes]]:
    index = json.loads((TEST_DATA / "corpus" / "index.json").read_text())
    return [
        (entry["site_url"], (TEST_DATA / entry["path"]).read_bytes())
        for entry in index["files"]
        if entry["kind"] == "robots.txt"
    ]


def best(fn: Callable[[], object], number: int) -> float:
    """Seconds per call, best of five repeats."""
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def main() -> int:
    files = corpus_robots()
    if not files:
        print("no corpus found at", TEST_DATA)
        return 2
    parse_base = parse_ours = decide_base = decide_ours = 0.0
    for site_url, body in files:
        origin = site_url.rstrip("/")
        text = body.decode("utf-8", "replace")
        urls = [f"{origin}{path}" for path in PATHS]
        url = urls[0]
        license_url = origin + "/license.xml"

        def parse_all(
            origin: str = origin, body: bytes = body, license_url: str = license_url
        ) -> object:
            return read_site(
                origin,
                robots=SignalFile(url=origin + "/robots.txt", status=200, body=body),
                tdmrep=SignalFile(url=origin + "/.well-known/tdmrep.json", status=200, body=TDMREP),
                ai_txt=SignalFile(url=origin + "/ai.txt", status=200, body=AI_TXT),
                licenses={license_url: SignalFile(url=license_url, status=200, body=RSL)},
            )

        site = parse_all()
        page = read_page(SignalFile(url=url, status=200, headers=HEADERS, body=HTML))
        protego = Protego.parse(text)
        parse_base += best(lambda text=text: Protego.parse(text), 20)
        parse_ours += best(parse_all, 20)
        decide_base += best(
            lambda p=protego, us=urls: [p.can_fetch(u, AGENT) for u in us], 20
        ) / len(urls)
        decide_ours += best(
            lambda s=site, p=page, us=urls: [
                evaluate(s, p, url=u, agent=AGENT, use=Use.AI_TRAIN) for u in us
            ],
            20,
        ) / len(urls)
    n = len(files)
    decide_ratio, parse_ratio = decide_ours / decide_base, parse_ours / parse_base
    print(f"corpus robots.txt files: {n}")
    print(
        f"decide one URL   protego can_fetch {decide_base / n * 1e6:8.2f} us   heedful {decide_ours / n * 1e6:8.2f} us"
        f"   ratio {decide_ratio:.2f}x (target <= 3x)"
    )
    print(
        f"parse an origin  protego parse     {parse_base / n * 1e6:8.2f} us   heedful {parse_ours / n * 1e6:8.2f} us"
        f"   ratio {parse_ratio:.2f}x (target <= 2x)"
    )
    return 0 if decide_ratio <= 3 and parse_ratio <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
