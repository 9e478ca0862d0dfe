"""The RSL Open Licensing Protocol token request, sent through Scrapy's own downloader.

``POST <server>/token`` with ``grant_type=rsl``, the ``<license>`` element as offered and the
``resource`` (RSL OLP; RFC 6749 section 4.4 form encoding), the client authenticated with HTTP
Basic (RFC 6749 section 2.3.1). The request goes through ``engine.download_async`` like the
signal files (:mod:`heedful.crawler.signalfetch`), so Web Bot Auth signs it when signing is on
and the server can bind the token to the key (``cnf.jkt``, RFC 7800). Redirects are never
followed: credentials go to the named server only. A success is RFC 6749 section 5.1 with
``token_type="License"``; an error is section 5.2's ``error``/``error_description``; anything
else is an answer that cannot be read, and no licence.

The token's payload is read, not verified, for its ``jti`` and ``exp`` only: the site verifies
the token, the crawler just records which one it used and knows when to buy again.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

from scrapy import Request
from scrapy.http.request import NO_CALLBACK

from heedful.crawler.licensing.credentials import Credential, Secret
from heedful.crawler.signalfetch import POLICY_META, SIGNAL_PRIORITY

if TYPE_CHECKING:
    from scrapy.core.engine import ExecutionEngine

MAX_TOKEN_RESPONSE: Final = 64 * 1024
ERROR_TEXT_LIMIT: Final = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenGrant:
    """A licence token and what its response said about it."""

    token: Secret
    token_id: str
    server: str
    licensee: str
    expires_at: float
    """Wall-clock seconds (``exp``, else now + ``expires_in``)."""
    scope: str
    resource: str
    price: str
    payment: str
    offer: str


def _basic(credential: Credential) -> str:
    raw = f"{credential.client_id}:{credential.secret.reveal()}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def jws_claims(token: str) -> dict[str, Any]:
    """The payload of a JWS compact token, unverified; ``{}`` when it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _clean(text: object, secret: Secret) -> str:
    """Server-supplied text for a reason: bounded, one line, and never echoing the secret."""
    out = " ".join(str(text).split())[:ERROR_TEXT_LIMIT]
    value = secret.reveal()
    return out.replace(value, "***") if value else out


def token_request(
    *,
    server: str,
    credential: Credential,
    license_xml: str,
    resource: str,
    user_agent: str,
    timeout: float,
) -> Request:
    body = urlencode({"grant_type": "rsl", "license": license_xml, "resource": resource})
    return Request(
        server.rstrip("/") + "/token",
        method="POST",
        body=body,
        headers={
            "User-Agent": user_agent,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Authorization": _basic(credential),
        },
        priority=SIGNAL_PRIORITY,
        callback=NO_CALLBACK,
        dont_filter=True,
        meta={
            POLICY_META: True,
            "dont_redirect": True,
            "dont_retry": True,
            "dont_cache": True,
            "dont_merge_cookies": True,
            "handle_httpstatus_all": True,
            "download_maxsize": MAX_TOKEN_RESPONSE,
            "download_timeout": timeout,
        },
    )


async def obtain_token(
    engine: ExecutionEngine,
    *,
    server: str,
    credential: Credential,
    license_xml: str,
    resource: str,
    user_agent: str,
    timeout: float,  # noqa: ASYNC109 -- Scrapy's download_timeout, not an asyncio timeout
) -> TokenGrant | str:
    """A token from ``server``, or why there is none (never raises)."""
    request = token_request(
        server=server,
        credential=credential,
        license_xml=license_xml,
        resource=resource,
        user_agent=user_agent,
        timeout=timeout,
    )
    where = f"licence server {server}"
    try:
        response = await engine.download_async(request)
    except Exception as exc:  # noqa: BLE001 -- a server that stalls or drops is a refusal
        return f"{where} did not answer ({type(exc).__name__}{_reason_tail(exc, credential)})"
    try:
        data = json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        return f"{where} answered HTTP {response.status} that is not a JSON object"
    if response.status != 200 or "error" in data:
        error = _clean(data.get("error") or "no error code", credential.secret)
        text = _clean(data.get("error_description") or "", credential.secret)
        return f"{where} refused the licence: HTTP {response.status} {error}" + (
            f" ({text})" if text else ""
        )
    token = data.get("access_token")
    kind = data.get("token_type")
    expires_in = data.get("expires_in")
    if not isinstance(token, str) or not token or not isinstance(kind, str):
        return f"{where} answered without an access_token and token_type (RFC 6749 section 5.1)"
    if kind.lower() != "license":
        return f"{where} answered token_type {_clean(kind, credential.secret)!r}, not 'License'"
    claims = jws_claims(token)
    exp = claims.get("exp")
    now = time.time()
    if isinstance(exp, int | float) and not isinstance(exp, bool):
        expires_at = float(exp)
    elif isinstance(expires_in, int) and not isinstance(expires_in, bool) and expires_in > 0:
        expires_at = now + expires_in
    else:
        return f"{where} answered a token with neither exp nor expires_in"
    if expires_at <= now:
        return f"{where} answered a token that has already expired"

    def field(name: str) -> str:
        value = data.get(name, claims.get(name, ""))
        return _clean(value, credential.secret) if isinstance(value, str) else ""

    return TokenGrant(
        token=Secret(token),
        token_id=str(claims.get("jti") or ""),
        server=server,
        licensee=credential.client_id,
        expires_at=expires_at,
        scope=field("scope"),
        resource=field("resource"),
        price=field("price"),
        payment=field("payment"),
        offer=field("offer"),
    )


def _reason_tail(exc: BaseException, credential: Credential) -> str:
    detail = _clean(exc, credential.secret)
    return f": {detail}" if detail else ""
