"""HTTP 402 in its three dialects: which one a response speaks, and the terms it offers.

A 402 (or an RSL 401/403) is a licence offer, never a refusal and never a yes
(docs/decisions.md, HTTP 402 dialects). Heedful reads the offer so a tester sees what was asked,
and pays nothing: the offer is recorded and refused.

* Cloudflare pay per crawl: ``crawler-price: USD 0.01`` -- an ISO 4217 currency and a decimal
  (Cloudflare's pay per crawl documentation).
* x402 v2: ``PAYMENT-REQUIRED`` holds a base64-encoded JSON ``PaymentRequired`` object
  (x402 v2 specification, section 5.1; its HTTP transport): ``x402Version`` 2, a ``resource``
  object with a ``url``, and ``accepts``, a non-empty array of requirements each with
  ``scheme``, ``network`` (CAIP-2), ``amount`` (atomic units), ``asset``, ``payTo`` and
  ``maxTimeoutSeconds``.
* RSL's licence challenge: ``WWW-Authenticate: License`` and/or a ``Link`` to an RSL document
  (``rel="license"; type="application/rsl+xml"``), RSL 1.0's licence presentation.

The reader is total: a header that is not base64, not JSON or not the schema becomes a
``problem`` on the offer (a finding in ``heedful audit``), never an exception.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from heedful.policies.headers import Headers, header_values
from heedful.policies.model import LicenseOffer, PaymentDialect

MAX_CHALLENGE_BYTES: Final = 16 * 1024
"""Longest ``PAYMENT-REQUIRED`` value decoded: real ones are a few hundred bytes, and a bound
keeps a hostile header from costing more than reading it."""
X402_VERSION: Final = 2
"""The ``x402Version`` this reader understands (x402 v2 specification, section 5.1.2)."""

_PRICE: Final = re.compile(r"^([A-Z]{3})\s+(\d+(?:\.\d+)?)$")
"""``<ISO 4217 currency> <decimal>`` (Cloudflare's pay per crawl documentation)."""
_AMOUNT: Final = re.compile(r"^\d+$")
"""x402 amounts are strings of atomic units (x402 v2 specification, section 5.1.2)."""
_REQUIRED_STRINGS: Final = ("scheme", "network", "amount", "asset", "payTo")


@dataclass(frozen=True, kw_only=True, slots=True)
class Challenge:
    """What one 401/402/403 response asked for."""

    dialects: tuple[PaymentDialect, ...]
    """Every dialect the response speaks, in the order Heedful reads them; ``unknown`` alone
    when a 402 speaks none."""
    offer: LicenseOffer
    problems: tuple[str, ...] = ()
    """Why a challenge could not be read whole (malformed base64, JSON or schema, a price
    without its currency)."""

    @property
    def dialect(self) -> str:
        """The dialects joined with ``+`` (``cloudflare-pay-per-crawl+rsl-license``)."""
        return "+".join(str(d) for d in self.dialects)


def read_challenge(
    status: int, headers: Headers, *, source: str, rsl_link: str = "", license_scheme: str = ""
) -> Challenge:
    """Classify one response and read its terms; ``rsl_link`` and ``license_scheme`` are what
    :mod:`heedful.policies.fetch.outcomes` already found (an RSL ``Link`` target, a ``License`` challenge)."""
    dialects: list[PaymentDialect] = []
    problems: list[str] = []
    terms: dict[str, str] = {}

    x402 = header_values(headers, "PAYMENT-REQUIRED")
    if x402:
        dialects.append(PaymentDialect.X402)
        found, problem = parse_x402(x402[0])
        terms.update(found)
        if problem:
            problems.append(f"PAYMENT-REQUIRED: {problem}")
    prices = header_values(headers, "crawler-price")
    if prices:
        dialects.append(PaymentDialect.PAY_PER_CRAWL)
        price = prices[0].strip()
        match = _PRICE.match(price)
        if match is None:
            problems.append(
                f"crawler-price {price!r} is not '<ISO 4217 currency> <decimal>'"
                " (Cloudflare's pay per crawl documentation)"
            )
            terms.setdefault("amount", price)
        else:
            terms.setdefault("amount", price)
            terms.setdefault("currency", match.group(1))
    if license_scheme or rsl_link:
        dialects.append(PaymentDialect.RSL)
        if rsl_link:
            terms.setdefault("terms", rsl_link)
        elif license_scheme:
            problems.append(
                "WWW-Authenticate: License without a Link to the RSL document: the terms"
                " cannot be read"
            )
    if not dialects:
        dialects.append(PaymentDialect.UNKNOWN)
    payment = "402" if status == 402 else ""
    offer = LicenseOffer(
        url=rsl_link or source,
        payment=payment,
        dialect="+".join(str(d) for d in dialects),
        problem="; ".join(problems),
        **terms,
    )
    return Challenge(dialects=tuple(dialects), offer=offer, problems=tuple(problems))


def parse_x402(value: str) -> tuple[dict[str, str], str]:
    """The terms of a ``PAYMENT-REQUIRED`` value and, if it is not a valid v2 object, why.

    Returns the offer fields read so far (``amount``, ``currency``, ``recipient``, ``resource``,
    ``network``) and a problem, ``""`` when the value is valid. Never raises on content.
    """
    if not isinstance(value, str):
        raise TypeError(f"parse_x402 expects str, got {type(value).__name__}")
    raw = value.strip()
    if len(raw) > MAX_CHALLENGE_BYTES:
        return {}, f"longer than {MAX_CHALLENGE_BYTES} bytes; not decoded"
    try:
        decoded = base64.b64decode(raw.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        try:  # some servers send the URL-safe alphabet
            decoded = base64.urlsafe_b64decode(raw.encode("ascii") + b"=" * (-len(raw) % 4))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            return {}, "not base64"
    try:
        document = json.loads(decoded.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}, "not JSON once decoded"
    if not isinstance(document, dict):
        return {}, "not a JSON object"
    return _read_payment_required(document)


def _read_payment_required(document: Mapping[str, object]) -> tuple[dict[str, str], str]:
    problems: list[str] = []
    terms: dict[str, str] = {}
    version = document.get("x402Version")
    if isinstance(version, bool) or version != X402_VERSION:
        problems.append(f"x402Version is {version!r}, not {X402_VERSION}")
    resource = document.get("resource")
    if isinstance(resource, dict) and isinstance(resource.get("url"), str):
        terms["resource"] = str(resource["url"])
    else:
        problems.append("resource is not an object with a url")
    accepts = document.get("accepts")
    if not isinstance(accepts, list) or not accepts:
        problems.append("accepts is not a non-empty array")
        return terms, "; ".join(problems)
    chosen: Mapping[str, object] | None = None
    for index, entry in enumerate(accepts):
        problem = _requirement_problem(entry)
        if problem:
            problems.append(f"accepts[{index}]: {problem}")
        elif chosen is None and isinstance(entry, dict):
            chosen = entry
    if chosen is not None:
        terms["amount"] = str(chosen["amount"])
        terms["currency"] = str(chosen["asset"])
        terms["recipient"] = str(chosen["payTo"])
        terms["network"] = f"{chosen['network']} {chosen['scheme']}"
        if len(accepts) > 1:
            terms["network"] += f" (first of {len(accepts)} options)"
    return terms, "; ".join(problems)


def _requirement_problem(entry: object) -> str:
    if not isinstance(entry, dict):
        return "not an object"
    missing = [name for name in _REQUIRED_STRINGS if not isinstance(entry.get(name), str)]
    if missing:
        return f"missing or not a string: {', '.join(missing)}"
    if not _AMOUNT.match(str(entry["amount"])):
        return f"amount {entry['amount']!r} is not a whole number of atomic units"
    timeout = entry.get("maxTimeoutSeconds")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
        return "maxTimeoutSeconds is not a non-negative number"
    return ""
