"""The bundled catalogue of known crawlers: product names, operators, purposes and fallbacks.

``policies/data/agents.json`` holds one entry per crawler name (compared case-insensitively,
so each appears once). Its fields, and :class:`KnownAgent`'s:

``token``
    The crawler's name as its operator (or, for list-only entries, the ai-robots-txt list)
    writes it: what a robots.txt ``User-agent`` line names and a User-Agent header carries.
    Usually an RFC 9309 product token; ``AI2Bot``, ``img2dataset`` and ``bigsur.ai`` are
    product names with digits or dots, matched whole (:mod:`heedful.policies.signals.robots.product_names`). A list
    name with a space (``ChatGPT Agent``) is kept as written; no ``User-agent`` line can name
    it (a reader would see ``ChatGPT``), so it is never rendered (:attr:`KnownAgent.addressable`).
``names``
    Every spelling the sources use (``meta-externalagent`` and ``Meta-ExternalAgent``).
``operator``
    Who runs it (``""`` when no source says).
``purposes``
    From :data:`PURPOSES`: ``training`` (collects training data), ``search`` (builds a search or
    AI-search index), ``user-triggered`` (fetches on a user's request), ``agent`` (autonomous
    browsing agent), ``control`` (a robots.txt-only token), ``other``.
``fallbacks``
    Tokens whose groups the crawler obeys when no group names it, most specific first: Google
    documents ``GoogleOther-Image`` with the tokens ``GoogleOther-Image`` and ``GoogleOther``.
    A crawler obeys the groups of the first of its token and fallbacks that has one, else ``*``.
``signature_agents``
    The ``Signature-Agent`` URLs (Web Bot Auth) the operator documents for the crawler: a valid
    signature from one of them verifies the claim (:mod:`heedful.policies.identity`). Optional.
``control_only``
    True for tokens never sent as a User-Agent (``Google-Extended``, ``Applebot-Extended``,
    ``Webzio-Extended``): they appear only in robots.txt, so they never match a request.
``respects_robots``
    The operator's or list's claim about honouring robots.txt: ``yes``, ``no``, ``partial`` or
    ``unclear``.
``documented``, ``source``
    ``source`` is the operator's documentation of the crawler when ``documented`` is true, else
    the ai-robots-txt list (``robots.json`` at commit 738c80d), the only source for the entry.
``note``
    Free text.

Reading package data is not I/O on user files: the catalogue is part of the code, loaded once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Final

from heedful.policies.signals.robots.product_names import is_product_name, name_key

HEEDFUL_TOKEN: Final = "HeedfulBot"  # noqa: S105 - a product token, not a secret
"""Heedful's own crawler's product token (RFC 9309 section 2.2.1: letters, ``-`` and ``_``)."""

PURPOSES: Final = frozenset({"training", "search", "user-triggered", "agent", "control", "other"})
RESPECTS: Final = frozenset({"yes", "no", "partial", "unclear"})
DATA_FILE: Final = "data/agents.json"

_NAME_CHARS: Final = "A-Za-z0-9_.-"
"""Characters that continue a product name in a User-Agent header (``ChatGPT-User`` is not
``ChatGPT``, ``AI2Bot-Dolma`` is not ``AI2Bot``)."""
_HEADER: Final = re.compile(r"[\s(;,]")
"""A name holding one of these is a whole User-Agent header, not one product name."""


@dataclass(frozen=True, kw_only=True, slots=True)
class KnownAgent:
    """One known crawler; see the module docstring for each field."""

    token: str
    operator: str
    purposes: tuple[str, ...]
    control_only: bool
    respects_robots: str
    note: str = ""
    names: tuple[str, ...] = ()
    fallbacks: tuple[str, ...] = ()
    signature_agents: tuple[str, ...] = ()
    documented: bool = False
    source: str = ""

    @property
    def addressable(self) -> bool:
        """A ``User-agent`` line can name this crawler and nobody else (no space in the name)."""
        return is_product_name(self.token)


@cache
def known_agents() -> tuple[KnownAgent, ...]:
    """Every catalogued agent, in file order."""
    text = resources.files("heedful.policies").joinpath(DATA_FILE).read_text(encoding="utf-8")
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
            fallbacks=tuple(raw.get("fallbacks", ())),
            signature_agents=tuple(raw.get("signature_agents", ())),
            documented=raw["documented"],
            source=raw["source"],
        )
        # The file ships with the code: a bad entry is a bug here, not third-party content
        # (tests/unit/policies/test_agents_catalogue.py lints the rest).
        if not PURPOSES.issuperset(agent.purposes) or agent.respects_robots not in RESPECTS:
            raise ValueError(f"agents.json: bad purposes or respects_robots for {agent.token!r}")
        agents.append(agent)
    return tuple(agents)


@cache
def _by_token() -> dict[str, KnownAgent]:
    return {agent.token.lower(): agent for agent in known_agents()}


@cache
def _by_name() -> dict[str, KnownAgent]:
    return {name.lower(): agent for agent in known_agents() for name in agent.names}


@cache
def _by_key() -> dict[str, KnownAgent]:
    """Addressable agents by the product name a robots.txt reader compares."""
    return {name_key(agent.token): agent for agent in known_agents() if agent.addressable}


def find_agent(token: str) -> KnownAgent | None:
    """The agent whose token is ``token`` (case-insensitive), or ``None``.

    A name as a source spells it (``"Meta-ExternalAgent"``, ``"iaskspider/2.0"``) is found too.
    """
    if not isinstance(token, str):
        raise TypeError(f"find_agent expects str, got {type(token).__name__}")
    found = _by_token().get(token.lower())
    if found is None:
        found = _by_name().get(token.lower())
    return found


@cache
def _user_agent_pattern() -> re.Pattern[str]:
    # Names as the sources spell them (``iaskspider/2.0``) match too: a User-Agent carries the
    # full name, and the longer literal identifies the agent better than its prefix.
    words = {
        word
        for agent in known_agents()
        if not agent.control_only
        for word in (agent.token, *agent.names)
    }
    alternation = "|".join(re.escape(word) for word in sorted(words, key=lambda w: (-len(w), w)))
    return re.compile(rf"(?<![{_NAME_CHARS}])(?:{alternation})(?![{_NAME_CHARS}])", re.IGNORECASE)


def agent_for_user_agent(user_agent_header: str) -> KnownAgent | None:
    """Which known agent a ``User-Agent`` header belongs to.

    A known name counts where it stands alone, not inside a longer product name
    (``ChatGPT-User`` is not ``ChatGPT``, ``AI2Bot-Dolma`` is not ``AI2Bot``); the longest match
    wins. Control tokens are never sent as a User-Agent and never match.
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


@lru_cache(maxsize=4096)
def crawler_keys(agent: str) -> tuple[str, ...]:
    """The product names a crawler obeys groups for, most specific first (lower-cased).

    ``agent`` is a crawler's name (``GoogleOther-Image``, ``HeedfulBot/1.0``) or a whole
    User-Agent header (``Mozilla/5.0 (compatible; GPTBot/1.1; +https://openai.com/gptbot)``),
    which is read as the known agent it names, else as its first product. A spelling the
    sources give for a known agent (``panscient.com`` for ``Panscient``) is followed by that
    agent's token; then come its documented fallbacks. The crawler obeys the groups of the first
    name that has any, else ``*`` (Google's crawler documentation; :mod:`heedful.policies.signals.robots.groups`).
    """
    own = name_key(agent)
    spelled = agent.strip().lower()
    known = _by_key().get(own) or _by_name().get(spelled) or _by_name().get(own)
    if known is None and _HEADER.search(spelled):
        known = agent_for_user_agent(agent)
        if known is not None:
            own = name_key(known.token)
    if known is None:
        return (own,) if own else ()
    names = (own, name_key(known.token), *(name_key(f) for f in known.fallbacks))
    return tuple(dict.fromkeys(name for name in names if name))


@cache
def training_agents() -> tuple[KnownAgent, ...]:
    """Agents that collect training data, control tokens for training included."""
    return tuple(agent for agent in known_agents() if "training" in agent.purposes)


@cache
def published_agents() -> tuple[KnownAgent, ...]:
    """The agents Heedful names in a rendered robots.txt and in the audit matrix.

    Those with a known operator whose name a ``User-agent`` line can address. A list-only
    entry without an operator (``Code``, ``Spider``) is a common word that would bind any
    crawler of that name, and a name with a space (``ChatGPT Agent``) would be read as its
    first word (``ChatGPT``): naming them would address crawlers nobody meant.
    """
    return tuple(agent for agent in known_agents() if agent.operator and agent.addressable)
