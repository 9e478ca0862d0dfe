"""Who is this crawler, and how far is that verified? One model for the server and the logs.

The *claimed* identity is the catalogue entry the ``User-Agent`` names
(:func:`heedful.policies.agents.agent_for_user_agent`: the longest known product name standing alone).
The claim is then checked, strongest evidence first:

``signature``
    A valid Web Bot Auth signature (:func:`heedful.policies.identity.webbotauth.verify_web_bot_auth`)
    whose ``Signature-Agent`` the catalogue lists for the claimed agent
    (``signature_agents``), or any valid signature when the User-Agent claims no known agent
    (the identity is then the catalogue entry listing the signer, else the signer alone). A valid signature from a signer the catalogue does not
    list for the claimed agent proves who signed, not the claim, so the claim is checked by IP.
``ip-range``
    The client address is in the operator's published ranges for the agent, or for the first
    of its documented fallbacks with ranges (``Googlebot-Image`` crawls from Googlebot's).
``unverified``
    Neither.

``spoofed`` marks an ``unverified`` claim Heedful can refute: ranges are shipped for the
agent, taken from the vendor's real file (not a placeholder), and the address is outside them.
Where no ranges are shipped, or only a placeholder, an unverified claim is only unverified.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from heedful.policies.agents import KnownAgent, agent_for_user_agent, known_agents
from heedful.policies.identity.ranges import IpRanges, RangeMatch
from heedful.policies.identity.webbotauth import WebBotAuthResult


class Verification(StrEnum):
    """How far a claimed identity is verified, strongest first."""

    SIGNATURE = "signature"
    IP_RANGE = "ip-range"
    UNVERIFIED = "unverified"


@dataclass(frozen=True, kw_only=True, slots=True)
class Identity:
    """One request's claimed identity and the evidence for it."""

    agent: KnownAgent | None
    """The catalogue entry the User-Agent names; ``None`` for an unknown client."""
    verification: Verification
    spoofed: bool
    evidence: str
    """Why, in words: the signer, or the published network and its snapshot's date."""
    signer: str | None = None
    """The ``Signature-Agent`` of a valid signature, whoever it belongs to."""

    @property
    def token(self) -> str | None:
        return self.agent.token if self.agent is not None else None

    @property
    def level(self) -> str:
        """``spoofed`` for a refuted claim, else the verification level."""
        return "spoofed" if self.spoofed else str(self.verification)


def _range_match(agent: KnownAgent, client_ip: str, ranges: IpRanges) -> RangeMatch | None:
    """The lookup in the agent's own ranges, else in its first fallback's that has some."""
    for token in (agent.token, *agent.fallbacks):
        found = ranges.lookup(token, client_ip)
        if found is not None:
            return found
    return None


def _signed_by(agent: KnownAgent, signature: WebBotAuthResult) -> bool:
    if signature.agent is None:
        return False
    signer = signature.agent.url.rstrip("/").lower()
    return any(signer == known.rstrip("/").lower() for known in agent.signature_agents)


def identify(
    *,
    user_agent: str,
    client_ip: str,
    ranges: IpRanges,
    signature: WebBotAuthResult | None = None,
) -> Identity:
    """The identity of one request (see the module docstring for the levels).

    ``signature`` is the verified outcome of the request's Web Bot Auth headers, or ``None``
    when there are none (access logs never have them).
    """
    if not isinstance(user_agent, str) or not isinstance(client_ip, str):
        raise TypeError("identify expects user_agent and client_ip as str")
    return verify_claim(
        agent_for_user_agent(user_agent), client_ip=client_ip, ranges=ranges, signature=signature
    )


def verify_claim(
    agent: KnownAgent | None,
    *,
    client_ip: str,
    ranges: IpRanges,
    signature: WebBotAuthResult | None = None,
) -> Identity:
    """:func:`identify` for a caller that has already read the User-Agent (``agent``)."""
    valid = signature is not None and signature.valid
    signer = signature.agent.url if valid and signature and signature.agent else None
    if valid and signature is not None and agent is None:
        # A browser-like User-Agent that names no crawler (OpenAI's ChatGPT agent sends one):
        # the catalogue entry that lists the signer is the identity.
        agent = next((a for a in known_agents() if _signed_by(a, signature)), None)
    if valid and signature is not None and (agent is None or _signed_by(agent, signature)):
        return Identity(
            agent=agent,
            verification=Verification.SIGNATURE,
            spoofed=False,
            evidence=f"Web Bot Auth signature by {signer} (key {signature.keyid})",
            signer=signer,
        )
    if agent is None:
        return Identity(
            agent=None,
            verification=Verification.UNVERIFIED,
            spoofed=False,
            evidence="no known agent named",
        )
    match = _range_match(agent, client_ip, ranges)
    if match is not None and match.network is not None and not match.snapshot.placeholder:
        # A placeholder snapshot holds documentation ranges, not the vendor's: an address in
        # it proves nothing, so it verifies no one (and, below, accuses no one).
        snap = match.snapshot
        return Identity(
            agent=agent,
            verification=Verification.IP_RANGE,
            spoofed=False,
            evidence=f"{client_ip} in {match.network} ({snap.source}, {snap.retrieved})",
            signer=signer,
        )
    if match is None:
        evidence = f"no published ranges shipped for {agent.token}"
    elif match.snapshot.placeholder:
        evidence = f"ranges for {agent.token} are a placeholder; refresh {match.snapshot.name}"
    else:
        evidence = f"{client_ip} outside {match.snapshot.source} ({match.snapshot.retrieved})"
    spoofed = match is not None and not match.snapshot.placeholder
    return Identity(
        agent=agent,
        verification=Verification.UNVERIFIED,
        spoofed=spoofed,
        evidence=evidence,
        signer=signer,
    )


class Claims:
    """Unsigned claims verified against one set of ranges, each (agent, address) once.

    A log or a server sees the same crawler from the same address again and again; the answer
    depends on nothing else, so it is kept (at most ``limit`` answers; an address longer than
    any real one is answered but not kept).
    """

    def __init__(self, ranges: IpRanges, *, limit: int = 65_536) -> None:
        self._ranges = ranges
        self._limit = limit
        self._known: dict[tuple[str, str], Identity] = {}

    def verify(self, agent: KnownAgent | None, client_ip: str) -> Identity:
        if len(client_ip) > MAX_ADDRESS_CHARS:
            return verify_claim(agent, client_ip=client_ip, ranges=self._ranges)
        key = (agent.token if agent is not None else "", client_ip)
        found = self._known.get(key)
        if found is None:
            if len(self._known) >= self._limit:
                self._known.clear()
            found = self._known[key] = verify_claim(agent, client_ip=client_ip, ranges=self._ranges)
        return found


MAX_ADDRESS_CHARS: Final = 64
"""Longer than any IPv6 address with a zone: not an address worth remembering."""
