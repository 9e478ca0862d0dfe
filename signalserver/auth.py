"""Admin authentication: the bearer token, and a signed session cookie for the review page.

API clients send ``Authorization: Bearer TOKEN``. A browser cannot, so ``/admin/login`` takes
the same token in a form and sets ``heedful_admin``: an HttpOnly, SameSite=Strict cookie holding
a signed, expiring session (never the token). Forms also carry a CSRF token that must equal the
signed ``heedful_csrf`` cookie (double submit, signed so a planted cookie is useless).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from typing import Final

from aiohttp import web

from heedful.policies.plural import counted
from heedful.signalserver.errors import ApiError
from heedful.signalserver.keys import ADMIN, LIMITER, SIGNER
from heedful.signalserver.security import CSRF_SECONDS, SESSION_SECONDS, verify_secret

SESSION_COOKIE: Final = "heedful_admin"
CSRF_COOKIE: Final = "heedful_csrf"
CSRF_FIELD: Final = "csrf"
MAX_TOKEN_CHARS: Final = 200
_VERIFIED_CACHE: Final = 8


class Unauthorized(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(401, message)
        self.headers["WWW-Authenticate"] = 'Bearer realm="heedful admin"'


_verified: dict[int, bytes] = {}
"""id(app secret) -> SHA-256 of the last token that verified: saves an scrypt per request."""


def rate_limit(request: web.Request) -> None:
    """Spend one of the client's write tokens, or refuse with 429 and Retry-After."""
    wait = request.app[LIMITER].take(request.remote or "unknown")
    if wait > 0:
        raise ApiError(
            429,
            f"Too many requests from your address: try again in {counted(int(wait) + 1, 'second')}.",
        ).with_retry_after(int(wait) + 1)


async def token_valid(request: web.Request, token: str) -> bool:
    """Whether ``token`` is the admin token (scrypt, constant-time, in a worker thread)."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return False
    secret = request.app[ADMIN]
    digest = hashlib.sha256(token.encode()).digest()
    known = _verified.get(id(secret))
    if known is not None and hmac.compare_digest(known, digest):
        return True
    rate_limit(request)  # guessing costs a write token per try
    ok = await asyncio.to_thread(verify_secret, token, secret.hashed)
    if ok:
        if len(_verified) >= _VERIFIED_CACHE:
            _verified.clear()
        _verified[id(secret)] = digest
    return ok


async def require_admin(request: web.Request, *, session: bool = False) -> None:
    """The bearer token (API), or for the HTML pages a valid session cookie too."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if header and scheme.lower() == "bearer" and await token_valid(request, token.strip()):
        return
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if session and cookie and request.app[SIGNER].valid("session", cookie):
        return
    if header:
        raise Unauthorized("the admin token is wrong")
    raise Unauthorized("this needs the admin token: send 'Authorization: Bearer TOKEN'")


def start_session(request: web.Request, response: web.StreamResponse) -> None:
    token = request.app[SIGNER].sign("session", seconds=SESSION_SECONDS)
    _cookie(request, response, SESSION_COOKIE, token, SESSION_SECONDS)


def end_session(response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path="/")


def csrf_token(request: web.Request, response: web.StreamResponse | None = None) -> str:
    """The form's CSRF token: the client's valid cookie, or a new one set on ``response``."""
    current = request.cookies.get(CSRF_COOKIE, "")
    if current and request.app[SIGNER].valid("csrf", current):
        return current
    fresh = request.app[SIGNER].sign("csrf", seconds=CSRF_SECONDS)
    if response is not None:
        _cookie(request, response, CSRF_COOKIE, fresh, CSRF_SECONDS)
    return fresh


def check_csrf(request: web.Request, submitted: str) -> None:
    """The field must equal the cookie, and the cookie must carry our signature."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not (
        cookie
        and submitted
        and hmac.compare_digest(cookie.encode(), submitted.encode())
        and request.app[SIGNER].valid("csrf", cookie)
    ):
        raise ApiError(
            403,
            "The form expired or was not sent from this site: reload the page and try again.",
        )


def _cookie(
    request: web.Request, response: web.StreamResponse, name: str, value: str, seconds: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=seconds,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )
