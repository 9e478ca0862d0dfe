"""A small licensed site for the crawler's tests: RSL offers, an OLP token endpoint, CAP.

Protocol-faithful to /work/licensing-contract.md (and so to what ``heedful serve`` speaks):

* ``/robots.txt`` names ``/license.xml`` (RSL 1.0 section 4, ``License:``); the RSL document has
  one ``<content url="<scope>" server="<base>/licensing">`` per offer;
* ``POST /licensing/token`` (RSL OLP, an OAuth 2.0 token endpoint): HTTP Basic client
  authentication (RFC 6749 section 2.3.1), ``grant_type=rsl`` (with ``license`` and
  ``resource``) or ``client_credentials``; answers RFC 6749 section 5.1 with a ``License`` token,
  a JWS signed with Ed25519 by joserfc, or section 5.2 errors;
* content under an offer's scope asks ``Authorization: License <token>`` (CAP): missing -> 402
  (priced) or 401 (free), invalid -> 401 ``invalid_token``; a valid token for a
  ``payment="crawl"`` offer charges the fetch (``crawler-charged``).

Faults for the tests: a token endpoint that stalls, answers garbage, or finds the price changed
(``invalid_grant``). Everything the crawler sent is logged for the assertions.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from joserfc import jws
from joserfc.jwk import OKPKey

from heedful.policies.signals.rsl.document import parse_rsl
from heedful.policies.signals.rsl.terms import RslLicense, render_license

RSL_NS = "https://rslstandard.org/rsl"
HF_NS = "https://heedful.invalid/ns/rsl/1"


@dataclass(frozen=True)
class Offer:
    id: str
    scope: str
    usage: tuple[str, ...] = ("ai-train",)
    payment: str = "training"
    amount: str = "0.05"
    currency: str = "USD"
    rightsholder: str = "Lumen Agency"
    attribution: str = ""
    server: str = ""
    """Another licence server's URL; default: this site's own ``/licensing``."""
    creators: tuple[str, ...] = ()
    creator_consent: str | None = None
    """Usage tokens the creators consented to (``hf:creators consent``); ``None``: not stated."""

    def license(self) -> RslLicense:
        priced = self.payment not in ("free", "attribution")
        legal = (("attribution", self.attribution),) if self.attribution else ()
        return RslLicense(
            permits_usage=self.usage,
            payment_type=self.payment,
            amount=self.amount if priced else "",
            currency=self.currency if priced else "",
            copyright=self.rightsholder,
            legal=legal,
        )

    def price(self) -> str:
        return (
            f"{self.currency} {self.amount}" if self.payment not in ("free", "attribution") else ""
        )

    def covers(self, path: str) -> bool:
        if self.scope.endswith("*"):
            return path.startswith(self.scope[:-1])
        return path == self.scope or path.startswith(self.scope.rstrip("/") + "/")


@dataclass
class LicensedSite:
    offers: list[Offer]
    clients: dict[str, str] = field(default_factory=lambda: {"crawler-1": "s3cret-Value-42"})
    pages: dict[str, str] = field(default_factory=dict)
    """Path -> HTML; every path under an offer's scope that is not listed answers a page too."""
    token_fault: str = ""
    """``stall``, ``garbage`` or ``price-changed``."""
    expires_in: int = 3600
    robots_extra: str = ""
    robots_names_licence: bool = True
    """``False``: robots.txt does not name the RSL document; only the pages' 401/402 do."""
    """More robots.txt lines for the ``*`` group (a Disallow, a Content-Usage)."""
    reject_tokens: bool = False
    """Content answers every token ``401 invalid_token`` (as if verified with another key)."""
    key: OKPKey = field(default_factory=lambda: OKPKey.generate_key("Ed25519"))
    log: list[dict[str, Any]] = field(default_factory=list)
    issued: list[dict[str, Any]] = field(default_factory=list)
    charges: list[tuple[str, str, Decimal]] = field(default_factory=list)
    """(token id, path, amount) of every charged fetch."""
    base: str = ""

    @property
    def server(self) -> str:
        return f"{self.base}/licensing"

    def offer_for(self, path: str) -> Offer | None:
        found = [o for o in self.offers if o.covers(path)]
        return max(found, key=lambda o: len(o.scope)) if found else None

    def rsl(self) -> str:
        rows = [f'<rsl xmlns="{RSL_NS}">']
        for offer in sorted(self.offers, key=lambda o: -len(o.scope)):
            rows.append(f'<content url="{offer.scope}" server="{offer.server or self.server}">')
            rows += render_license(offer.license())
            if offer.creators:
                consent = (
                    f' consent="{offer.creator_consent}"'
                    if offer.creator_consent is not None
                    else ""
                )
                rows.append(
                    f'<hf:creators xmlns:hf="{HF_NS}"{consent}>{"; ".join(offer.creators)}</hf:creators>'
                )
            rows.append("</content>")
        rows.append(
            '<content url="/"><license><permits type="usage">all</permits></license></content>'
        )
        rows.append("</rsl>")
        return "\n".join(rows)

    def total_charged(self) -> Decimal:
        once = sum((Decimal(t["price"].split()[1]) for t in self.issued if t["price"]), Decimal(0))
        return once + sum((amount for _, _, amount in self.charges), Decimal(0))

    # --- the token endpoint -------------------------------------------------------------
    def _error(self, status: int, error: str, description: str) -> web.Response:
        headers = {"Cache-Control": "no-store"}
        if error == "invalid_client":
            headers["WWW-Authenticate"] = 'Basic realm="licensing"'
        body = {"error": error, "error_description": description}
        return web.json_response(body, status=status, headers=headers)

    def _client(self, request: web.Request) -> str:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return ""
        try:
            cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            return ""
        return cid if self.clients.get(cid) == secret else ""

    async def token(self, request: web.Request) -> web.Response:
        if self.token_fault == "stall":
            await asyncio.sleep(30)
        if self.token_fault == "garbage":
            return web.Response(text="<html>oops</html>", content_type="text/html")
        client = self._client(request)
        if not client:
            return self._error(401, "invalid_client", "client authentication failed")
        form = await request.post()
        grant = form.get("grant_type")
        resource = str(form.get("resource") or "")
        if grant not in ("rsl", "client_credentials"):
            return self._error(400, "unsupported_grant_type", f"{grant!r} is not supported")
        if not resource:
            return self._error(400, "invalid_request", "resource is required")
        parts = urlsplit(resource)
        offer = self.offer_for(parts.path)
        if offer is None or f"{parts.scheme}://{parts.netloc}" != self.base:
            return self._error(400, "invalid_scope", "no offer covers the resource")
        if grant == "rsl":
            text = str(form.get("license") or "")
            if not text:
                return self._error(400, "invalid_request", "license is required")
            wrapped = f'<rsl xmlns="{RSL_NS}"><content url="/">{text}</content></rsl>'
            doc = parse_rsl(wrapped).value
            asked = (
                doc.contents[0].licenses[0]
                if doc and doc.contents and doc.contents[0].licenses
                else None
            )
            if asked != offer.license() or self.token_fault == "price-changed":
                return self._error(
                    400, "invalid_grant", "the requested terms are not the terms offered now"
                )
        now = int(time.time())
        claims: dict[str, Any] = {
            "jti": uuid.uuid4().hex,
            "iss": self.server,
            "sub": client,
            "aud": self.base,
            "resource": offer.scope,
            "scope": " ".join(offer.usage),
            "offer": offer.id,
            "payment": offer.payment,
            "price": offer.price(),
            "policy": "1",
            "iat": now,
            "exp": now + self.expires_in,
        }
        signed = "Signature-Input" in request.headers and "Signature" in request.headers
        if signed:
            claims["cnf"] = {
                "jkt": request.headers.get("Signature-Input", "").split('keyid="')[-1].split('"')[0]
            }
        token = jws.serialize_compact(
            {"alg": "Ed25519", "typ": "JWT"}, json.dumps(claims), self.key, algorithms=["Ed25519"]
        )
        self.issued.append(
            {**claims, "price": offer.price() if offer.payment != "crawl" else "", "signed": signed}
        )
        body = {
            "access_token": token,
            "token_type": "License",
            "expires_in": self.expires_in,
            "scope": claims["scope"],
            "resource": f"{self.base}{offer.scope}",
            "price": offer.price(),
            "payment": offer.payment,
            "offer": offer.id,
        }
        return web.json_response(body, headers={"Cache-Control": "no-store"})

    # --- content (CAP) ------------------------------------------------------------------
    def _verify(self, auth: str, path: str) -> dict[str, Any] | str:
        if not auth.startswith("License "):
            return ""
        if self.reject_tokens:
            return "signature does not verify"
        try:
            obj = jws.deserialize_compact(auth[8:], self.key, algorithms=["Ed25519"])
            claims = json.loads(obj.payload)
        except Exception as exc:  # noqa: BLE001 -- any bad token is invalid_token
            return f"bad token: {type(exc).__name__}"
        if claims.get("aud") != self.base or claims.get("exp", 0) + 60 < time.time():
            return "expired or for another site"
        offer = self.offer_for(path)
        if offer is None or claims.get("resource") != offer.scope:
            return "out of scope"
        return claims

    async def content(self, request: web.Request) -> web.Response:
        path = request.path
        offer = self.offer_for(path)
        body = (
            self.pages.get(path)
            or f"<html><head><title>{path}</title></head><body><p>Work at {path}.</p></body></html>"
        )
        if offer is None:
            return web.Response(text=body, content_type="text/html")
        found = self._verify(request.headers.get("Authorization", ""), path)
        link = f'<{self.base}/license.xml>; rel="license"; type="application/rsl+xml"'
        if found == "":
            headers = {"WWW-Authenticate": f'License realm="{self.server}"', "Link": link}
            if offer.price():
                if offer.payment == "crawl":
                    headers["crawler-price"] = offer.price()
                return web.Response(status=402, text="payment required", headers=headers)
            return web.Response(status=401, text="licence required", headers=headers)
        if isinstance(found, str):
            challenge = f'License error="invalid_token", error_description="{found}"'
            return web.Response(
                status=401,
                text="invalid token",
                headers={"WWW-Authenticate": challenge, "Link": link},
            )
        headers = {}
        if offer.payment == "crawl":
            headers["crawler-charged"] = offer.price()
            self.charges.append((str(found["jti"]), path, Decimal(offer.amount)))
        return web.Response(text=body, content_type="text/html", headers=headers)

    def app(self) -> web.Application:
        async def handle(request: web.Request) -> web.StreamResponse:
            self.log.append(
                {
                    "method": request.method,
                    "path": request.path,
                    "authorization": request.headers.get("Authorization", ""),
                    "signed": "Signature" in request.headers,
                    "url": str(request.url),
                    "headers": list(request.headers.items()),
                }
            )
            path = request.path
            if path == "/robots.txt":
                return web.Response(
                    text=f"User-agent: *\n{self.robots_extra}Allow: /\n"
                    + (f"License: {self.base}/license.xml\n" if self.robots_names_licence else "")
                )
            if path == "/license.xml":
                return web.Response(text=self.rsl(), content_type="application/rsl+xml")
            if path == "/licensing/token" and request.method == "POST":
                return await self.token(request)
            if path.startswith(("/licensing/", "/.well-known/")):
                return web.Response(status=404, text="not found")
            return await self.content(request)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        return app


@dataclass
class Recorder:
    """Any other host: records every request, answers 404 (no credential may reach it)."""

    log: list[dict[str, Any]] = field(default_factory=list)
    base: str = ""

    def app(self) -> web.Application:
        async def handle(request: web.Request) -> web.StreamResponse:
            body = await request.read()
            self.log.append(
                {
                    "path": request.path,
                    "headers": dict(request.headers),
                    "body": body.decode(errors="replace"),
                }
            )
            return web.Response(status=404, text="not found")

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        return app


@contextmanager
def serving(*apps: LicensedSite | Recorder) -> Iterator[None]:
    """Serve each on its own 127.0.0.1 port from a background thread; sets their ``base``."""
    loop = asyncio.new_event_loop()
    runners: list[web.AppRunner] = []
    ready = threading.Event()

    async def start() -> None:
        for item in apps:
            runner = web.AppRunner(
                item.app(), handler_cancellation=True, shutdown_timeout=0.2, access_log=None
            )
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            runners.append(runner)
            item.base = f"http://127.0.0.1:{runner.addresses[0][1]}"

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(20)
    try:
        yield
    finally:

        async def stop() -> None:
            for runner in runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(20)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(20)
        loop.close()
