"""What ``heedful serve`` does about one request: the ``[enforcement]`` table applied (sans-IO).

The server identifies the client (:mod:`heedful.policies.identity`), asks :func:`heedful.policies.denial.denial`
whether the policy in force denies it (the same rule ``heedful logs`` applies), and then this
module says what to answer. Nothing here reads a clock, a socket or a database.

Classes (docs/site-policy.md, Enforcement): ``training`` is a catalogued crawler whose purposes
include training; ``ai-input`` one whose purposes include search, user-triggered fetching or
agent browsing; ``unknown`` a client the catalogue does not know that calls itself a bot
(:func:`is_bot`) or signs its requests with Web Bot Auth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from heedful.policies.agents import KnownAgent, crawler_keys
from heedful.policies.denial import Denial
from heedful.policies.licensing.offers import site_offers
from heedful.policies.signals.robots.product_names import name_key
from heedful.policies.sitepolicy.model import Action, Enforcement, SitePolicy

AI_INPUT_PURPOSES: Final = frozenset({"search", "user-triggered", "agent"})
_BOT: Final = re.compile(r"bot|crawl|spider|scrap|slurp|fetcher|archiver", re.IGNORECASE)
"""Words self-declared automated clients put in their User-Agent (RFC 9309 section 2.2.1 asks
crawlers to send a product token; most name themselves *bot*, *crawler* or *spider*)."""
UNKNOWN_BOT: Final = "(unknown bot)"
"""The agent name requests from uncatalogued bots are counted under."""
SPOOFED: Final = "identity"
"""``Denial.denied`` for a request refused because its claimed identity is refuted."""


def is_bot(user_agent: str) -> bool:
    """Whether a User-Agent the catalogue does not know declares an automated client."""
    return _BOT.search(user_agent[:512]) is not None


def class_of(agent: KnownAgent | None) -> str:
    """``training``, ``ai-input``, ``unknown`` or ``other`` (see the module docstring)."""
    if agent is None:
        return "unknown"
    if "training" in agent.purposes:
        return "training"
    if AI_INPUT_PURPOSES.intersection(agent.purposes):
        return "ai-input"
    return "other"


def action_for(rules: Enforcement, agent: KnownAgent | None, *, spoofed: bool) -> Action:
    """The action for a client, most specific first (:class:`Enforcement`)."""
    if agent is not None and rules.agents:
        keys = crawler_keys(agent.token)
        for key in keys:
            for rule in rules.agents:
                if name_key(rule.agent) == key:
                    return rule.action
    if spoofed and rules.spoofed is not None:
        return rules.spoofed
    klass = class_of(agent)
    by_class = {"training": rules.training, "ai-input": rules.ai_input, "unknown": rules.unknown}
    return by_class.get(klass) or rules.action


@dataclass(frozen=True, kw_only=True, slots=True)
class Answer:
    """What to do with a denied request: serve it (``status`` ``None``) or refuse it."""

    action: Action
    status: int | None
    """403 (block), 402 or 401 (licence), ``None`` (monitor: served)."""
    challenge: str | None = None
    """``WWW-Authenticate`` value for a licence answer (RSL CAP)."""

    @property
    def blocked(self) -> bool:
        return self.status is not None


def answer(policy: SitePolicy, action: Action, found: Denial) -> Answer:
    """The response for a request ``found`` denies under ``action``.

    ``license`` answers a use offered under licence with 402 when the terms name a price and
    401 otherwise, both with ``WWW-Authenticate: License`` (RSL 1.0, Crawler Authorization
    Protocol); a flat deny cannot be licensed, so it is refused with 403 as ``block`` does.
    """
    if action == "monitor":
        return Answer(action=action, status=None)
    if action == "license" and found.needs_license and (policy.license or policy.offers):
        # Without the path and use at hand: priced when any offer the site makes is priced.
        priced = any(offer.price() for offer in site_offers(policy, policy.site.url))
        return Answer(
            action=action,
            status=402 if priced else 401,
            challenge='License error="invalid_request"',
        )
    return Answer(action=action, status=403)
