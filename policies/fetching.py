"""What a fetch outcome means: RFC 9309 access results, redirects, cache lifetime, 401/402/403.

The adapter (``heedful.fetch``) reports what happened on the wire: a status or a network error,
how many redirects it followed, whether the body was cut at the size cap. This module says what
that means (style.md B.1), so the crawler, the CLI and the tests read one table.

* robots.txt: 2xx found; 4xx "unavailable" (allow all); 5xx and network failures "unreachable"
  (complete disallow) -- RFC 9309 sections 2.3.1.1-2.3.1.4.
* Site-level signal files (tdmrep.json, ai.txt, RSL): 4xx means "no statement"; 5xx, 429 and
  network failures mean "unknown for that mechanism, retry later" (docs/decisions.md, Each
  mechanism's own rules). A 2xx whose body was cut (over the size limit, or ended early) is
  "unreadable": never "no statement", the uses it governs stay unknown until it can be read.
* Responses to a content request: 401/402/403 are access or licence controls, never bypassed
  (docs/decisions.md, Access comes first; RSL 1.0 sections 5-6; Cloudflare's pay per crawl
  documentation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Final
from urllib.parse import urljoin, urlsplit

from policies.headers import Headers, header_values
from policies.model import LicenseOffer, Permission, Signal, Statement, Use

MAX_REDIRECTS: Final = 5
"""RFC 9309 2.3.1.2: follow at least five consecutive redirects."""
MAX_SIGNAL_BYTES: Final = 500 * 1024
"""RFC 9309 2.5: the parsing limit MUST be at least 500 KiB. Also the limit of tdmrep.json,
ai.txt and RSL documents, whose specifications set none (docs/decisions.md, Signal files that
cannot be read, gives the reasons)."""
MAX_ROBOTS_PARSE_BYTES: Final = MAX_SIGNAL_BYTES
"""RFC 9309 2.5: robots.txt is parsed up to this many bytes and the rest ignored."""
MAX_CACHE_SECONDS: Final = 24 * 3600
"""RFC 9309 2.4: a cached robots.txt SHOULD NOT be used for more than 24 hours."""

REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
"""The statuses whose ``Location`` is followed (RFC 9110 15.4); 300 and 304 are not redirects."""


class Availability(StrEnum):
    """The three RFC 9309 access results (2.3.1.1 success, 2.3.1.3, 2.3.1.4), and ``unreadable``.

    ``unreadable`` is for signal files only: the server answered 2xx but the body could not be
    read whole (cut at the size limit, or ended early). robots.txt never gets it: a body over
    500 KiB is parsed up to the limit, which is RFC 9309 section 2.5's own reading.
    """

    FOUND = "found"
    UNAVAILABLE = "unavailable"
    UNREACHABLE = "unreachable"
    UNREADABLE = "unreadable"


@dataclass(frozen=True, kw_only=True, slots=True)
class StatusMeaning:
    """One row of :data:`STATUS_MEANINGS`: a status range, its result and where that is said."""

    statuses: range
    availability: Availability
    label: str
    """Short human label for the range, used in reasons and docs."""
    cite: str
    """The section that says so (RFC 9309, Google's robots.txt documentation or docs/decisions.md)."""


STATUS_MEANINGS: Final[tuple[StatusMeaning, ...]] = (
    # First match wins, so the 429 exception precedes the 4xx row. RFC 9309 is silent on 429;
    # Google treats it as a server error (its robots.txt specification, "Handling of errors and HTTP
    # status codes") and so do we: a site that asks us to slow down has not said "no robots.txt
    # here"; a server error is "unreachable" (RFC 9309 section 2.3.1.4).
    StatusMeaning(
        statuses=range(429, 430),
        availability=Availability.UNREACHABLE,
        label="too many requests",
        cite="Google's robots.txt specification; RFC 9309 section 2.3.1.4",
    ),
    StatusMeaning(
        statuses=range(200, 300),
        availability=Availability.FOUND,
        label="success",
        cite="RFC 9309 2.3.1.1",
    ),
    # A 3xx that reaches the interpreter was not followed: no Location, a non-HTTP target or
    # a loop. The RFC lets a crawler call an overlong chain "unavailable"; Heedful reads every
    # unfollowable redirect as unreachable, which fails closed (RFC 9309 section 2.3.1;
    # docs/decisions.md).
    StatusMeaning(
        statuses=range(300, 400),
        availability=Availability.UNREACHABLE,
        label="redirect not followed",
        cite="RFC 9309 2.3.1.2",
    ),
    StatusMeaning(
        statuses=range(400, 500),
        availability=Availability.UNAVAILABLE,
        label="client error",
        cite="RFC 9309 2.3.1.3",
    ),
    StatusMeaning(
        statuses=range(500, 600),
        availability=Availability.UNREACHABLE,
        label="server error",
        cite="RFC 9309 2.3.1.4",
    ),
)
"""Status ranges and what they mean for a site-level file; read by the code and by the docs."""

OTHER_STATUS: Final = StatusMeaning(
    # 1xx as a final status, or anything outside 100-599, is not a usable answer: fail closed.
    statuses=range(0),
    availability=Availability.UNREACHABLE,
    label="not a final HTTP status",
    cite="RFC 9309 2.3.1.4",
)

ROBOTS_CONSEQUENCES: Final[Mapping[Availability, str]] = {
    Availability.FOUND: "parse and follow its rules",
    Availability.UNAVAILABLE: "allow all",
    Availability.UNREACHABLE: "complete disallow",
}
SIGNAL_CONSEQUENCES: Final[Mapping[Availability, str]] = {
    Availability.FOUND: "read its statements",
    Availability.UNAVAILABLE: "no statement",
    Availability.UNREACHABLE: "unknown for this mechanism, retry later",
    Availability.UNREADABLE: "unknown for the uses it governs until it can be read, retry later",
}
SIGNAL_CITES: Final[Mapping[Availability, str]] = {
    # Signal files borrow robots.txt's status table; their consequences are Heedful's
    # (docs/decisions.md): absent is no statement, unreachable is unknown until read.
    Availability.UNAVAILABLE: "RFC 9309 section 2.3.1.3, applied to signal files",
    Availability.UNREACHABLE: "docs/decisions.md, Each mechanism's own rules",
    Availability.UNREADABLE: "docs/decisions.md, Signal files that cannot be read",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """The meaning of one fetch of a site-level file, and one sentence saying why."""

    availability: Availability
    reason: str
    answered: bool = True
    """False when no HTTP response arrived at all (refused, timed out, no such host): the host
    itself failed, which a checker reports as ``failed`` rather than as a site's statement."""


def status_meaning(status: int) -> StatusMeaning:
    """The first :data:`STATUS_MEANINGS` row containing ``status`` (fail closed otherwise)."""
    for row in STATUS_MEANINGS:
        if status in row.statuses:
            return row
    return OTHER_STATUS


def robots_outcome(
    *,
    status: int | None,
    error: str = "",
    redirects: int = 0,
    truncated: bool = False,
    received: int = 0,
) -> Outcome:
    """What fetching ``/robots.txt`` means for access (RFC 9309 section 2.3.1).

    ``status`` is ``None`` when no response arrived (``error`` says why). A body cut at the size
    cap is still found: the RFC's limit means the first 500 KiB are parsed and the rest ignored
    (RFC 9309 section 2.5). Any other error after a 2xx (timeout, reset mid-body) is a truncated
    body, which RFC 9309 section 2.3.1.4 lists as unreachable.
    """
    return _outcome(
        "robots.txt",
        ROBOTS_CONSEQUENCES,
        {},
        status=status,
        error=error,
        redirects=redirects,
        truncated=truncated,
        received=received,
        limit=MAX_ROBOTS_PARSE_BYTES,
        unreadable_when_cut=False,
    )


def signal_file_outcome(
    *,
    status: int | None,
    error: str = "",
    redirects: int = 0,
    truncated: bool = False,
    name: str = "signal file",
    received: int = 0,
    limit: int = MAX_SIGNAL_BYTES,
) -> Outcome:
    """What fetching tdmrep.json, ai.txt or an RSL document means (docs/decisions.md, Each
    mechanism's own rules).

    Same status table as robots.txt; the consequences differ: a 4xx means the site makes no
    statement through that mechanism (TDMRep, section TDM File on the Origin Server: "does not
    implement"), while 5xx, 429 and
    network failures leave it unknown until a retry succeeds. A 2xx whose body was cut at
    ``limit`` (``truncated``, ``received`` bytes kept) or ended early (``error``) is unreadable:
    a file that could not be read is never "no statement" (docs/decisions.md, Signal files that
    cannot be read).
    """
    return _outcome(
        name,
        SIGNAL_CONSEQUENCES,
        SIGNAL_CITES,
        status=status,
        error=error,
        redirects=redirects,
        truncated=truncated,
        received=received,
        limit=limit,
        unreadable_when_cut=True,
    )


def malformed_outcome(*, name: str, status: int, problem: str) -> Outcome:
    """A signal file that arrived whole but that its reader could not read at all (``problem``
    says why): unreadable, like a cut one -- never "no statement" (docs/decisions.md, Signal
    files that cannot be read)."""
    availability = Availability.UNREADABLE
    return Outcome(
        availability=availability,
        reason=(
            f"{name} answered {status} but cannot be read ({problem}): {availability},"
            f" {SIGNAL_CONSEQUENCES[availability]} ({SIGNAL_CITES[availability]})"
        ),
    )


def _outcome(
    name: str,
    consequences: Mapping[Availability, str],
    cites: Mapping[Availability, str],
    *,
    status: int | None,
    error: str,
    redirects: int,
    truncated: bool,
    received: int,
    limit: int,
    unreadable_when_cut: bool,
) -> Outcome:
    def out(availability: Availability, what: str, cite: str, *, answered: bool = True) -> Outcome:
        return Outcome(
            availability=availability,
            reason=(
                f"{name} {what}: {availability}, {consequences[availability]}"
                f" ({cites.get(availability, cite)})"
            ),
            answered=answered,
        )

    if redirects > MAX_REDIRECTS:
        # RFC 9309 2.3.1.2 lets the crawler treat a longer chain as "unavailable" (allow all);
        # the reading that respects the creator is to fail closed (RFC 9309 section 2.3.1).
        return out(
            Availability.UNREACHABLE,
            f"took {redirects} redirects, more than {MAX_REDIRECTS}",
            "RFC 9309 2.3.1.2",
        )
    if status is None:
        return out(
            Availability.UNREACHABLE,
            f"could not be fetched ({error or 'no response'})",
            "RFC 9309 2.3.1.4",
            answered=False,
        )
    row = status_meaning(status)
    what = f"answered {status}"
    if redirects:
        what += f" after {redirects} redirect{'s' if redirects > 1 else ''}"
    if row.availability is Availability.FOUND:
        if error and not truncated and not unreadable_when_cut:
            return out(
                Availability.UNREACHABLE,
                f"{what} but the body did not arrive ({error})",
                "RFC 9309 2.3.1.4",
            )
        if truncated and unreadable_when_cut:
            return out(
                Availability.UNREADABLE,
                f"{what} but is larger than {limit} bytes; only {received} bytes were read",
                "",
            )
        if error and unreadable_when_cut:
            return out(
                Availability.UNREADABLE,
                f"{what} but the body was cut off after {received} bytes ({error})",
                "",
            )
        if truncated:
            return out(
                Availability.FOUND,
                f"{what}, larger than {limit} bytes: the first {limit} are parsed and the"
                " rest is ignored, as RFC 9309 section 2.5 allows",
                "RFC 9309 2.5",
            )
    elif row.statuses.start == 300 and error:
        what += f" ({error})"
    return out(row.availability, what, row.cite)


def next_hop(base_url: str, status: int, location: str | None, hops: int) -> str | None:
    """The absolute URL a redirect points to, or ``None`` when there is nothing to follow.

    ``None`` for non-redirect statuses, a missing or empty ``Location`` and a target that is
    not http(s); the caller then hands the 3xx to :func:`robots_outcome`, which fails closed.
    ``hops`` counts redirects already followed; the caller stops once it passes
    :data:`MAX_REDIRECTS` (it follows one more hop than the limit only to report the overrun).
    """
    if hops < 0:
        raise ValueError(f"hops must be >= 0, got {hops}")
    if status not in REDIRECT_STATUSES or not location or not location.strip():
        return None
    try:
        parts = urlsplit(urljoin(base_url, location.strip()))
    except ValueError:  # a Location the server mangled (e.g. "http://[::1") is not followed
        return None
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return parts._replace(fragment="").geturl()


_DIRECTIVE = re.compile(r"\s*([A-Za-z-]+)\s*(?:=\s*(\"[^\"]*\"|[^,]*))?\s*(?:,|$)")


def cache_lifetime(headers: Headers) -> int:
    """Seconds a site-level file stays fresh (RFC 9309 2.4, RFC 9111 4.2.1, 5.2.2).

    ``no-store``/``no-cache`` mean 0; otherwise the smaller of ``s-maxage`` and ``max-age``
    (the shorter lifetime re-reads the creator's wishes sooner), else ``Expires`` minus
    ``Date``; less ``Age``; capped at 24 hours, which is also the default when nothing is said.
    An unparsable or repeated-and-conflicting value counts as stale (RFC 9111 4.2.1).
    """
    directives: dict[str, list[str]] = {}
    for field in header_values(headers, "Cache-Control"):
        for match in _DIRECTIVE.finditer(field):
            if match.group(1):
                directives.setdefault(match.group(1).lower(), []).append(
                    (match.group(2) or "").strip().strip('"')
                )
    if "no-store" in directives or "no-cache" in directives:
        return 0
    ages = [directives[name] for name in ("s-maxage", "max-age") if name in directives]
    lifetime: int | None = None
    if ages:
        values = [_seconds(value) for values in ages for value in values]
        lifetime = min(values)
    else:
        lifetime = _expires_lifetime(headers)
    if lifetime is None:
        return MAX_CACHE_SECONDS
    age_values = header_values(headers, "Age")
    age = max(_seconds(age_values[0]), 0) if age_values else 0
    return max(0, min(lifetime - age, MAX_CACHE_SECONDS))


def _seconds(value: str) -> int:
    """A delta-seconds value; anything unparsable is 0 (stale), per RFC 9111 1.2.2."""
    value = value.strip()
    return int(value) if value.isdigit() and value.isascii() else 0


def _expires_lifetime(headers: Headers) -> int | None:
    expires = header_values(headers, "Expires")
    if not expires:
        return None
    dates = header_values(headers, "Date")
    try:
        until = parsedate_to_datetime(expires[0])
    except (TypeError, ValueError, IndexError):
        return 0  # RFC 9111 5.3: an invalid Expires (e.g. "0") means "already expired"
    if not dates:
        # Without the server's Date the lifetime needs a clock, which policies/ never reads.
        return None
    try:
        now = parsedate_to_datetime(dates[0])
        return int((until - now).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None


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


def page_access(status: int, headers: Headers, *, source: str) -> Statement | None:
    """A 401/402/403 answer as a statement about every use (docs/decisions.md, Access comes first).

    402, or 401/403 with ``WWW-Authenticate: License`` or an RSL ``Link`` (the RSL Crawler
    Authorization Protocol, RSL 1.0 sections 5-6), is a licence offer: every use needs the licence
    (9.1 calls a
    402 an offer, not a refusal); the offer points at the RSL document when one is linked.
    Without either, 401 and 403 are access controls Heedful never bypasses, so every use is
    denied. Any other status says nothing here (``None``).
    """
    if status not in STATUS_NAMES:
        return None
    challenges = [
        value
        for value in header_values(headers, "WWW-Authenticate")
        if _LICENSE_SCHEME.search(value)
    ]
    rule = f"HTTP {status} {STATUS_NAMES[status]}"
    link = rsl_link(headers, base=source)
    if status != 402 and not challenges and not link:
        return Statement(
            signal=Signal.HTTP_STATUS,
            source=source,
            location=f"status {status}",
            rule=rule,
            uses=dict.fromkeys(Use, Permission.DENY),
            note="an access control; Heedful never bypasses it (docs/decisions.md, Access comes first)",
        )
    price = next(iter(header_values(headers, "crawler-price")), "").strip()
    if price:
        rule += f", crawler-price: {price}"
    if challenges:
        rule += f", WWW-Authenticate: {challenges[0].strip()}"
    return Statement(
        signal=Signal.HTTP_STATUS,
        source=source,
        location=f"status {status}",
        rule=rule,
        uses=dict.fromkeys(Use, Permission.LICENSE),
        offer=LicenseOffer(
            url=link or source,
            payment="402" if status == 402 else "",
            amount=price,
        ),
        note="a licence is required before any use (RSL 1.0 sections 5-6; Cloudflare's pay per crawl documentation)",
    )
