"""The bundled catalogue of known AI crawler product tokens (the ai.robots.txt list and the
operators' documentation).

``policies/data/agents.json`` holds one entry per product token (compared case-insensitively,
so each token appears once). Its fields, and :class:`KnownAgent`'s:

``token``
    A valid RFC 9309 product token (``[A-Za-z_-]+``): what a robots.txt ``User-agent`` line or a
    ``<meta name>`` addresses, and what a User-Agent header carries. For a list name that is not
    a valid token (``ChatGPT Agent``, ``iaskspider/2.0``, ``bigsur.ai``) it is the valid prefix,
    the form Google-style parsers match (RFC 9309 section 2.2.1).
``names``
    Every spelling the sources use for this token, as written there (``Brightbot`` and
    ``Brightbot 1.0``; ``meta-externalagent`` and ``Meta-ExternalAgent``).
``operator``
    Who runs it (``""`` when the sources do not say).
``purposes``
    From :data:`PURPOSES`: ``training`` (collects training data), ``search`` (builds a search or
    AI-search index), ``user-triggered`` (fetches on a user's request), ``agent`` (autonomous
    browsing agent), ``control`` (a robots.txt-only token), ``other``. Entries known only from
    the ai-robots-txt list say ``other``; the operators' crawler documentation gives the rest.
``control_only``
    True for tokens never sent as a User-Agent (``Google-Extended``, ``Applebot-Extended``,
    ``Webzio-Extended``): they appear only in robots.txt, so they never match a request.
``respects_robots``
    The operator's or list's claim about honouring robots.txt: ``yes``, ``no``, ``partial`` or
    ``unclear``.
``note``, ``source``
    Free text, and where the entry comes from (the operators' crawler documentation and/or
    ``ai-robots-txt/ai.robots.txt robots.json @738c80d``).

Reading package data is not I/O on user files: the catalogue is part of the code, loaded once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

HEEDFUL_TOKEN: Final = "HeedfulBot"  # noqa: S105 - a product token, not a secret
"""Heedful's own crawler's product token (draft-illyes-webbotauth-cbcp)."""

PURPOSES: Final = frozenset({"training", "search", "user-triggered", "agent", "control", "other"})
RESPECTS: Final = frozenset({"yes", "no", "partial", "unclear"})
DATA_FILE: Final = "data/agents.json"

_VALID_TOKEN: Final = re.compile(r"[A-Za-z_-]+")
_WORD_CHARS: Final = "A-Za-z_-"


@dataclass(frozen=True, kw_only=True, slots=True)
class KnownAgent:
    """One known crawler token; see the module docstring for each field."""

    token: str
    operator: str
    purposes: tuple[str, ...]
    control_only: bool
    respects_robots: str
    note: str = ""
    names: tuple[str, ...] = ()
    source: str = ""


@cache
def known_agents() -> tuple[KnownAgent, ...]:
    """Every catalogued agent, in file order (the operators' crawler documentation first, then the list, then us)."""
    text = resources.files("policies").joinpath(DATA_FILE).read_text(encoding="utf-8")
    agents = []
    for raw in json.loads(text)["agents"]:
        agent = KnownAgent(
            token=raw["token"],
            operator=raw["operator"],
            purposes=tuple(raw["purposes"]),
            control_only=raw["control_only"],
            respects_robots=raw["respects_robots"],
            note=raw.get("note", ""),
            names=tuple(raw["names"]),
            source=raw.get("source", ""),
        )
        # The file ships with the code: a bad entry is a bug here, not third-party content.
        if not _VALID_TOKEN.fullmatch(agent.token):
            raise ValueError(f"agents.json: {agent.token!r} is not a valid product token")
        if not PURPOSES.issuperset(agent.purposes) or agent.respects_robots not in RESPECTS:
            raise ValueError(f"agents.json: bad purposes or respects_robots for {agent.token!r}")
        agents.append(agent)
    return tuple(agents)


@cache
def _by_token() -> dict[str, KnownAgent]:
    return {agent.token.lower(): agent for agent in known_agents()}


def find_agent(token: str) -> KnownAgent | None:
    """The agent whose token is ``token`` (case-insensitive), or ``None``.

    A name as the list spells it (``"ChatGPT Agent"``) is found too, through its entry's names.
    """
    if not isinstance(token, str):
        raise TypeError(f"find_agent expects str, got {type(token).__name__}")
    found = _by_token().get(token.lower())
    if found is None:
        found = _by_name().get(token.lower())
    return found


@cache
def _by_name() -> dict[str, KnownAgent]:
    return {name.lower(): agent for agent in known_agents() for name in agent.names}


@cache
def _user_agent_pattern() -> re.Pattern[str]:
    # Names as the list spells them (``AI2Bot``, ``iaskspider/2.0``) match too: a User-Agent
    # carries the full name, and the longer literal identifies the agent better than its prefix.
    words = {
        word
        for agent in known_agents()
        if not agent.control_only
        for word in (agent.token, *agent.names)
    }
    alternation = "|".join(re.escape(word) for word in sorted(words, key=lambda w: (-len(w), w)))
    return re.compile(rf"(?<![{_WORD_CHARS}])(?:{alternation})(?![{_WORD_CHARS}])", re.IGNORECASE)


def agent_for_user_agent(user_agent_header: str) -> KnownAgent | None:
    """Which known agent a ``User-Agent`` header belongs to, for server access logs.

    A known token (or a name as the list spells it) counts where it stands alone, not inside a
    longer ``[A-Za-z_-]`` word (``ChatGPT-User`` is not ``ChatGPT``); the longest match wins.
    Control tokens
    are never sent as a User-Agent and never match (the operators' crawler documentation).
    """
    if not isinstance(user_agent_header, str):
        raise TypeError(f"agent_for_user_agent expects str, got {type(user_agent_header).__name__}")
    best = ""
    for match in _user_agent_pattern().finditer(user_agent_header):
        if len(match.group(0)) > len(best):
            best = match.group(0)
    if not best:
        return None
    return _by_token().get(best.lower()) or _by_name().get(best.lower())


@cache
def training_agents() -> tuple[KnownAgent, ...]:
    """Agents that collect training data, control tokens for training included."""
    return tuple(agent for agent in known_agents() if "training" in agent.purposes)
