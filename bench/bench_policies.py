"""The pure core against protego (Scrapy's robots.txt parser), side by side in one run.

* decide: one URL with every mechanism (robots.txt, Content-Usage, Content-Signal, TDMRep file +
  header + meta, ai.txt, RSL, X-Robots-Tag) with the origin's files read into their
  :class:`~heedful.policies.evaluate.OriginDecider` and the page read and prepared for it,
  against protego's ``can_fetch`` for the same robots.txt and URL, over the corpus
  (tests/data/corpus). Target: at most 2x.
* parse: all signal files of an origin (robots.txt, tdmrep.json, ai.txt, RSL) against protego's
  parse of the robots.txt alone, over the corpus. Target: at most 2x. Then the same files read
  and prepared for one crawler (the decider made) against protego's parse and first
  ``can_fetch``, where protego compiles that crawler's rules. Target: at most 2x.
* large file: a generated 410 KB robots.txt with thousands of wildcard rules
  (:func:`large_robots`, the same bytes every run). Decisions per second (robots.txt only, the
  page not yet fetched), parsing, and parsing plus the first decision (both sides compile a
  crawler's rules on first use), each at least protego's speed.

Run with ``make bench`` or ``.venv/bin/python bench/bench_policies.py`` (about 40 s on a quiet
2-core machine); ``--only large`` or ``--only corpus`` runs one half. It prints the ratios and
exits 1 when a target is missed. ``PYTHONPATH=<other checkout>`` measures another revision of
``policies`` with the same workload, for before/after comparisons in one sitting.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

from protego import Protego

from heedful.policies.evaluate import OriginDecider
from heedful.policies.model import Use
from heedful.policies.signals.read import SignalFile, SiteSignals, read_page, read_site
from heedful.policies.signals.robots.document import parse_robots

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

LARGE_BYTES = 410 * 1024
_WORDS = ("news", "shop", "cart", "search", "tag", "user", "print", "amp", "feed", "api",
          "img", "blog", "page", "sort", "filter", "ref", "lang", "session", "products",
          "category")  # fmt: skip


def large_robots(size: int = LARGE_BYTES) -> str:
    """A robots.txt of ``size`` bytes: one ``*`` group, two in three rules with wildcards.

    The shapes are those of large real files: query-parameter blocks (``/*?sort_tag123=``),
    anchored suffixes (``/*/print-x12/amp$``), wildcard paths under sections, plain prefixes and
    Allow exceptions. Seeded, so every run measures the same bytes.
    """
    rnd = random.Random(9309)

    def word() -> str:
        return rnd.choice(_WORDS)

    lines = ["User-agent: *"]
    total = len(lines[0]) + 1
    count = 0
    while total < size:
        n = rnd.randrange(100_000)
        shape = count % 6
        if shape == 0:
            rule = f"Disallow: /*?{word()}_{word()}{n}="
        elif shape == 1:
            rule = f"Disallow: /{word()}/{word()}/*/{word()}-{word()}-{n}*.html$"
        elif shape == 2:
            rule = f"Allow: /{word()}/{word()}/{word()}-{n}/{word()}/"
        elif shape == 3:
            rule = f"Disallow: /*/{word()}-{word()}{n}/{word()}$"
        elif shape == 4:
            rule = f"Disallow: /{word()}/{word()}/{word()}/{n}/{word()}"
        else:
            rule = f"Allow: /{word()}/{word()}/*{word()}{n}*{word()}/{word()}"
        rule += "  # " + "x" * rnd.randrange(10, 40)
        lines.append(rule)
        total += len(rule) + 1
        count += 1
    return "\n".join(lines) + "\n"


def large_urls(count: int = 300) -> list[str]:
    """URLs under the large file's sections, some with query strings, seeded like the file."""
    rnd = random.Random(2222)
    out = []
    for i in range(count):
        a, b, c = rnd.choice(_WORDS), rnd.choice(_WORDS), rnd.choice(_WORDS)
        query = f"?{rnd.choice(_WORDS)}_{rnd.choice(_WORDS)}{rnd.randrange(100)}=1" if i % 3 else ""
        out.append(
            f"https://large.example/{a}/{b}/{c}-{rnd.randrange(100_000)}/{rnd.choice(_WORDS)}"
            f"-{rnd.randrange(1000)}.html{query}"
        )
    return out


def corpus_robots() -> list[tuple[str, bytes]]:
    index = json.loads((TEST_DATA / "corpus" / "index.json").read_text())
    return [
        (entry["site_url"], (TEST_DATA / entry["path"]).read_bytes())
        for entry in index["files"]
        if entry["kind"] == "robots.txt"
    ]


def best(fn: Callable[[], object], number: int, repeat: int = 3) -> float:
    """Seconds per call, best of ``repeat`` repeats."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def read_origin(origin: str, body: bytes, *, lint: bool = False) -> SiteSignals:
    """Read an origin's files: the benchmark's robots.txt, tdmrep.json, ai.txt and RSL.

    As the crawler reads them (``lint=False``: no diagnostics for the file's author); ``heedful
    check`` and ``audit`` read them with ``lint=True``, shown on its own row."""
    license_url = origin + "/license.xml"
    return read_site(
        origin,
        robots=SignalFile(url=origin + "/robots.txt", status=200, body=body),
        tdmrep=SignalFile(url=origin + "/.well-known/tdmrep.json", status=200, body=TDMREP),
        ai_txt=SignalFile(url=origin + "/ai.txt", status=200, body=AI_TXT),
        licenses={license_url: SignalFile(url=license_url, status=200, body=RSL)},
        lint=lint,
    )


def prepare_origin(origin: str, body: bytes) -> OriginDecider:
    """Read an origin's files and prepare them for the benchmark's crawler and use."""
    return OriginDecider(read_origin(origin, body), agent=AGENT, use=Use.AI_TRAIN)


def corpus() -> list[tuple[str, float, float, str]]:
    """``(name, ours, protego, target)`` rows for the corpus: seconds per decision and parse."""
    files = corpus_robots()
    parse_base = parse_ours = lint_ours = decide_base = decide_ours = first_base = first_ours = 0.0
    for site_url, body in files:
        origin = site_url.rstrip("/")
        text = body.decode("utf-8", "replace")
        urls = [f"{origin}{path}" for path in PATHS]
        decider = prepare_origin(origin, body)
        page = decider.prepare_page(
            read_page(SignalFile(url=urls[0], status=200, headers=HEADERS, body=HTML))
        )
        protego = Protego.parse(text)
        parse_base += best(lambda text=text: Protego.parse(text), 5)
        parse_ours += best(lambda origin=origin, body=body: read_origin(origin, body), 5)
        lint_ours += best(lambda o=origin, b=body: read_origin(o, b, lint=True), 5)
        first_base += best(lambda t=text, u=urls[0]: Protego.parse(t).can_fetch(u, AGENT), 5)
        first_ours += best(lambda origin=origin, body=body: prepare_origin(origin, body), 5)
        decide_base += best(lambda p=protego, us=urls: [p.can_fetch(u, AGENT) for u in us], 1)
        decide_ours += best(lambda d=decider, p=page, us=urls: [d.decide(u, p) for u in us], 1)
    n, per_url = len(files), len(PATHS)
    print(f"corpus: {n} robots.txt files, {per_url} distinct URLs each")
    return [
        ("decide one URL, every mechanism", decide_ours / n / per_url, decide_base / n / per_url,
         "<= 2x"),
        ("parse an origin's files", parse_ours / n, parse_base / n, "<= 2x"),
        ("... and lint them (check, audit)", lint_ours / n, parse_base / n, "info"),
        ("parse + prepare for a crawler", first_ours / n, first_base / n, "<= 2x"),
    ]  # fmt: skip


def large() -> list[tuple[str, float, float, str]]:
    """Rows for the large file: seconds per decision and per parse."""
    text = large_robots()
    body = text.encode()
    urls = large_urls()
    origin = "https://large.example"
    site = read_site(origin, robots=SignalFile(url=origin + "/robots.txt", status=200, body=body))
    protego = Protego.parse(text)
    wildcards = sum("*" in line for line in text.splitlines()[1:])
    print(f"large file: {len(body)} bytes, {text.count(chr(10)) - 1} rules, {wildcards} with *")
    decide_base = best(lambda: [protego.can_fetch(u, AGENT) for u in urls], 1) / len(urls)
    decider = OriginDecider(site, agent=AGENT, use=Use.AI_TRAIN)
    decide_ours = best(lambda: [decider.decide(u) for u in urls], 1) / len(urls)
    parse_base = best(lambda: Protego.parse(text), 1)
    parse_ours = best(lambda: parse_robots(body), 1)
    # Both sides compile a crawler's rules the first time it asks: parse + one decision shows it.
    first_base = best(lambda: Protego.parse(text).can_fetch(urls[0], AGENT), 1)
    first_ours = best(lambda: parse_robots(body).value.access(urls[0], AGENT), 1)
    return [
        ("decide one URL, 410 KB robots.txt", decide_ours, decide_base, "<= 1x"),
        ("parse the 410 KB robots.txt", parse_ours, parse_base, "<= 1x"),
        ("parse + first decision, 410 KB", first_ours, first_base, "<= 1x"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", choices=("corpus", "large"))
    args = parser.parse_args(argv)
    if not corpus_robots():
        print("no corpus found at", TEST_DATA)
        return 2
    rows: list[tuple[str, float, float, str]] = []
    if args.only in (None, "corpus"):
        rows.extend(corpus())
    if args.only in (None, "large"):
        rows.extend(large())
    failed = False
    print(f"{'':34} {'protego':>12} {'heedful':>12} {'ratio':>7}  target   result")
    for name, ours, base, target in rows:
        ratio = ours / base
        if target == "info":
            result = ""
        else:
            passed = ratio <= float(target.removeprefix("<= ").removesuffix("x"))
            failed = failed or not passed
            result = "PASS" if passed else "FAIL"
        print(
            f"{name:34} {base * 1e6:10.1f}us {ours * 1e6:10.1f}us {ratio:6.2f}x  {target:7}"
            f"  {result}"
        )
    print("ratio = heedful time / protego time; below 1x heedful is faster")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
