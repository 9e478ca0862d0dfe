"""Fetch robots.txt and pages as each class of agent, for ``heedful audit --probe-agents``.

The comparing is :mod:`policies.served`'s; this module only fetches, politely: one probe after
another, each waiting the ``Crawl-delay`` robots.txt gives it (at most
:data:`MAX_CRAWL_DELAY`), and all of them together stopping at ``max_requests``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Final
from urllib.parse import urljoin

from heedful.check import as_signal_file
from heedful.fetch import fetch, make_session
from policies.html import MAX_HEAD_BYTES
from policies.origin import page_origin
from policies.robots import parse_robots
from policies.robots_lines import MAX_ROBOTS_BYTES
from policies.served import PROBE_TOKENS, ProbeClass, Served, probe_user_agent
from policies.site import ROBOTS_PATH

INFO_URL: Final = "https://heedful.invalid/probe"
"""Where a probe's User-Agent points: what Heedful's audit probes are."""
MAX_CRAWL_DELAY: Final = 10.0
"""The longest ``Crawl-delay`` a probe waits between its requests."""
DEFAULT_MAX_REQUESTS: Final = 40


async def probe_agents(
    url: str,
    pages: Sequence[str],
    *,
    as_tokens: Sequence[str] = (),
    max_requests: int = DEFAULT_MAX_REQUESTS,
    fetch_timeout: float = 10.0,
    info_url: str = INFO_URL,
) -> list[Served]:
    """What each probe class (and each ``--as`` token) is served at ``url``'s origin.

    Each probe asks for robots.txt, then the ``pages`` its robots.txt lets it fetch (a probe
    obeys the file it was served). Requests beyond ``max_requests`` are not made; the probes
    that would have made them report only what they got.
    """
    robots_url = urljoin(page_origin(url), ROBOTS_PATH)
    probes: list[tuple[str, str, str]] = [
        (str(probe), PROBE_TOKENS[probe], probe_user_agent(probe, info_url)) for probe in ProbeClass
    ]
    probes += [(token, token, probe_user_agent(token, info_url)) for token in as_tokens]
    budget = max_requests
    out: list[Served] = []
    async with make_session(user_agent=probes[0][2]) as session:
        for label, token, user_agent in probes:
            if budget <= 0:
                break
            budget -= 1
            robots = as_signal_file(
                await fetch(
                    session,
                    robots_url,
                    timeout=fetch_timeout,
                    max_bytes=MAX_ROBOTS_BYTES,
                    user_agent=user_agent,
                )
            )
            rules = (
                parse_robots(robots.body, source=robots_url).value if robots.status == 200 else None
            )
            delay = min((rules.crawl_delay(token) if rules else None) or 0.0, MAX_CRAWL_DELAY)
            fetched = []
            for page in pages:
                if budget <= 0:
                    break
                if rules is not None and not rules.access(page, token).allowed:
                    continue
                if robots.status is not None and robots.status >= 500:
                    continue  # RFC 9309 section 2.3.1.4: an unreachable robots.txt keeps it out
                budget -= 1
                if delay:
                    await asyncio.sleep(delay)
                got = await fetch(
                    session,
                    page,
                    timeout=fetch_timeout,
                    max_bytes=MAX_HEAD_BYTES,
                    user_agent=user_agent,
                )
                fetched.append(as_signal_file(got))
            out.append(
                Served(label=label, user_agent=user_agent, robots=robots, pages=tuple(fetched))
            )
    return out
