"""RFC 9309 group selection: which groups of a robots.txt (or ai.txt) bind a crawler.

A user-agent value names the product token at its start (``[A-Za-z_-]+``), ``*`` is global;
the crawler's groups are all those naming its token (compared for equality, case-insensitively),
else all ``*`` groups, else none (RFC 9309 section 2.2.1).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from policies.robots_lines import Group

_TOKEN: Final = re.compile(r"[A-Za-z_-]*")
_WS: Final = " \t\v\f"


@lru_cache(maxsize=4096)
def agent_token(value: str) -> str | None:
    """The product token a ``user-agent`` value names: ``*`` for the global group, else its
    leading ``[A-Za-z_-]`` run lower-cased; ``None`` when it matches nothing (google/robotstxt
    robots.cc).
    """
    value = value.strip(_WS)
    if value == "*" or (value.startswith("*") and value[1:2] in tuple(_WS)):
        return "*"
    match = _TOKEN.match(value)
    token = match.group(0).lower() if match else ""
    return token or None


def crawler_token(agent: str) -> str:
    """The crawler's product token: the leading ``[A-Za-z_-]`` run of ``agent``
    (``HeedfulBot/1.0`` -> ``heedfulbot``), lower-cased for comparison (RFC 9309 2.2.1).
    """
    match = _TOKEN.match(agent.strip())
    return match.group(0).lower() if match else ""


@dataclass(frozen=True, kw_only=True, slots=True)
class Selection:
    """The groups that apply to one crawler (RFC 9309 section 2.2.1)."""

    groups: tuple[Group, ...]
    named: bool
    """True when the groups were chosen by the crawler's own token, False for ``*`` or none."""
    wildcard_replaced: bool
    """A named group was chosen while ``*`` groups exist: their rules do not apply."""
    indices: tuple[int, ...]
    token: str


def index_groups(groups: tuple[Group, ...]) -> dict[str, tuple[int, ...]]:
    """Token (``*`` included) -> indices of the groups naming it, in file order."""
    index: dict[str, dict[int, None]] = {}
    for i, group in enumerate(groups):
        for agent in group.agents:
            token = agent_token(agent.value)
            if token is not None:
                index.setdefault(token, {})[i] = None
    return {token: tuple(found) for token, found in index.items()}


def select_groups(
    groups: tuple[Group, ...], agent: str, *, index: Mapping[str, tuple[int, ...]] | None = None
) -> Selection:
    """Merge every group naming the crawler's token; else every ``*`` group; else none.

    ``index`` is :func:`index_groups` of ``groups``, passed by readers that select many times.
    """
    if index is None:
        index = index_groups(groups)
    token = crawler_token(agent)
    named = index.get(token, ()) if token else ()
    wildcard = index.get("*", ())
    chosen = named or wildcard
    return Selection(
        groups=tuple(groups[i] for i in chosen),
        named=bool(named),
        wildcard_replaced=bool(named) and bool(wildcard),
        indices=chosen,
        token=token if named else "*",
    )


def describe(selection: Selection) -> str:
    """``group for GPTBot (lines 12-15)`` style text naming the selected groups."""
    if not selection.groups:
        return "no group"
    spans = ", ".join(
        f"{g.first_line}" if g.first_line == g.last_line else f"{g.first_line}-{g.last_line}"
        for g in selection.groups
    )
    name = next(
        (a.value for a in selection.groups[0].agents if agent_token(a.value) == selection.token),
        selection.token,
    )
    plural = "s" if len(selection.groups) > 1 else ""
    line_word = "line" if "-" not in spans and "," not in spans else "lines"
    return f"group{plural} for {name} ({line_word} {spans})"
