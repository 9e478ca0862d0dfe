"""Per URL: which licence is bought, which token is presented, and what the ledger records.

A URL reaches the broker only when the crawl's decision for the declared use is ``license``
(:data:`heedful.policies.model.Verdict.LICENSE`): nothing else denies the use, so nothing is
paid for that could not be used anyway. The broker then takes the first offer that

* names a licence server and carries its ``<license>`` element (RSL 1.0 section 3, ``server=``),
* in ``--mode consent``, has the creators' own consent for the use when it names creators
  (issue 14 section 4: a rightsholder's licence is not the creators' consent),
* is free, or priced within the budget and the max price (:func:`heedful.policies.budget.covers`),
* is sold by a server the credentials are for (:mod:`.credentials`),

reserves its price (:mod:`.budget`), obtains a token (:mod:`.olp`) once per
(server, scope, usage, licensee) and reuses it until it expires. ``payment="crawl"`` tokens are
free to obtain and each fetch is charged (pay-per-crawl's ``crawler-charged``); every other
priced payment is charged once, when the token is issued. Every refusal carries its reason.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from heedful.crawler.licensing.budget import EXHAUSTED, Budget, Reservation
from heedful.crawler.licensing.credentials import Credentials, server_key
from heedful.crawler.licensing.olp import TokenGrant, obtain_token
from heedful.policies.budget import BadMoney, Money, covers, parse_money
from heedful.policies.model import Mode, Use
from heedful.policies.signals.rsl.terms import FREE_PAYMENTS
from heedful.policies.signals.rsl.terms import covers as usage_covers

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.core.engine import ExecutionEngine

    from heedful.policies.model import Decision, LicenseOffer

RSL_USAGE: Final = {
    Use.AI_TRAIN: "ai-train",
    Use.GENAI_TRAIN: "ai-train",
    Use.AI_INPUT: "ai-input",
    Use.SEARCH: "search",
    Use.TDM: "all",
}
"""The RSL 1.0 usage token a declared use is licensed under (RSL 1.0 section 3)."""
EXPIRY_MARGIN: Final = 60
"""Seconds before ``exp`` a token is no longer presented: the site's clock may run ahead."""
NOT_OBTAINED: Final = "licence not obtained"
CREATOR_CONSENT: Final = "creator-consent"
"""The names :attr:`heedful.policies.model.Decision.missing` uses."""
LICENCE: Final = "licence"


def duties(offer: LicenseOffer) -> list[str]:
    """What taking under ``offer`` obliges: credit (``attribution``), a ``contribution``."""
    out = []
    if offer.payment == "attribution" or offer.attribution:
        out.append("attribution")
    if offer.payment == "contribution":
        out.append("contribution")
    return out


def creator_consent_gap(offer: LicenseOffer, usage: str) -> str:
    """Why the creators' own consent does not cover ``usage`` (``""`` when it does or when the
    offer names no creators apart from the rightsholder)."""
    creators = offer.creators
    consent = offer.creator_consent
    if not creators:
        return ""
    if not consent:
        return f"the creators ({creators}) have not stated their consent to {usage}"
    tokens = tuple(consent.split())
    if "none" in tokens or not usage_covers(tokens, usage, prohibiting=False):
        return f"the creators ({creators}) consented to {consent!r}, not to {usage}"
    return ""


def terms_record(offer: LicenseOffer, usage: str) -> dict[str, Any]:
    """The licence terms of ``offer`` as the ledger's ``licensing`` object starts them."""
    return {
        "scope": offer.scope,
        "payment": offer.payment,
        "usage": usage,
        "price": offer.amount,
        "server": offer.server,
        "rightsholder": offer.copyright,
        "attribution": offer.attribution,
        "terms": offer.terms,
        "duties": duties(offer),
        "creators": offer.creators,
        "creator_consent": offer.creator_consent,
        "license_url": offer.url,
    }


@dataclass(slots=True)
class Refusal:
    """No licence for this URL, and why; ``record`` is the ledger's ``licensing`` object."""

    reason: str
    record: dict[str, Any]


@dataclass(slots=True)
class Licensed:
    """One request sent under a licence."""

    grant: TokenGrant
    offer: LicenseOffer
    record: dict[str, Any]
    reservation: Reservation | None = None
    """The per-fetch price reserved (``payment="crawl"``)."""

    @property
    def authorization(self) -> str:
        return f"License {self.grant.token.reveal()}"


@dataclass(slots=True)
class _Held:
    grant: TokenGrant | None = None
    refusal: str = ""
    charge: str = ""
    """What the token cost when it was bought; recorded on the first item that used it."""
    charged_once: bool = False
    pending: asyncio.Future[None] | None = field(default=None)


class Broker:
    """The licences one crawl buys (one instance per crawl, held by the middleware)."""

    def __init__(
        self,
        *,
        credentials: Credentials,
        budget: Budget | None,
        mode: Mode,
        use: Use,
        user_agent: str,
        timeout: float,
        engine: Callable[[], ExecutionEngine | None],
    ) -> None:
        self.credentials = credentials
        self.budget = budget
        self.mode = mode
        self.usage = RSL_USAGE[use]
        self.user_agent = user_agent
        self.timeout = timeout
        self._engine = engine
        self._held: dict[tuple[str, str, str, str], _Held] = {}
        self.tokens_used: set[str] = set()

    @property
    def enabled(self) -> bool:
        return bool(self.credentials) or self.budget is not None

    def _price(self, offer: LicenseOffer) -> tuple[Money | None, str]:
        """The offer's price (``None`` when free), or why it cannot be paid."""
        if offer.payment in FREE_PAYMENTS:
            return None, ""
        if self.budget is None:
            return (
                None,
                f"the licence costs {offer.amount or 'an unstated price'} and no --licence-budget is set",
            )
        coverage = covers(offer, self.budget.limit, self.budget.max_price)
        if not coverage.covered:
            return None, coverage.reason
        try:
            return parse_money(offer.amount), ""
        except BadMoney as exc:  # covers() read it already; kept for the type checker
            return None, str(exc)

    def _choose(
        self, decision: Decision
    ) -> tuple[LicenseOffer | None, Money | None, str, list[str]]:
        candidates = [o for o in decision.offers if o.server and o.license_xml]
        if not candidates:
            return (
                None,
                None,
                "no licence offer names a licence server (RSL 1.0 section 3, server=)",
                [LICENCE],
            )
        first_reason, missing = "", [LICENCE]
        for offer in candidates:
            gap = creator_consent_gap(offer, self.usage) if self.mode is Mode.CONSENT else ""
            if gap:
                first_reason = first_reason or f"creator consent missing: {gap}"
                missing = [LICENCE, CREATOR_CONSENT]
                continue
            price, why = self._price(offer)
            if why:
                first_reason = first_reason or why
                continue
            return offer, price, "", []
        return None, None, first_reason, missing

    async def acquire(self, url: str, decision: Decision) -> Licensed | Refusal:
        """A licence to fetch and use ``url`` for the crawl's use, or why there is none."""
        offer, price, why, missing = self._choose(decision)
        if offer is None:
            shown = decision.offers[0] if decision.offers else None
            record: dict[str, Any] = (
                terms_record(shown, self.usage) if shown is not None else {"usage": self.usage}
            )
            record.update(refused=why, missing=missing, label=_label(why))
            return Refusal(why, record)
        record = terms_record(offer, self.usage)
        credential, why = self.credentials.for_server(offer.server)
        if credential is None:
            record.update(refused=why, missing=[LICENCE], label=NOT_OBTAINED)
            return Refusal(why, record)
        per_fetch = offer.payment == "crawl"
        key = (server_key(offer.server), offer.scope, self.usage, credential.client_id)
        held = await self._token(key, offer, url, None if per_fetch else price, credential)
        if held.grant is None:
            record.update(refused=held.refusal, missing=[LICENCE], label=_label(held.refusal))
            return Refusal(held.refusal, record)
        grant = held.grant
        record.update(
            offer=grant.offer,
            token_id=grant.token_id,
            licensee=grant.licensee,
            token_price=held.charge,
            charged="",
            missing=[],
        )
        if not held.charged_once and held.charge:
            held.charged_once = True
            record["charged"] = held.charge
        reservation = None
        if per_fetch and price is not None:
            assert self.budget is not None
            got = self.budget.reserve(price)
            if isinstance(got, str):
                record.update(refused=got, missing=[LICENCE], label=_label(got), charged="")
                return Refusal(got, record)
            reservation = got
        self.tokens_used.add(grant.token_id or key[0])
        return Licensed(grant=grant, offer=offer, record=record, reservation=reservation)

    async def _token(
        self,
        key: tuple[str, str, str, str],
        offer: LicenseOffer,
        url: str,
        price: Money | None,
        credential: Any,
    ) -> _Held:
        """The token held for ``key``, bought when there is none (or it is about to expire).

        Concurrent requests for the same key wait for one purchase: a once-paid licence is
        bought once, not once per request in flight."""
        held = self._held.get(key)
        while held is not None and held.pending is not None:
            await asyncio.shield(held.pending)
            held = self._held.get(key)
        if held is not None and (
            held.refusal
            or (held.grant is not None and held.grant.expires_at - EXPIRY_MARGIN > time.time())
        ):
            return held
        fresh = _Held(pending=asyncio.get_running_loop().create_future())
        self._held[key] = fresh
        try:
            reservation = None
            if price is not None:
                assert self.budget is not None
                got = self.budget.reserve(price)
                if isinstance(got, str):
                    # Not cached: another token may free the money it reserved.
                    del self._held[key]
                    return _Held(refusal=got)
                reservation = got
            engine = self._engine()
            if engine is None:
                answer: TokenGrant | str = "the crawl is closing"
            else:
                answer = await obtain_token(
                    engine,
                    server=offer.server,
                    credential=credential,
                    license_xml=offer.license_xml,
                    resource=url,
                    user_agent=self.user_agent,
                    timeout=self.timeout,
                )
            if isinstance(answer, str):
                if reservation is not None:
                    reservation.release()
                fresh.refusal = answer
            else:
                fresh.grant = answer
                if reservation is not None:
                    charged = _money(answer.price, reservation.price)
                    fresh.charge = str(reservation.commit(charged))
            return fresh
        finally:
            pending, fresh.pending = fresh.pending, None
            if pending is not None:
                pending.set_result(None)

    def fetched(self, licensed: Licensed, status: int, charged_header: str) -> str:
        """Settle a licensed fetch; returns the per-fetch charge recorded (``""`` when none).

        A ``crawler-charged`` header names what the site charged; a 2xx without one is charged
        the reserved price (what was agreed). A fetch the site refused is not charged."""
        reservation = licensed.reservation
        if reservation is None:
            return ""
        if charged_header:
            claimed = _money(charged_header, reservation.price)
            charged = reservation.commit(claimed)
            if claimed != charged:
                licensed.record["claimed"] = str(claimed)
        elif 200 <= status < 300:
            charged = reservation.commit()
        else:
            reservation.release()
            return ""
        licensed.record["charged"] = str(charged)
        return str(charged)

    def failed(self, licensed: Licensed, *, rejected: str = "") -> None:
        """A licensed fetch that failed: its reservation is released. A token the site
        ``rejected`` is not presented again, and no other is bought for its scope: a site that
        does not accept its own licence server's tokens would otherwise drain the budget."""
        if licensed.reservation is not None:
            licensed.reservation.release()
        if rejected:
            for held in self._held.values():
                if held.grant is licensed.grant:
                    held.grant = None
                    held.refusal = f"the site did not accept the licence token ({rejected})"

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tokens": len(self.tokens_used)}
        if self.budget is not None:
            out.update(self.budget.summary())
        return out


def _money(text: str, fallback: Money) -> Money:
    """``text`` as money in ``fallback``'s currency, else ``fallback``: an unreadable charge
    is counted at the price agreed, never as nothing."""
    try:
        found = parse_money(text)
    except BadMoney:
        return fallback
    return found if found.currency == fallback.currency else fallback


def _label(reason: str) -> str:
    """The short label a refusal is counted under in the crawl summary."""
    if reason.startswith(EXHAUSTED):
        return EXHAUSTED
    if reason.startswith("creator consent"):
        return "creator consent missing"
    return NOT_OBTAINED
