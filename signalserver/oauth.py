"""OAuth 2.0 wire details the licence server needs: Basic client authentication (RFC 6749
section 2.3.1), error responses (section 5.2) and the requested ``<license>`` element (RSL OLP).

Error descriptions never repeat a secret: the client id may appear, the secret and the token
never do (issue 14 section 5).
"""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal, InvalidOperation
from typing import Final
from urllib.parse import unquote_plus
from xml.etree.ElementTree import Element

from aiohttp import web
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from heedful.policies.diagnostics import Diagnostic
from heedful.policies.signals.rsl.terms import RslLicense, covers, read_license

MAX_LICENSE_CHARS: Final = 16 * 1024
NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}
"""RFC 6749 section 5.1: token responses must not be cached."""


class OAuthError(Exception):
    """An RFC 6749 section 5.2 error: ``error`` code, a description, the HTTP status."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.headers: dict[str, str] = {}

    def response(self) -> web.Response:
        body = {"error": self.error, "error_description": self.description}
        return web.json_response(body, status=self.status, headers={**NO_STORE, **self.headers})


def invalid_client(description: str, realm: str) -> OAuthError:
    """RFC 6749 section 5.2: 401 with the scheme the client should authenticate with."""
    error = OAuthError("invalid_client", description, status=401)
    error.headers["WWW-Authenticate"] = f'Basic realm="{realm}"'
    return error


def basic_credentials(header: str, realm: str) -> tuple[str, str]:
    """``client_id`` and ``client_secret`` from ``Authorization: Basic``; each was
    form-urlencoded before base64 (RFC 6749 section 2.3.1)."""
    scheme, _, value = header.partition(" ")
    if not header:
        raise invalid_client("authenticate with HTTP Basic (client_id:client_secret)", realm)
    if scheme.lower() != "basic":
        raise invalid_client(f"use HTTP Basic client authentication, not {scheme[:20]!r}", realm)
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_client("the Basic credentials are not base64 of id:secret", realm) from None
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id or not secret:
        raise invalid_client("the Basic credentials are not base64 of id:secret", realm)
    return unquote_plus(client_id), unquote_plus(secret)


def _local(element: Element) -> str:
    return str(element.tag).rpartition("}")[2]


def parse_license(text: str) -> RslLicense:
    """The ``<license>`` element a client asked for (untrusted XML: defusedxml)."""
    if len(text) > MAX_LICENSE_CHARS:
        raise OAuthError("invalid_request", "the license parameter is too long")
    try:
        element = fromstring(text)
    except (DefusedXmlException, SyntaxError, ValueError):
        raise OAuthError(
            "invalid_request", "the license parameter is not an RSL <license> element (XML)"
        ) from None
    if _local(element) != "license":
        raise OAuthError(
            "invalid_request", f"the license parameter is a <{_local(element)}>, not <license>"
        )
    problems: list[Diagnostic] = []
    return read_license(element, _local, lambda _e: 0, problems)


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def terms_differ(asked: RslLicense, offered: RslLicense) -> str:
    """What in the requested terms is not what is offered now (``""`` when they agree).

    Compared: the payment type, the amount (as a number: ``0.050`` is ``0.05``), the currency,
    and the usage (with the RSL hierarchy), user and geo permits asked beyond those offered. A client that asks for the terms it read earlier and
    finds them changed (the price went up) gets ``invalid_grant`` with this reason.
    """
    problems = []
    if asked.payment_type.lower() != offered.payment_type.lower():
        problems.append(
            f"payment {asked.payment_type or 'none'!r} asked, {offered.payment_type!r} offered"
        )
    if _amount(asked.amount) != _amount(offered.amount) or (
        asked.currency.upper() != offered.currency.upper()
    ):
        problems.append(
            f"price {asked.currency} {asked.amount or '0'} asked, "
            f"{offered.currency} {offered.amount or '0'} offered now"
        )
    for dimension in ("usage", "user", "geo"):
        mine = set(getattr(asked, f"permits_{dimension}"))
        theirs = set(getattr(offered, f"permits_{dimension}"))
        if dimension == "usage":
            # RSL 1.0 section 3: "all" offered covers an "ai-train" asked for.
            extra = {t for t in mine if theirs and not covers(tuple(theirs), t, prohibiting=False)}
        else:
            extra = mine - theirs if theirs else set()
        if extra:
            problems.append(
                f"{dimension} {' '.join(sorted(extra))} asked, not offered "
                f"(offered: {' '.join(sorted(theirs)) or 'any'})"
            )
    return "; ".join(problems)
