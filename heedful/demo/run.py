"""``make demo``: the whole job end to end, on 127.0.0.1 only.

1. ``heedful serve`` publishes four example sites, each from its policy in ``examples/``
   (a news publisher, a photographer, an open-data portal, a photo agency that sells licences)
   in every machine-readable format; the agency's server is also its RSL licence server.
2. ``heedful check`` shows what each site tells an AI-training crawler about a few URLs.
3. ``heedful crawl`` collects the sites for AI training, honouring every signal.
4. The ledger says what was kept, what was refused and why; the HTML transparency report and
   the EU training-content summary are written from it.
5. A second crawl licenses the agency's photos as AI input within a small budget: it buys what
   the budget covers, refuses the rest, and the agency's statement shows what is owed to whom.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from heedful.cli.output import print_decision
from heedful.client.check import check_urls
from heedful.crawler.transparency.reports import write_reports
from heedful.policies.agents import HEEDFUL_TOKEN
from heedful.policies.model import Mode, Use

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
"""The example policies and sites, shipped in the wheel so an installed Heedful runs the demo
(the repository's ``examples/`` links here)."""
OUT = Path(os.environ.get("HEEDFUL_DEMO_OUT", "demo-out")).resolve()
"""Where the demo writes its databases, crawl and reports (``demo-out/`` in the working
directory unless overridden)."""
START_SECONDS = 60.0

SITES = {
    "news-publisher": (
        "/",
        "/news/budget.html",
        "/archive/1999/eclipse.html",
        "/press/launch.html",
        "/account/login.html",
        "/images/front.jpg",
    ),
    "photographer": ("/", "/blog/shoot-notes.html", "/gallery/sunrise.jpg", "/clients/proofs.html"),
    "open-data": (
        "/",
        "/datasets/transit/index.html",
        "/datasets/budget.html",
        "/staff/directory.html",
        "/internal/notes.html",
    ),
    "licensed-photos": ("/", "/press/new-photographers.html"),
}
"""Each example site and the pages the crawl starts from (a denied page links to nothing)."""
CHECKS = (
    ("news-publisher", "/news/budget.html"),
    ("news-publisher", "/press/launch.html"),
    ("photographer", "/gallery/sunrise.jpg"),
    ("open-data", "/datasets/transit/index.html"),
    ("licensed-photos", "/photos/harbour.html"),
)
LICENSED = "licensed-photos"
PHOTOS = tuple(
    f"/photos/{name}.html" for name in ("harbour", "market", "glacier", "festival", "orchard")
)
"""The agency's photo pages: AI input is sold per fetch there, the rest of its site denies it."""
LICENCE_BUDGET = "USD 0.03"
"""Enough for three of the agency's per-fetch AI-input licences (USD 0.01 each), not for all."""


@contextmanager
def serve(name: str) -> Iterator[str]:
    """``heedful serve`` for one example site; yields the URL it printed first."""
    command = [
        sys.executable, "-m", "heedful", "serve",
        "--policy", str(EXAMPLES / f"{name}.toml"),
        "--static", str(EXAMPLES / "sites" / name),
        "--db", f"sqlite:///{OUT / f'{name}.db'}",
        "--port", "0", "--no-access-log",
    ]  # fmt: skip
    # Our own command line with fixed arguments, not untrusted input.
    with subprocess.Popen(  # noqa: S603
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as proc:
        stdout = proc.stdout
        assert stdout is not None
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_SECONDS)
        try:
            if not lines or not lines[0].startswith("http"):
                raise RuntimeError(f"heedful serve for {name} did not start")
            yield lines[0].strip().rstrip("/")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


async def show_checks(console: Console, urls: dict[str, str]) -> None:
    """What each site tells an AI-training crawler, with every reason."""
    for name, path in CHECKS:
        console.print(Rule(f"heedful check: {name}{path}"))
        (checked,) = await check_urls(
            [urls[name] + path], agents=[HEEDFUL_TOKEN], fetch_timeout=5.0
        )
        print_decision(
            console, checked.decide(agent=HEEDFUL_TOKEN, use=Use.AI_TRAIN, mode=Mode.OPT_OUT)
        )


def crawl(console: Console, urls: dict[str, str]) -> Path:
    """Run ``heedful crawl`` over every site for AI training; returns its output folder."""
    out = OUT / "crawl"
    seeds = [urls[name] + path for name, paths in SITES.items() for path in paths]
    console.print(Rule("heedful crawl --use ai-train --mode opt-out"))
    command = [sys.executable, "-m", "heedful", "crawl", *seeds, "--use", "ai-train",
               "--mode", "opt-out", "--out", str(out), "--max-pages", "200", "--no-progress"]  # fmt: skip
    subprocess.run(command, check=True, timeout=600)  # noqa: S603
    return out


def register_licensee(name: str) -> tuple[str, str]:
    """Register the demo crawler as a licensee of the agency's licence server (the site owner's
    ``heedful licence-client add``); returns its client id and secret."""
    made = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "heedful", "licence-client", "add", "demo-crawler",
         "--db", f"sqlite:///{OUT / f'{name}.db'}", "--json"],
        check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    client = json.loads(made.stdout)
    return str(client["client_id"]), str(client["client_secret"])


def licensed_crawl(console: Console, base: str, client: tuple[str, str]) -> Path:
    """Crawl the agency's site as AI input, buying licences within :data:`LICENCE_BUDGET`."""
    out = OUT / "licensed-crawl"
    console.print(Rule(f'heedful crawl --use ai-input --licence-budget "{LICENCE_BUDGET}"'))
    client_id, secret = client
    command = [sys.executable, "-m", "heedful", "crawl", *(base + path for path in PHOTOS), "--use", "ai-input",
               "--mode", "consent", "--out", str(out), "--max-pages", "50", "--no-progress",
               "--licence-budget", LICENCE_BUDGET, "--client-id", client_id]  # fmt: skip
    # The secret goes by environment, not on a command line other users can read.
    env = {**os.environ, "HEEDFUL_LICENCE_CLIENT_SECRET": secret}
    subprocess.run(command, check=True, timeout=600, env=env)  # noqa: S603
    return out


def show_statement(console: Console, name: str) -> None:
    """What the licence server recorded: licences issued and charges, per licensee and creator."""
    console.print(Rule(f"heedful statement: what {name} is owed"))
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "heedful", "statement", "--db", f"sqlite:///{OUT / f'{name}.db'}"],
        check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    console.print(done.stdout, markup=False, highlight=False)


def show_ledger(console: Console, out: Path, urls: dict[str, str]) -> None:
    """Every URL the crawler considered: kept or refused, and the reason that decided."""
    export = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "heedful", "ledger", str(out), "--format", "jsonl"],
        check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    rows = [json.loads(line) for line in export.stdout.splitlines() if line.strip()]
    names = {base: name for name, base in urls.items()}
    table = Table(title="What the crawler kept and refused, and why", header_style="bold")
    for column in ("site", "path", "status", "verdict", "deciding reason"):
        table.add_column(column, overflow="fold")
    for row in rows:
        base = next((b for b in names if row["url"].startswith(b)), "")
        reasons = row.get("reasons") or []
        # A refused access explains itself; otherwise the first statement about the use does.
        preferred = [r for r in reasons if r["effect"] == "access deny"]
        preferred += [
            r for r in reasons if r["effect"] in (row["verdict"], f"default {row['verdict']}")
        ]
        deciding = (preferred or reasons or [{}])[0]
        rule = " ".join(str(deciding.get("rule", "")).split())
        rule = rule if len(rule) <= 70 else rule[:69] + "…"
        why = f"{deciding.get('effect', '')} by {deciding.get('signal', '')} {deciding.get('location', '')}: {rule}"
        licence = row.get("licensing") or {}
        if row["status"] == "kept" and licence.get("charged"):
            why = (f"licensed: {licence['usage']} from {licence.get('rightsholder', '?')} under offer "
                   f"{licence.get('offer', '?')}, token {licence['token_id']}, charged {licence['charged']}")  # fmt: skip
        elif row["status"] == "refused" and row["verdict"] == "license" and row.get("error"):
            why = f"not licensed: {row['error']}"
        style = {"kept": "green", "refused": "red"}.get(row["status"], "yellow")
        table.add_row(names.get(base, "?"), row["url"][len(base):] or "/",
                      f"[{style}]{row['status']}[/]", row["verdict"], why)  # fmt: skip
    console.print(table)
    counts = Counter(row["status"] for row in rows)
    console.print(f"kept {counts['kept']}, refused {counts['refused']}, failed {counts['failed']}")


def main() -> None:
    """Entry point of ``python -m heedful.demo``."""
    # Wide enough for the ledger table when the output is a log rather than a terminal.
    width = shutil.get_terminal_size((140, 24)).columns
    console = Console(highlight=False, soft_wrap=True, width=width)
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    client = register_licensee(LICENSED)
    with ExitStack() as stack:
        urls = {name: stack.enter_context(serve(name)) for name in SITES}
        for name, url in urls.items():
            console.print(f"[bold]{name}[/bold] published by heedful serve at {url}")
        asyncio.run(show_checks(console, urls))
        out = crawl(console, urls)
        show_ledger(console, out, urls)
        paths = write_reports(out)
        licensed = licensed_crawl(console, urls[LICENSED], client)
        show_ledger(console, licensed, urls)
        show_statement(console, LICENSED)
        licensed_paths = write_reports(licensed)
    console.print(Rule("reports"))
    for fmt, path in [*paths.items(), *licensed_paths.items()]:
        console.print(f"{fmt:16s} {path}")


if __name__ == "__main__":
    main()
