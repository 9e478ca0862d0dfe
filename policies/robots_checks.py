"""robots.txt lint checks that look across lines: product tokens and the * group's rules.

They only produce diagnostics for ``heedful lint``; the access decision never reads them
(RFC 9309 section 2.2.1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Final, TypeAlias

from policies.diagnostics import Severity
from policies.robots_groups import agent_token
from policies.robots_lines import Group, Key, Line

Note: TypeAlias = Callable[[Severity, int, str, str], None]
_BLANKET: Final = frozenset({"/", "/*", "*"})
"""Disallow values that already cover everything the * group could add."""


def check_agent(agent: Line, note: Note) -> None:
    product = agent_token(agent.value)
    if product is None:
        note(
            Severity.WARNING,
            agent.number,
            "invalid-user-agent",
            f"user-agent {agent.value!r} has no product token ([A-Za-z_-]); it matches no crawler",
        )
    elif product not in ("*", agent.value.lower()):
        note(
            Severity.WARNING,
            agent.number,
            "user-agent-truncated",
            f"user-agent {agent.value!r} is read as product token {product!r} "
            "(RFC 9309 2.2.1: letters, '_' and '-' only)",
        )


def check_wildcard_drops(
    groups: tuple[Group, ...], note: Note, *, index: Mapping[str, tuple[int, ...]]
) -> None:
    """Warn, once per group, when named groups silently drop the * group's Disallow rules.

    Publishers often expect inheritance from ``*``; RFC 9309 2.2.1 gives none. A named group
    that disallows everything (``Disallow: /``) loses nothing and is not reported. ``index`` is
    :func:`policies.robots_groups.index_groups` of ``groups``, so each token is looked up once.
    """
    wildcard = _disallows(groups[i] for i in index.get("*", ()))
    if not wildcard:
        return
    wildcard_set = set(wildcard)
    seen: set[str] = set()
    for group in groups:
        names: list[str] = []
        missing: dict[str, None] = {}
        for agent in group.agents:
            product = agent_token(agent.value)
            if product is None or product == "*" or product in seen:
                continue
            seen.add(product)
            mine = _disallow_set(groups[i] for i in index.get(product, ()))
            if not _BLANKET.isdisjoint(mine) or wildcard_set <= mine:
                continue
            dropped = [value for value in wildcard if value not in mine]
            if dropped:
                names.append(agent.value)
                missing.update(dict.fromkeys(dropped))
        if names:
            shown = ", ".join(list(missing)[:3]) + (", ..." if len(missing) > 3 else "")
            who = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
            note(
                Severity.WARNING,
                group.first_line,
                "named-group-drops-wildcard",
                f"the group for {who} replaces the * group, so the * group's Disallow "
                f"{shown} do not apply to it (RFC 9309 2.2.1); repeat them if meant",
            )


def _disallow_set(groups: Iterable[Group]) -> set[str]:
    return {
        line.value for g in groups for line in g.lines if line.key is Key.DISALLOW and line.value
    }


def _disallows(groups: Iterable[Group]) -> list[str]:
    return list(
        dict.fromkeys(
            line.value
            for g in groups
            for line in g.lines
            if line.key is Key.DISALLOW and line.value
        )
    )
