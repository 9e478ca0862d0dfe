"""robots.txt lint checks that look across lines: product tokens and the * group's rules.

They only produce diagnostics for ``heedful lint``; the access decision never reads them
(RFC 9309 section 2.2.1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Final, TypeAlias

from heedful.policies.diagnostics import Severity
from heedful.policies.signals.robots.groups import agent_token
from heedful.policies.signals.robots.lines import Group, Key, Line
from heedful.policies.signals.robots.product_names import is_product_token

Note: TypeAlias = Callable[[Severity, int, str, str], None]
_GOOGLE_CUT: Final = re.compile(r"[A-Za-z_-]*")
"""Google's parser keeps the leading run of token characters of a ``User-agent`` value."""
_BLANKET: Final = frozenset({"/", "/*", "*"})
"""Disallow values that already cover everything the * group could add."""


def check_agent(agent: Line, note: Note) -> None:
    product = agent_token(agent.value)
    if product is None:
        note(
            Severity.WARNING,
            agent.number,
            "invalid-user-agent",
            f"user-agent {agent.value!r} names no product; it matches no crawler",
        )
    elif product not in ("*", agent.value.lower()):
        note(
            Severity.WARNING,
            agent.number,
            "user-agent-truncated",
            f"user-agent {agent.value!r} is read as product {product!r} "
            "(a product name ends at the first space or '/')",
        )
    elif product != "*" and not is_product_token(product):
        google = _GOOGLE_CUT.match(product)
        cut = google.group(0) if google else ""
        # INFO: the line is what the crawler's operator asks for (Ai2 documents AI2Bot); only
        # parsers that cut at the first digit read it differently.
        note(
            Severity.INFO,
            agent.number,
            "user-agent-not-token",
            f"user-agent {agent.value!r} is not an RFC 9309 2.2.1 product token ([A-Za-z_-]); "
            f"Heedful binds it to crawlers named {agent.value!r}, Google's parser to "
            + (f"crawlers named {cut!r}" if cut else "no crawler"),
        )


def check_wildcard_drops(
    groups: tuple[Group, ...], note: Note, *, index: Mapping[str, tuple[int, ...]]
) -> None:
    """Warn, once per group, when named groups silently drop the * group's Disallow rules.

    Publishers often expect inheritance from ``*``; RFC 9309 2.2.1 gives none. A named group
    that disallows everything (``Disallow: /``) loses nothing and is not reported. ``index`` is
    :func:`heedful.policies.signals.robots.groups.index_groups` of ``groups``, so each token is looked up once.
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


def check_training_group(groups: tuple[Group, ...], note: Note, *, token: str) -> None:
    """Lint a group for the shared training-preference ``token``
    (draft-kelley-aipref-training-preference-signal-00; docs/decisions.md, The shared
    training-preference token).

    No crawler is named by the token, so its group is read for training only: another crawler
    named in the same group gets the rules as access rules too, lines other than Allow and
    Disallow reach no one, and an Allow grants training, never access.
    """
    training = [g for g in groups if token in [agent_token(a.value) for a in g.agents]]
    if training:
        _check_training_contradictions(groups, training, note, token=token)
    for group in training:
        names = [agent_token(agent.value) for agent in group.agents]
        first = group.first_line
        others = [a.value for a, name in zip(group.agents, names, strict=True) if name != token]
        if others:
            note(
                Severity.WARNING,
                first,
                "training-group-shared",
                f"the {token} group also names {', '.join(others)}: its Allow/Disallow lines"
                " are their access rules as well as the training preference for every crawler;"
                f" give {token} a group of its own",
            )
        for line in group.lines:
            if line.key in (Key.ALLOW, Key.DISALLOW):
                if line.key is Key.ALLOW and not others:
                    note(
                        Severity.INFO,
                        line.number,
                        "training-group-allow",
                        f"in the {token} group, Allow grants AI training (generative models)"
                        " for every crawler that supports the token; it grants no crawler access",
                    )
                continue
            note(
                Severity.WARNING,
                line.number,
                "training-group-unread",
                f"{line.name} in the {token} group reaches no crawler: the token names none"
                " and is read for its Allow/Disallow training preference only",
            )


_GRANTS: Final = re.compile(
    r"(?:^|[\s,])(?:train-ai\s*=\s*y|ai-train\s*=\s*yes)(?:$|[\s,;])", re.IGNORECASE
)
_RESERVES: Final = re.compile(
    r"(?:^|[\s,])(?:train-ai\s*=\s*n|ai-train\s*=\s*no)(?:$|[\s,;])", re.IGNORECASE
)


def _check_training_contradictions(
    groups: tuple[Group, ...], training: list[Group], note: Note, *, token: str
) -> None:
    """A whole-site answer of the token's group against the file's own training lines.

    Only blanket rules are compared (``Disallow: /`` with no Allow, ``Allow: /`` with no
    Disallow): a path-scoped rule may be an exception the owner means.
    """
    rules = [line for group in training for line in group.lines]
    disallows = [ln for ln in rules if ln.key is Key.DISALLOW and ln.value.strip()]
    allows = [ln for ln in rules if ln.key is Key.ALLOW and ln.value.strip()]
    blanket_no = any(ln.value.strip() in _BLANKET for ln in disallows) and not allows
    blanket_yes = any(ln.value.strip() in _BLANKET for ln in allows) and not disallows
    if not (blanket_no or blanket_yes):
        return
    pattern = _GRANTS if blanket_no else _RESERVES
    for group in groups:
        if group in training:
            continue
        for line in group.lines:
            if line.key in (Key.CONTENT_USAGE, Key.CONTENT_SIGNAL) and pattern.search(line.value):
                said = "reserves" if blanket_no else "allows"
                note(
                    Severity.WARNING,
                    line.number,
                    "training-group-contradicted",
                    f"{line.name}: {line.value.strip()} contradicts the {token} group, which"
                    f" {said} AI training on the whole site for every crawler that supports"
                    " the token; the most restrictive statement wins (draft-ietf-aipref-vocab-08"
                    " section 5.1)",
                )
