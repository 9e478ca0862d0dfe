"""Issue 5 section 5: an audit of an origin with 150 known agents x 5 uses and 20 sampled pages
completes in under 5 s on loopback.

The origin is served on 127.0.0.1 by aiohttp in a background thread: a robots.txt with one group
for each of 150 known AI agents (each disallowing a path, with Content-Usage and Content-Signal
lines), tdmrep.json, ai.txt, an RSL licence, a sitemap of 20 pages and the pages themselves,
each with Content-Usage, Content-Signal, TDMRep and X-Robots-Tag headers and meta robots.
The time covers everything ``heedful audit --sample 20`` does: fetching and the analysis.

Run with ``.venv/bin/python bench/bench_audit.py``; it prints the time and exits non-zero when
the target is missed.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from heedful.client.audit import gather
from heedful.policies.agents import known_agents
from heedful.policies.audit.analysis import audit
from tests.audit.sites import LOCAL, TEXT, Page, page, serve

TARGET_SECONDS = 5.0
AGENTS = 150
PAGES = 20
RUNS = 3


def origin() -> dict[str, Page]:
    tokens = [a.token for a in known_agents()][:AGENTS]
    assert len(tokens) == AGENTS, f"the catalogue has only {len(tokens)} agents"
    groups = "".join(
        f"User-agent: {token}\nDisallow: /private/{i}/\nContent-Usage: train-ai=n, search=y\n"
        "Content-Signal: search=yes, ai-input=no, ai-train=no\n\n"
        for i, token in enumerate(tokens)
    )
    robots = (
        "License: {base}/license.xml\nSitemap: {base}/sitemap.xml\n\n"
        + groups
        + "User-agent: *\nAllow: /\nContent-Usage: train-ai=n, search=y\n"
        "Content-Signal: search=yes, ai-input=no, ai-train=no\n"
    )
    urls = "".join(f"<url><loc>{{base}}/articles/{n}</loc></url>" for n in range(PAGES))
    site = {
        "/robots.txt": Page(body=robots, content_type=TEXT),
        "/.well-known/tdmrep.json": Page(
            body=json.dumps([{"location": "/", "tdm-reservation": 1}]),
            content_type="application/json",
        ),
        "/ai.txt": Page(body="User-Agent: *\nDisallow: *.jpg\nDisallow: /\n", content_type=TEXT),
        "/license.xml": Page(
            content_type="application/rsl+xml",
            body='<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>'
            '<permits type="usage">search</permits><prohibits type="usage">ai-all</prohibits>'
            "</license></content></rsl>",
        ),
        "/sitemap.xml": Page(
            content_type="application/xml",
            body=f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
        ),
    }
    headers = (
        ("Content-Usage", "train-ai=n, search=y"),
        ("Content-Signal", "search=yes, ai-input=no, ai-train=no"),
        ("tdm-reservation", "1"),
        ("X-Robots-Tag", "noai, noimageai"),
    )
    head = '<meta name="robots" content="noai, noimageai">\n'
    for n in range(PAGES):
        site[f"/articles/{n}"] = Page(body=page(f"Article {n}", head=head), headers=headers)
    site["/"] = Page(body=page("Home", head=head), headers=headers)
    return site


async def one_audit(base: str) -> tuple[float, int, int, int]:
    started = time.perf_counter()
    data = await gather(base + "/", sample=PAGES, fetch_timeout=10, hosts=LOCAL)
    report = audit(data)
    elapsed = time.perf_counter() - started
    return elapsed, len(report.matrix.rows), len(data.pages), len(report.findings)


def main() -> int:
    with serve({"bench": origin()}) as urls:
        times = []
        for _ in range(RUNS):
            elapsed, rows, pages, findings = asyncio.run(one_audit(urls["bench"]))
            times.append(elapsed)
    best, worst = min(times), max(times)
    print(
        f"audit: {rows} agents x 5 uses, {pages} pages ({pages - 1} sampled), "
        f"{findings} findings: best {best:.2f} s, worst {worst:.2f} s of {RUNS} runs "
        f"(target < {TARGET_SECONDS:.0f} s)"
    )
    if pages - 1 != PAGES or rows < AGENTS:
        print("the origin was not audited as intended")
        return 1
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
