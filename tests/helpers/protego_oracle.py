"""protego as the differential oracle for Heedful's robots.txt matcher.

Heedful and protego select groups differently (RFC 9309 2.2.1 token equality against protego's
substring match) and protego leaves dot segments in the URL, so the oracle isolates what both
should agree on, RFC 9309 sections 2.2.2 and 2.2.3 path matching: it hands protego only the
Allow/Disallow lines of the groups Heedful selects, under ``User-agent: *``, and asks about the
path Heedful normalised (docs/decisions.md, One robots.txt matcher).
"""

from __future__ import annotations

from protego import Protego

from heedful.policies.signals.robots.groups import select_groups
from heedful.policies.signals.robots.lines import Key, scan
from heedful.policies.urlpath import canonical_path

PLACEHOLDER_ORIGIN = "http://robots.invalid"
"""RFC 2606 section 2: a name that is never a real host, so a ``//`` path stays a path."""


def protego_allows(body: str | bytes, agent: str, url: str) -> bool:
    """protego's ``can_fetch`` over the rules Heedful selects for ``agent``."""
    groups = scan(body, kind="robots.txt").groups
    lines = ["User-agent: *"]
    lines.extend(
        f"{line.key.value.capitalize()}: {_escape(line.value)}"
        for group in select_groups(groups, agent).groups
        for line in group.lines
        if line.key in (Key.ALLOW, Key.DISALLOW)
    )
    parser = Protego.parse("\n".join(lines) + "\n")
    return parser.can_fetch(PLACEHOLDER_ORIGIN + canonical_path(url), "*")


def _escape(value: str) -> str:
    """Percent-encode whitespace protego's ``splitlines``/``strip`` would read as a line break or
    trim; both matchers percent-encode such characters anyway, so the meaning is unchanged."""
    return "".join(
        "".join(f"%{b:02X}" for b in ch.encode("utf-8")) if ch.isspace() and ch not in " \t" else ch
        for ch in value
    )
