"""Writing robots.txt from a policy (RFC 9309 section 2.2; draft-ietf-aipref-attach-05 section 3;
Cloudflare's Content Signals Policy; RSL 1.0 section 4; RFC 9309 section 2.2.1).

The output is what :func:`heedful.policies.signals.robots.document.parse_robots` reads back identically: LF line ends, no
BOM, only valid product tokens, every group closed by at least one Allow/Disallow line so that the
next group's ``User-agent`` lines cannot merge into it (RFC 9309 2.1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final

from heedful.policies.signals.robots.product_names import is_product_name

_UNSAFE: Final = re.compile(r"[\x00-\x20#\x7f]")
"""Characters that would end, cut or split a rule value: whitespace, controls and ``#``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class RobotsGroupSpec:
    """One group to write: its agents, rules and group-scoped extension lines."""

    agents: tuple[str, ...]
    allow: tuple[str, ...] = ()
    disallow: tuple[str, ...] = ()
    content_usage: tuple[tuple[str, str], ...] = ()
    """``(path or "", value)`` pairs; an empty path means the rule covers every path."""
    content_signal: str = ""
    crawl_delay: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class RobotsSpec:
    """A whole robots.txt: groups, site-wide ``License``/``Sitemap`` lines and a header comment."""

    groups: tuple[RobotsGroupSpec, ...]
    licenses: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    comment: str = ""
    """Rendered as ``# `` lines at the top (the Content Signals policy text goes here)."""


def product_token(agent: str) -> str:
    """What a ``User-agent`` line for ``agent`` says: ``*``, or the agent's product name.

    ``iaskspider/2.0`` is written ``iaskspider``; ``AI2Bot`` is written whole, so that it binds
    ``AI2Bot`` and no crawler named ``AI`` (:mod:`heedful.policies.signals.robots.product_names`). A name with a space
    (``ChatGPT Agent``) gives ``""``: a reader would take its first word for another crawler's
    name, so the agent cannot be written.
    """
    agent = agent.strip()
    if agent == "*":
        return "*"
    name = agent.split("/", 1)[0]
    return name if is_product_name(name) else ""


def merge_groups(groups: tuple[RobotsGroupSpec, ...]) -> tuple[RobotsGroupSpec, ...]:
    """Groups with the same lines written once, naming every agent of them, in first-seen order.

    A crawler obeys the union of every group that names it (RFC 9309 section 2.2.1), so naming
    an agent in one group with lines L instead of in two groups that both have L changes no
    reading; groups with different lines are never merged.
    """
    merged: dict[RobotsGroupSpec, list[str]] = {}
    for group in groups:
        merged.setdefault(replace(group, agents=()), []).extend(group.agents)
    return tuple(
        replace(body, agents=tuple(dict.fromkeys(agents))) for body, agents in merged.items()
    )


def _value(text: str) -> str:
    """Percent-encode what would end or split a value, so the line reads back as written."""
    return _UNSAFE.sub(lambda m: f"%{ord(m.group(0)):02X}", text)


def _plain(text: str) -> str:
    """A free-text value on one line, without a comment start."""
    return " ".join(text.replace("#", " ").split())


def render_robots(spec: RobotsSpec) -> str:
    """Write ``spec`` as robots.txt text."""
    out: list[str] = []
    if spec.comment:
        out.extend(f"# {line}".rstrip() for line in spec.comment.splitlines())
    blocks: list[list[str]] = []
    for group in spec.groups:
        agents = list(dict.fromkeys(t for t in map(product_token, group.agents) if t))
        if not agents:
            continue  # nothing can select this group; writing its rules would join the last one
        lines = [f"User-agent: {agent}" for agent in agents]
        if group.content_signal:
            lines.append(f"Content-Signal: {_plain(group.content_signal)}")
        for path, value in group.content_usage:
            pref = _plain(value)
            if path and not path.startswith("/"):
                path = (
                    "/" + path
                )  # a path must start with "/" to be read as one (draft-ietf-aipref-attach-05 section 3)
            lines.append(
                f"Content-Usage: {_value(path)} {pref}" if path else f"Content-Usage: {pref}"
            )
        lines.extend(f"Disallow: {_value(path)}".rstrip() for path in group.disallow)
        lines.extend(f"Allow: {_value(path)}".rstrip() for path in group.allow)
        if not group.allow and not group.disallow:
            # An empty Disallow allows everything and ends the group (RFC 9309 2.2.2).
            lines.append("Disallow:")
        if group.crawl_delay is not None:
            lines.append(f"Crawl-delay: {group.crawl_delay:g}")
        blocks.append(lines)
    for block in blocks:
        if out:
            out.append("")
        out.extend(block)
    tail = [f"License: {_value(url)}" for url in spec.licenses]
    tail += [f"Sitemap: {_value(url)}" for url in spec.sitemaps]
    if tail:
        if out:
            out.append("")
        out.extend(tail)
    return "\n".join(out) + "\n" if out else ""
