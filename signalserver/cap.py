"""The Crawler Authorization Protocol on served content (RSL 1.0 CAP; Cloudflare pay per crawl).

A request presenting ``Authorization: License <token>`` is served as licensed only when the
token verifies (our Ed25519 signature, RFC 7515 JWS), is in the usage ledger, belongs to a
client that is not revoked, and covers this origin and path now (60 s leeway), with its
Web Bot Auth key when bound (RFC 7800 ``cnf.jkt``): :func:`heedful.policies.licensing.check_scope`.
Anything else is a 401 ``invalid_token`` with the reason; the token is never echoed.

For ``payment = crawl`` each served fetch is charged the price the token carries; a crawler
speaking Cloudflare's dialect may say ``crawler-exact-price`` or ``crawler-max-price`` and is
refused with the matching ``crawler-error`` when the price is not what it accepts. Every fetch
under a licence is committed to the usage ledger before its response leaves.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from aiohttp import web
from multidict import CIMultiDict

from heedful.policies.budget import BadMoney, Money, parse_money
from heedful.policies.licensing import LicenceClaims, check_scope
from heedful.policies.sitepolicy import VERSION_HEADER
from heedful.signalserver.keys import LICENSING
from heedful.signalserver.licence_offers import quoted
from heedful.signalserver.licensing import KeyProof, LicenceServer, TokenInvalid
from heedful.signalserver.live import Rendering
from heedful.signalserver.middlewares import error_body
from heedful.signalserver.store import naive

SCHEME: Final = "license "
EXACT: Final = "crawler-exact-price"
MAX: Final = "crawler-max-price"


@dataclass(frozen=True, slots=True)
class Licence:
    """A fetch the licence covers: the claims, what it costs, who proved to be asking."""

    claims: LicenceClaims
    charge: Money | None
    proof: KeyProof


def presented(request: web.Request) -> str | None:
    """The token of ``Authorization: License <token>``, ``None`` when there is none."""
    header = request.headers.get("Authorization", "")
    if header[: len(SCHEME)].lower() != SCHEME:
        return None
    return header[len(SCHEME) :].strip()


def _origin(rendering: Rendering) -> str:
    return rendering.site.base_url.rstrip("/").lower()


def _refuse(
    rendering: Rendering,
    status: int,
    message: str,
    *,
    error: str = "invalid_token",
    crawler_error: str = "",
    price: str = "",
) -> web.Response:
    headers: CIMultiDict[str] = CIMultiDict({VERSION_HEADER: rendering.live.version})
    headers["Cache-Control"] = "no-store"
    if status in (401, 402) and error:
        headers["WWW-Authenticate"] = (
            f'License error="{error}", error_description="{quoted(message)}"'
        )
    license_url = rendering.site.license_url
    if license_url is not None:
        headers["Link"] = f'<{license_url}>; rel="license"; type="application/rsl+xml"'
    if crawler_error:
        headers["crawler-error"] = crawler_error
    if price:
        headers["crawler-price"] = price
    return web.Response(
        status=status,
        body=error_body(status, message),
        content_type="application/json",
        headers=headers,
    )


def _price_headers(request: web.Request) -> tuple[Money | None, Money | None, str]:
    """``(exact, max, problem)`` from the pay-per-crawl request headers (Cloudflare's pay per crawl documentation)."""
    exact_text, max_text = request.headers.get(EXACT), request.headers.get(MAX)
    if exact_text is not None and max_text is not None:
        return None, None, "ConflictingPriceHeaders"
    try:
        exact = parse_money(exact_text) if exact_text is not None else None
        most = parse_money(max_text) if max_text is not None else None
    except BadMoney:
        return None, None, "InvalidCrawlerPriceValue"
    return exact, most, ""


async def verify(
    request: web.Request, rendering: Rendering, path: str, token: str
) -> Licence | web.Response:
    """The licence the token grants for this request, or the refusal to answer."""
    server: LicenceServer = request.app[LICENSING]
    exact, most, problem = _price_headers(request)
    if problem:
        message = (
            "send only one of crawler-exact-price and crawler-max-price"
            if problem == "ConflictingPriceHeaders"
            else "a price header must read '<ISO 4217 currency> <amount>', e.g. 'USD 0.01'"
        )
        return _refuse(rendering, 400, message, error="", crawler_error=problem)
    try:
        claims = server.read(token)
    except TokenInvalid as exc:
        return _refuse(rendering, 401, str(exc))
    if not await server.was_issued(claims.token_id):
        return _refuse(rendering, 401, "the token is not in this licence server's ledger")
    client = await server.client(claims.licensee)
    if client is None or client.revoked_at is not None:
        return _refuse(rendering, 401, "the licensee's registration is revoked")
    proof = await server.key_proof(request, client)
    checked = check_scope(
        claims,
        origin=_origin(rendering),
        path=path,
        usage=None,
        now=int(time.time()),
        key_thumbprint=proof.thumbprint,
        leeway=server.leeway,
    )
    if not checked.ok:
        reason = checked.reason
        if claims.key_thumbprint and proof.signed and proof.thumbprint is None:
            reason = f"{reason} (the signature does not verify: {proof.reason})"
        # The contract's CAP: every token that does not cover the fetch is a 401 invalid_token
        # (RSL CAP; the reason says whether it was the scope, the time or the key).
        return _refuse(rendering, 401, reason)
    charge: Money | None = None
    if claims.payment == "crawl" and claims.price:
        try:
            charge = parse_money(claims.price)
        except BadMoney:
            return _refuse(rendering, 401, "the token's price cannot be read")
        shown = str(charge)
        if exact is not None and exact != charge:
            message = f"crawler-exact-price {exact} is not the price, {shown}"
            return _refuse(
                rendering, 402, message, crawler_error="InvalidCrawlerExactPrice", price=shown
            )
        if most is not None and (most.currency != charge.currency or most.amount < charge.amount):
            message = f"crawler-max-price {most} is below the price, {shown}"
            return _refuse(
                rendering, 402, message, crawler_error="InvalidCrawlerMaxPrice", price=shown
            )
    return Licence(claims, charge, proof)


async def record(
    request: web.Request, rendering: Rendering, path: str, licence: Licence, status: int
) -> dict[str, str]:
    """Commit the fetch to the usage ledger; the headers its response gets (``crawler-charged``).

    Only a successful answer (2xx) is charged; a 404 under licence is recorded at no charge.
    """
    server: LicenceServer = request.app[LICENSING]
    claims = licence.claims
    charged = licence.charge if licence.charge is not None and 200 <= status < 300 else None
    currency = charged.currency if charged is not None else ""
    await server.fetches.record(
        {
            "token_id": claims.token_id,
            "licensee": claims.licensee,
            "offer_id": claims.offer_id,
            "path": path,
            "usage": " ".join(claims.usage),
            "amount": str(charged.amount if charged is not None else Decimal(0)),
            "currency": currency,
            "policy_version": rendering.live.version,
            "identity": licence.proof.identity,
            "time": naive(datetime.now(UTC)),
        }
    )
    return {"crawler-charged": str(charged)} if charged is not None else {}


def describe(licence: Licence) -> str:
    """For logs: the token id and licensee, never the token."""
    return json.dumps({"token_id": licence.claims.token_id, "licensee": licence.claims.licensee})
