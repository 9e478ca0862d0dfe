"""What a response to a content request says before its signals are read: an answer, a failure,
or an access control (401/402/403) that Heedful never bypasses.

docs/decisions.md, Access comes first; RSL 1.0 sections 5-6; Cloudflare's pay per crawl
documentation; x402 v2 specification section 5.1.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urljoin

from policies.headers import Headers, header_values
from policies.model import Permission, Signal, Statement, Use
from policies.payment import read_challenge
from policies.statuses import status_meaning

_LICENSE_SCHEME = re.compile(r"(?:^|,)\s*license(?:\s|,|$)", re.IGNORECASE)
"""The ``License`` auth scheme among the challenges of a ``WWW-Authenticate`` field (RSL 1.0 sections 5-6)."""
_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^,;<]*)*)")
_PARAM = re.compile(r"""([A-Za-z*-]+)\s*=\s*("[^"]*"|[^;,\s]*)""")

STATUS_NAMES: Final = {401: "Unauthorized", 402: "Payment Required", 403: "Forbidden"}
"""The access-control statuses :func:`page_access` turns into statements."""


def page_failure(status: int | None, error: str = "") -> str:
    """Why a page's response leaves nothing to decide, or ``""`` when it is an answer.

    A 2xx is the page; 401, 402 and 403 are the site's access or licence controls
    (:func:`page_access`). Anything else -- no response, a redirect that could not be followed,
    404 and the other 4xx, 429, 5xx -- carries none of the page's own statements (its headers,
    its ``<head>``), so no verdict is given for it: it is ``failed``, and the reason says which
    status or error it was (docs/decisions.md, Signal files that cannot be read).
    """
    if status is None:
        return f"the page could not be fetched ({error or 'no response'})"
    if 200 <= status < 300 or status in STATUS_NAMES:
        return ""
    return f"the page answered {status} ({status_meaning(status).label})"


def rsl_link(headers: Headers, *, base: str) -> str:
    """The first ``Link: <...>; rel="license"; type="application/rsl+xml"`` target, absolute."""
    for field in header_values(headers, "Link"):
        for match in _LINK.finditer(field):
            params = {
                key.lower(): value.strip('"').lower()
                for key, value in _PARAM.findall(match.group(2))
            }
            if "license" in params.get("rel", "").split() and params.get("type") == (
                "application/rsl+xml"
            ):
                return urljoin(base, str(match.group(1)).strip())
    return ""


def page_access(
    status: int, headers: Headers, *, source: str, inline_rsl: str = ""
) -> Statement | None:
    """A 401/402/403 answer as a statement about every use (docs/decisions.md, Access comes first).

    402, or 401/403 with ``WWW-Authenticate: License`` or an RSL ``Link`` (the RSL Crawler
    Authorization Protocol, RSL 1.0 sections 5-6), is a licence offer: every use needs the licence
    (9.1 calls a
    402 an offer, not a refusal); the offer points at the RSL document when one is linked.
    Without either, 401 and 403 are access controls Heedful never bypasses, so every use is
    denied. Any other status says nothing here (``None``). ``inline_rsl`` names an RSL document
    the response carries in its body (its terms are read from there, ``policies.site``).
    """
    if status not in STATUS_NAMES:
        return None
    challenges = [
        value
        for value in header_values(headers, "WWW-Authenticate")
        if _LICENSE_SCHEME.search(value)
    ]
    rule = f"HTTP {status} {STATUS_NAMES[status]}"
    link = rsl_link(headers, base=source) or inline_rsl
    if status != 402 and not challenges and not link:
        return Statement(
            signal=Signal.HTTP_STATUS,
            source=source,
            location=f"status {status}",
            rule=rule,
            uses=dict.fromkeys(Use, Permission.DENY),
            note="an access control; Heedful never bypasses it (docs/decisions.md, Access comes first)",
        )
    challenge = read_challenge(
        status,
        headers,
        source=source,
        rsl_link=link,
        license_scheme=challenges[0].strip() if challenges else "",
    )
    price = next(iter(header_values(headers, "crawler-price")), "").strip()
    if price:
        rule += f", crawler-price: {price}"
    if header_values(headers, "PAYMENT-REQUIRED"):
        rule += ", PAYMENT-REQUIRED"
    if challenges:
        rule += f", WWW-Authenticate: {challenges[0].strip()}"
    note = (
        f"a licence is required before any use ({challenge.dialect}; RSL 1.0 sections 5-6;"
        " Cloudflare's pay per crawl documentation; x402 v2 specification section 5.1);"
        " the offer is recorded, nothing is paid (docs/decisions.md, HTTP 402 dialects)"
    )
    if challenge.problems:
        note += f"; the challenge is malformed: {'; '.join(challenge.problems)}"
    return Statement(
        signal=Signal.HTTP_STATUS,
        source=source,
        location=f"status {status}",
        rule=rule,
        uses=dict.fromkeys(Use, Permission.LICENSE),
        offer=challenge.offer,
        note=note,
    )
