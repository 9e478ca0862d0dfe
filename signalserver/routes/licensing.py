"""The licence server's endpoints under ``/licensing`` (RSL Open License Protocol).

* ``POST /licensing/token``: an OAuth 2.0 token endpoint (RFC 6749 section 3.2) with HTTP Basic
  client authentication (section 2.3.1), the ``rsl`` grant of the OLP and ``client_credentials``
  (section 4.4), the requested ``<license>`` and ``resource`` (RFC 8707); the answer is a
  section 5.1 token response of type ``License`` or a section 5.2 error.
* ``POST /licensing/introspect``: RFC 7662 token introspection, for the client's own tokens.
* ``GET /licensing/jwks.json``: the key tokens are signed with (RFC 7517), public part only.

Every licence issued is committed to the usage ledger before the token leaves.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final
from urllib.parse import urlsplit

from aiohttp import web

from heedful.policies.licensing import LicenceClaims, Offer, offer_for, site_offers
from heedful.signalserver import licence_store
from heedful.signalserver.content import served_path
from heedful.signalserver.errors import ApiError
from heedful.signalserver.keys import LICENSING, STATE
from heedful.signalserver.licensing import TOKEN_TYPE, LicenceServer, TokenInvalid
from heedful.signalserver.models import LicenceClient, LicenceIssued
from heedful.signalserver.oauth import (
    NO_STORE,
    OAuthError,
    basic_credentials,
    invalid_client,
    parse_license,
    terms_differ,
)
from heedful.signalserver.security import verify_secret
from heedful.signalserver.store import naive

routes = web.RouteTableDef()

FORM: Final = "application/x-www-form-urlencoded"
GRANTS: Final = ("rsl", "client_credentials")
MAX_FIELD_CHARS: Final = 16 * 1024


def licence_server_url(request: web.Request) -> str:
    """``<public base URL>/licensing``: the RSL ``<content server>`` this server names."""
    rendering = request.app[STATE].for_request(request.scheme, request.host)
    return rendering.site.base_url.rstrip("/") + "/licensing"


def _site_origin(request: web.Request) -> str:
    rendering = request.app[STATE].for_request(request.scheme, request.host)
    parts = urlsplit(rendering.site.base_url)
    return f"{parts.scheme}://{parts.netloc}".lower()


async def _form(request: web.Request) -> dict[str, str]:
    if request.content_type != FORM:
        raise OAuthError("invalid_request", f"send the request as {FORM} (RFC 6749 section 4.4.2)")
    try:
        form = await request.post()
    except (ValueError, UnicodeDecodeError):
        raise OAuthError("invalid_request", "the form body cannot be read") from None
    out: dict[str, str] = {}
    for name in form:
        values = form.getall(name)
        if len(values) > 1:
            # RFC 6749 section 3.2: request parameters must not be included more than once.
            raise OAuthError("invalid_request", f"the parameter {name!r} is repeated")
        value = values[0]
        if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS:
            raise OAuthError("invalid_request", f"the parameter {name!r} is not a short text")
        out[name] = value
    return out


async def authenticate(request: web.Request, server: LicenceServer) -> LicenceClient:
    """The registered, unrevoked client the Basic credentials name (scrypt, constant time)."""
    realm = licence_server_url(request)
    client_id, secret = basic_credentials(request.headers.get("Authorization", ""), realm)
    row = await licence_store.client(server.db, client_id) if len(client_id) <= 64 else None
    if row is None or row.revoked_at is not None:
        raise invalid_client("unknown or revoked client", realm)
    if not await asyncio.to_thread(verify_secret, secret, licence_store.hashed_secret(row)):
        raise invalid_client("the client secret is wrong", realm)
    return row


def _limit(request: web.Request, server: LicenceServer) -> None:
    wait = server.limiter.take(request.remote or "unknown")
    if wait > 0:
        error = OAuthError(
            "slow_down",
            f"too many token requests from this address: retry in {int(wait) + 1} s",
            status=429,
        )
        error.headers["Retry-After"] = str(int(wait) + 1)
        raise error


def _resource_path(request: web.Request, resource: str) -> str:
    parts = urlsplit(resource)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OAuthError("invalid_request", "resource must be the absolute URL of the asset")
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    site = _site_origin(request)
    if origin != site:
        raise OAuthError(
            "invalid_target",
            f"resource is on {origin}; this licence server licenses {site} (RFC 8707 section 2)",
        )
    try:
        return served_path(parts.path or "/")
    except ApiError as exc:
        raise OAuthError("invalid_request", exc.message) from None


def _choose(offers: tuple[Offer, ...], path: str, usage: tuple[str, ...]) -> Offer:
    chosen: Offer | None = None
    for token in usage:
        found = offer_for(offers, path, token)
        if found is None:
            raise OAuthError("invalid_scope", f"no offer covers {token} at {path}")
        if chosen is not None and found.id != chosen.id:
            raise OAuthError(
                "invalid_scope",
                f"{' '.join(usage)} at {path} falls under two offers ({chosen.id}, {found.id}): "
                "request each separately",
            )
        chosen = found
    assert chosen is not None
    return chosen


def _owed(offer: Offer) -> Decimal:
    """What issuing the licence costs: per-crawl offers are charged per fetch instead."""
    if offer.payment == "crawl" or not offer.price() or offer.amount is None:
        return Decimal(0)
    return offer.amount


@routes.post("/licensing/token")
async def token(request: web.Request) -> web.Response:
    server = request.app[LICENSING]
    try:
        _limit(request, server)
        client = await authenticate(request, server)
        return await _issue(request, server, client, await _form(request))
    except OAuthError as exc:
        return exc.response()


async def _issue(
    request: web.Request, server: LicenceServer, client: LicenceClient, form: dict[str, str]
) -> web.Response:
    grant = form.get("grant_type", "")
    if not grant:
        raise OAuthError("invalid_request", "grant_type is required")
    if grant not in GRANTS:
        raise OAuthError(
            "unsupported_grant_type", f"grant_type {grant[:40]!r}: use rsl or client_credentials"
        )
    resource = form.get("resource", "")
    if not resource:
        raise OAuthError("invalid_request", "resource (the absolute URL of the asset) is required")
    path = _resource_path(request, resource)
    asked_xml = form.get("license", "")
    if grant == "rsl" and not asked_xml:
        raise OAuthError("invalid_request", "the rsl grant needs the license parameter")
    asked = parse_license(asked_xml) if asked_xml else None
    state = request.app[STATE]
    live = state.live
    offers = site_offers(live.policy, _site_origin(request))
    requested = tuple(form.get("scope", "").split())
    if not requested and asked is not None:
        requested = asked.permits_usage
    if requested:
        offer = _choose(offers, path, requested)
    else:
        candidates = [o for o in offers if offer_for(offers, path, o.usage[0]) is o]
        if not candidates:
            raise OAuthError("invalid_scope", f"no licence is offered for {path}")
        offer = candidates[0]
        requested = offer.usage
    if asked is not None and (differ := terms_differ(asked, offer.license())):
        raise OAuthError(
            "invalid_grant", f"the requested terms are not those offered now for {path}: {differ}"
        )
    proof = await server.key_proof(request, client)
    if proof.signed and proof.thumbprint is None:
        raise OAuthError(
            "invalid_request",
            f"the request's Web Bot Auth signature does not verify ({proof.reason})",
        )
    bound = proof.thumbprint or client.key_thumbprint
    now = int(time.time())
    claims = LicenceClaims(
        token_id=server.new_token_id(),
        issuer=offer.server,
        licensee=client.client_id,
        audience=_site_origin(request),
        scope=offer.scope,
        usage=requested,
        offer_id=offer.id,
        payment=offer.payment,
        price=offer.price(),
        policy_version=live.version,
        issued_at=now,
        expires_at=now + server.token_seconds,
        key_thumbprint=bound,
    )
    access_token = server.sign(claims)
    await licence_store.record_issue(
        server.db,
        LicenceIssued(
            token_id=claims.token_id,
            licensee=client.client_id,
            offer_id=offer.id,
            scope=offer.scope,
            resource=resource,
            usage=" ".join(requested),
            payment=offer.payment,
            price=claims.price,
            amount=str(_owed(offer)),
            currency=offer.currency,
            policy_version=live.version,
            rightsholder=offer.rightsholder,
            creators=licence_store.creators_json(offer.creators),
            key_thumbprint=bound,
            grant_type=grant,
            issued_at=naive(datetime.fromtimestamp(now, UTC)),
            expires_at=naive(datetime.fromtimestamp(claims.expires_at, UTC)),
        ),
    )
    server.remember(claims.token_id)
    body: dict[str, object] = {
        "access_token": access_token,
        "token_type": TOKEN_TYPE,
        "expires_in": server.token_seconds,
        "scope": " ".join(requested),
        "resource": _site_origin(request) + offer.scope,
        "price": claims.price,
        "payment": offer.payment,
        "offer": offer.id,
    }
    if bound:
        body["cnf"] = {"jkt": bound}
    return web.json_response(body, headers=NO_STORE)


@routes.post("/licensing/introspect")
async def introspect(request: web.Request) -> web.Response:
    """RFC 7662: whether a token is active; a client learns only about its own tokens."""
    server = request.app[LICENSING]
    try:
        _limit(request, server)
        client = await authenticate(request, server)
        form = await _form(request)
    except OAuthError as exc:
        return exc.response()
    presented = form.get("token", "")
    if not presented:
        return OAuthError("invalid_request", "token is required (RFC 7662 section 2.1)").response()
    inactive = web.json_response({"active": False}, headers=NO_STORE)
    try:
        claims = server.read(presented)
    except TokenInvalid:
        return inactive
    now = int(time.time())
    if (
        claims.licensee != client.client_id
        or claims.expires_at <= now
        or not await server.was_issued(claims.token_id)
    ):
        return inactive
    body: dict[str, object] = {
        "active": True,
        "token_type": TOKEN_TYPE,
        "client_id": claims.licensee,
        "sub": claims.licensee,
        "iss": claims.issuer,
        "aud": claims.audience,
        "jti": claims.token_id,
        "scope": " ".join(claims.usage),
        "resource": claims.audience + claims.scope,
        "offer": claims.offer_id,
        "payment": claims.payment,
        "price": claims.price,
        "policy": claims.policy_version,
        "iat": claims.issued_at,
        "exp": claims.expires_at,
    }
    if claims.key_thumbprint:
        body["cnf"] = {"jkt": claims.key_thumbprint}
    return web.json_response(body, headers=NO_STORE)


@routes.get("/licensing/jwks.json")
async def jwks(request: web.Request) -> web.Response:
    return web.json_response({"keys": [request.app[LICENSING].public_jwk()]})
