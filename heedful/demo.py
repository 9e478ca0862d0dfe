"""``make demo``: start the local example sites and show what ``heedful check`` decides.

Everything runs on 127.0.0.1: the sites are :mod:`heedful.demosite`'s fixtures, the checks are
the real command's code path.
"""

from __future__ import annotations

import asyncio

from rich.console import Console
from rich.rule import Rule

from heedful.check import check_urls
from heedful.demosite import serve_sites
from heedful.output import print_decision
from policies.agents import HEEDFUL_TOKEN
from policies.model import Mode, Use

SHOWCASE = (
    ("allow-all", "/articles/1", Use.AI_TRAIN, "a site that allows AI training in every format"),
    ("optout-robots", "/articles/1", Use.AI_TRAIN, "robots.txt shuts the crawler out"),
    (
        "content-usage",
        "/articles/1",
        Use.AI_TRAIN,
        "an aipref Content-Usage header reserves training",
    ),
    ("rsl-paid", "/articles/1", Use.AI_TRAIN, "an RSL licence offers training for a fee"),
    ("robots-5xx", "/articles/1", Use.SEARCH, "robots.txt answers 503: fail closed"),
)


async def run() -> None:
    """Check one URL per showcase site and print each explained decision."""
    console = Console(highlight=False, soft_wrap=True)
    names = sorted({name for name, *_ in SHOWCASE})
    async with serve_sites(names) as urls:
        for name, path, use, story in SHOWCASE:
            console.print(Rule(f"{name}: {story}"))
            (checked,) = await check_urls(
                [urls[name] + path], agents=[HEEDFUL_TOKEN], fetch_timeout=5.0
            )
            print_decision(console, checked.decide(agent=HEEDFUL_TOKEN, use=use, mode=Mode.OPT_OUT))


def main() -> None:
    """Entry point of ``python -m heedful.demo``."""
    asyncio.run(run())


if __name__ == "__main__":
    main()
