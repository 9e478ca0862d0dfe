"""Enforcement in ``heedful serve``: identify the client, judge the request, answer, record.

The content handler (routes/content.py) calls :meth:`Enforcer.check` before it serves a path;
the published files, the API, the removal and admin pages have routes of their own and never
reach it (the always-free paths, docs/enforcement.md). Per request:

1. the claimed identity: the User-Agent against the catalogue, plus a Web Bot Auth signature
   verified against the signer's key directory (:class:`KeyDirectories`, cached per signer),
   plus the published IP ranges (:func:`heedful.policies.identity.verify_claim`);
2. the judgement: :func:`heedful.policies.denial.denial`, the rule ``heedful logs`` applies too;
3. the answer: the ``[enforcement]`` action (:mod:`heedful.policies.enforcement`), and the crawl delay
   (429 with ``Retry-After``);
4. the record: every violation and the per-day counts, written in batches
   (:class:`~heedful.signalserver.violations.Recorder`).

Browsers cost one cached User-Agent lookup: a client that names no catalogued agent, sends no
signature and does not call itself a bot is served at once.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Final, NamedTuple

import aiohttp
from aiohttp import hdrs, web
from multidict import istr

from heedful.policies.agents import KnownAgent, agent_for_user_agent
from heedful.policies.denial import Denial, denial
from heedful.policies.enforcement import SPOOFED, UNKNOWN_BOT, Answer, action_for, answer, is_bot
from heedful.policies.identity import (
    Identity,
    IpRanges,
    signature_agent,
    verify_claim,
    verify_web_bot_auth,
)
from heedful.policies.identity.identify import Claims
from heedful.policies.identity.proxies import client_address
from heedful.policies.identity.ranges import IPNetwork
from heedful.policies.identity.webbotauth import MAX_DIRECTORY_BYTES
from heedful.policies.sitepolicy import VERSION_HEADER
from heedful.policies.sitepolicy.model import Enforcement
from heedful.signalserver.content import served_path
from heedful.signalserver.licence_offers import licence_challenge
from heedful.signalserver.live import LivePolicy, PolicyState, Rendering
from heedful.signalserver.middlewares import error_body
from heedful.signalserver.ratelimit import RateLimiter
from heedful.signalserver.templating import page
from heedful.signalserver.violations import Recorder

SIGNATURE_INPUT: Final = istr("Signature-Input")
AUTHORIZATION: Final = hdrs.AUTHORIZATION
MEMO_LIMIT: Final = 65_536
DIRECTORY_TTL: Final = 3600.0
"""Seconds a key directory is kept when it names no ``max-age``."""
MAX_DIRECTORY_TTL: Final = 86_400.0
"""...and at most, whatever it names (draft-ietf-webbotauth-httpsig-protocol-01 shows a day)."""
FAILED_TTL: Final = 300.0
"""Seconds an unusable directory (not 200, redirected, too large, unreachable) is not retried."""
MAX_DIRECTORIES: Final = 1024
"""Signers remembered at once (a client picks the ``Signature-Agent``: the table is bounded)."""
BLOCKING: Final = frozenset({401, 402, 403, 429})
"""Statuses that refuse the request: the violation was attempted, nothing was served."""
DIRECTORY_TYPE: Final = "application/http-message-signatures-directory+json"


UNKNOWN_AGENT: Final = KnownAgent(
    token="unknown-bot",  # noqa: S106 -- a product name, not a secret
    operator="",
    purposes=(),
    control_only=False,
    respects_robots="unclear",
)
"""Stands for every uncatalogued bot when the policy judges it (class ``*``, no declared use)."""


def _agent(user_agent: str) -> tuple[KnownAgent | None, bool]:
    """The catalogue agent a User-Agent names, and whether an unknown client calls itself a bot."""
    found = agent_for_user_agent(user_agent)
    return found, found is None and is_bot(user_agent)


def _max_age(cache_control: str) -> float | None:
    for part in cache_control.split(","):
        name, _, value = part.strip().partition("=")
        if name.lower() == "max-age" and value.strip().isdigit():
            return float(value.strip())
    return None


class KeyDirectories:
    """Web Bot Auth key directories, fetched once per signer and kept for a bounded time.

    One fetch per directory URL at a time (concurrent requests of a new signer await the same
    task), then the bytes are kept for the directory's ``max-age`` (at most a day, an hour when
    it names none); an unusable answer is kept as ``b""`` for five minutes, so a signer whose
    directory is down costs one fetch per five minutes, not one per request.
    """

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session
        self._kept: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._pending: dict[str, asyncio.Task[tuple[float, bytes]]] = {}
        self.fetches = 0

    async def get(self, url: str) -> bytes:
        now = time.monotonic()
        kept = self._kept.get(url)
        if kept is not None and kept[0] > now:
            return kept[1]
        task = self._pending.get(url)
        if task is None:
            task = self._pending[url] = asyncio.ensure_future(self._fetch(url))
        try:
            ttl, body = await asyncio.shield(task)
        finally:
            self._pending.pop(url, None)
        self._kept[url] = (time.monotonic() + ttl, body)
        self._kept.move_to_end(url)
        while len(self._kept) > MAX_DIRECTORIES:
            self._kept.popitem(last=False)
        return body

    async def _fetch(self, url: str) -> tuple[float, bytes]:
        self.fetches += 1
        try:
            async with self._session.get(
                url, allow_redirects=False, headers={"Accept": DIRECTORY_TYPE}
            ) as response:
                if response.status != 200:
                    return FAILED_TTL, b""
                body = await response.content.read(MAX_DIRECTORY_BYTES + 1)
                if len(body) > MAX_DIRECTORY_BYTES:
                    return FAILED_TTL, b""
                age = _max_age(response.headers.get("Cache-Control", ""))
                ttl = DIRECTORY_TTL if age is None else min(max(age, 1.0), MAX_DIRECTORY_TTL)
                return ttl, body
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return FAILED_TTL, b""


class Pending(NamedTuple):
    """A monitored violation, recorded once the response's status is known."""

    identity: Identity
    found: Denial
    said: Answer
    live: LivePolicy
    user_agent: str


class Enforcer:
    """The per-request judgement (see the module docstring); one per application."""

    def __init__(
        self,
        *,
        state: PolicyState,
        ranges: IpRanges,
        recorder: Recorder,
        directories: KeyDirectories | None,
        trusted_proxies: Sequence[IPNetwork] = (),
    ) -> None:
        self._trusted = tuple(trusted_proxies)
        self._state = state
        self._ranges = ranges
        self._recorder = recorder
        self._directories = directories
        self._claims = Claims(ranges, limit=MEMO_LIMIT)
        self._agent = lru_cache(maxsize=4096)(_agent)
        """User-Agent -> catalogue agent, memoised with the enforcer (crawlers repeat)."""
        self._denials: dict[tuple[str, str, bool], Denial | None] = {}
        self._generation: tuple[object, int] = (None, -1)
        self._limits: tuple[Enforcement | None, RateLimiter | None] = (None, None)

    def client_ip(self, request: web.Request) -> str:
        """The client's address: the peer, or behind a trusted proxy its ``X-Forwarded-For``."""
        return client_address(
            request.remote or "", request.headers.getall("X-Forwarded-For", []), self._trusted
        )

    async def check(
        self, request: web.Request, rendering: Rendering, raw_path: str, *, licensed: bool = False
    ) -> web.Response | Pending | None:
        """A refusal for the request, or a :class:`Pending` violation to record once served
        (:meth:`served`), or ``None`` to serve it.

        ``licensed``: the request presented a licence token the licence server verified for
        this origin and path (signalserver/cap.py); an unverified ``Authorization: License``
        never gets here as licensed."""
        headers = request.headers
        user_agent = headers.get(hdrs.USER_AGENT, "")
        agent, bot = self._agent(user_agent)
        signed = SIGNATURE_INPUT in headers
        if agent is None and not bot and not signed:
            return None
        client_ip = self.client_ip(request)
        identity = await self._identity(request, agent, client_ip, signed)
        agent = identity.agent
        live = rendering.live
        policy = live.policy
        rules = policy.enforcement
        name = agent.token if agent is not None else UNKNOWN_BOT
        # An uncatalogued bot declares no use, but the robots.txt "*" group binds it: judged
        # as a crawler with no purposes, only access can deny it.
        judged = agent if agent is not None else UNKNOWN_AGENT
        found = self._denial(rendering, judged, raw_path, licensed)
        if found is None and identity.spoofed:
            found = Denial(denied=SPOOFED, rule=f"claimed {name}: {identity.evidence}")
        limiter = self._limiter(rules)
        if found is None:
            wait = limiter.take(f"{name} {client_ip}") if limiter is not None else 0.0
            self._recorder.count(name, identity.level)
            if wait > 0:
                return self._too_many(live.version, wait)
            return None
        action = action_for(rules, agent, spoofed=identity.spoofed)
        said = answer(policy, action, found)
        if said.status is None:
            if limiter is not None and (wait := limiter.take(f"{name} {client_ip}")) > 0:
                self._record(request, identity, found, said, live, user_agent, 429)
                return self._too_many(live.version, wait)
            return Pending(identity, found, said, live, user_agent)
        self._record(request, identity, found, said, live, user_agent, said.status)
        return self._refusal(request, rendering, identity, found, said)

    def served(self, request: web.Request, pending: Pending, status: int) -> None:
        """Record a monitored violation once its status is known."""
        identity, found, said, live, user_agent = pending
        self._record(request, identity, found, said, live, user_agent, status)

    async def _identity(
        self, request: web.Request, agent: KnownAgent | None, client_ip: str, signed: bool
    ) -> Identity:
        if signed and self._directories is not None:
            lines = list(request.headers.items())
            named = signature_agent(lines)
            if named is not None:
                directory = await self._directories.get(named.directory_url)
                url = f"{request.scheme}://{request.host}{request.rel_url.raw_path_qs}"
                result = verify_web_bot_auth(
                    method=request.method,
                    url=url,
                    headers=lines,
                    directory=directory,
                    now=int(time.time()),
                )
                return verify_claim(
                    agent, client_ip=client_ip, ranges=self._ranges, signature=result
                )
        return self._claims.verify(agent, client_ip)

    def _denial(
        self, rendering: Rendering, agent: KnownAgent, raw_path: str, licensed: bool
    ) -> Denial | None:
        state = self._state
        generation = (rendering.live, state.removals_generation)
        if generation != self._generation:
            self._denials.clear()
            self._generation = generation
        key = (agent.token, raw_path, licensed)
        memo = self._denials
        if key in memo:
            return memo[key]
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        url = rendering.site.base_url.rstrip("/") + raw_path
        found = memo[key] = denial(
            rendering.live.policy,
            target=raw_path,
            agent=agent,
            licensed=licensed,
            url=url,
            removals=state.removals,
        )
        return found

    def _limiter(self, rules: Enforcement) -> RateLimiter | None:
        kept_rules, limiter = self._limits
        if kept_rules is not rules:
            limiter = None
            if rules.crawl_delay is not None:
                limiter = RateLimiter(per_minute=60.0 / rules.crawl_delay, burst=rules.burst)
            self._limits = (rules, limiter)
        return limiter

    def _record(
        self,
        request: web.Request,
        identity: Identity,
        found: Denial,
        said: Answer,
        live: LivePolicy,
        user_agent: str,
        status: int,
    ) -> None:
        agent = identity.agent
        self._recorder.violation(
            when=datetime.now(UTC),
            agent=agent.token if agent is not None else UNKNOWN_BOT,
            identity=identity,
            client_ip=self.client_ip(request),
            user_agent=user_agent,
            method=request.method,
            path=request.rel_url.raw_path_qs,
            policy_number=live.number,
            policy_version=live.version,
            denied=found.denied,
            rule=found.rule,
            action=said.action,
            status=status,
            blocked=status in BLOCKING,
        )

    @staticmethod
    def _too_many(version: str, wait: float) -> web.Response:
        seconds = int(wait) + 1
        message = f"crawl delay: wait {seconds} s between requests (robots.txt Crawl-delay)"
        return web.Response(
            status=429,
            body=error_body(429, message),
            content_type="application/json",
            headers={"Retry-After": str(seconds), VERSION_HEADER: version},
        )

    @staticmethod
    def _refusal(
        request: web.Request, rendering: Rendering, identity: Identity, found: Denial, said: Answer
    ) -> web.Response:
        """403, 402 or 401 citing the policy line; HTML for clients that prefer it."""
        assert said.status is not None
        name = identity.agent.token if identity.agent is not None else UNKNOWN_BOT
        live = rendering.live
        if found.denied == SPOOFED:
            message = f"refused: this request claims to be {name}, but {identity.evidence}"
        elif found.needs_license:
            message = f"{found.denied} needs a licence here: see the site's RSL licence"
        elif found.denied == "access":
            message = f"refused by the site policy: {name} may not fetch this path"
        else:
            message = f"refused by the site policy: {found.denied} is denied to {name} here"
        detail = {
            "message": message,
            "agent": name,
            "verification": identity.level,
            "denied": found.denied,
            "rule": found.rule,
            "policy_version": live.version,
        }
        headers = {VERSION_HEADER: live.version, "Cache-Control": "no-store"}
        license_url = rendering.site.license_url
        if said.challenge is not None:
            headers["WWW-Authenticate"] = said.challenge
        if found.needs_license and said.status in (401, 402):
            path = served_path(request.rel_url.raw_path)
            headers.update(licence_challenge(rendering, path, found.denied))
        if license_url is not None and (said.challenge is not None or found.needs_license):
            headers["Link"] = f'<{license_url}>; rel="license"; type="application/rsl+xml"'
        accept = request.headers.get(hdrs.ACCEPT, "")
        if "text/html" in accept and "json" not in accept:
            details = [f"Rule: {found.rule}", f"Policy version: {live.version}"]
            details.append(f"Identity: {name} ({identity.level})")
            html = page(
                "error.html", title=f"Error {said.status}", message=message, details=details
            )
            return web.Response(
                status=said.status, text=html, content_type="text/html", headers=headers
            )
        body = json.loads(error_body(said.status, message, [detail]))
        return web.json_response(body, status=said.status, headers=headers)
