"""RFC 9309 group selection: which groups of a robots.txt (or ai.txt) bind a crawler.

A user-agent value names a product (``*`` is global); it binds the crawlers of that product
name, compared whole and case-insensitively (:mod:`heedful.policies.signals.robots.product_names`, RFC 9309 section
2.2.1). A crawler obeys every group naming its own name, else every group naming its first
documented fallback that has one (``Googlebot-Image`` -> ``Googlebot``,
:func:`heedful.policies.agents.crawler_keys`), else every ``*`` group, else none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from heedful.policies.agents import crawler_keys
from heedful.policies.signals.robots.lines import Group
from heedful.policies.signals.robots.product_names import group_key, name_key


def agent_token(value: str) -> str | None:
    """The product name a ``user-agent`` value names: ``*`` for the global group, else its
    lower-cased product name; ``None`` when it names nothing (:func:`group_key`).
    """
    return group_key(value)


def crawler_token(agent: str) -> str:
    """The crawler's own product name, lower-cased (``HeedfulBot/1.0`` -> ``heedfulbot``);
    a whole User-Agent header gives the known agent it names (:func:`crawler_keys`).
    """
    keys = crawler_keys(agent)
    return keys[0] if keys else name_key(agent)


def names_crawler(value: str, agent: str) -> bool:
    """Does the ``user-agent`` value ``value`` name the crawler ``agent`` itself?

    Fallbacks aside: whether a ``Googlebot`` group binds ``Googlebot-Image`` depends on the
    rest of the file (:func:`select_groups`).
    """
    key = agent_token(value)
    return key not in (None, "*") and key == crawler_token(agent)


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
    """Merge every group naming the crawler (or, failing that, its first fallback that has
    one); else every ``*`` group; else none.

    ``index`` is :func:`index_groups` of ``groups``, passed by readers that select many times.
    """
    if index is None:
        index = index_groups(groups)
    return selection(groups, index, named_token(agent, index))


def named_token(agent: str, index: Mapping[str, tuple[int, ...]]) -> str | None:
    """The crawler's own name, or its first fallback, that names a group; None sends the
    crawler to the ``*`` groups."""
    return next((key for key in crawler_keys(agent) if key in index), None)


def selection(
    groups: tuple[Group, ...], index: Mapping[str, tuple[int, ...]], token: str | None
) -> Selection:
    """The groups for ``token`` (from :func:`named_token`), or the ``*`` groups for None."""
    named = index.get(token, ()) if token is not None else ()
    wildcard = index.get("*", ())
    chosen = named or wildcard
    return Selection(
        groups=tuple(groups[i] for i in chosen),
        named=bool(named),
        wildcard_replaced=bool(named) and bool(wildcard),
        indices=chosen,
        token=token if named and token is not None else "*",
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
