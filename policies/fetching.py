"""What fetching a site-level file means: found, unavailable, unreachable or unreadable, and why.

The adapter (``heedful.fetch``, the crawler) reports what happened on the wire: a status or a
network error, how many redirects it followed, whether the body was cut at the size cap. This
module says what that means for robots.txt and for the signal files (style.md B.1):

* robots.txt: 2xx found; 4xx "unavailable" (allow all); 5xx and network failures "unreachable"
  (complete disallow) -- RFC 9309 sections 2.3.1.1-2.3.1.4.
* Site-level signal files (tdmrep.json, ai.txt, RSL): 4xx means "no statement"; 5xx, 429 and
  network failures mean "unknown for that mechanism, retry later" (docs/decisions.md, Each
  mechanism's own rules). A 2xx whose body was cut (over the size limit, or ended early) is
  "unreadable": never "no statement", the uses it governs stay unknown until it can be read.

The neighbouring ideas live in their own modules and are re-exported here, so existing imports
keep working: the status table (``policies.statuses``), redirects (``policies.redirects``),
freshness and ``Retry-After`` (``policies.freshness``), and what a content response's status
says, 401/402/403 included (``policies.page_access``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from policies.freshness import (
    MAX_CACHE_SECONDS,
    RETRY_AFTER_STATUSES,
    cache_lifetime,
    retry_after,
)
from policies.page_access import STATUS_NAMES, page_access, page_failure, rsl_link
from policies.redirects import MAX_REDIRECTS, REDIRECT_STATUSES, next_hop
from policies.statuses import (
    OTHER_STATUS,
    STATUS_MEANINGS,
    Availability,
    StatusMeaning,
    status_meaning,
)

__all__ = [
    "MAX_CACHE_SECONDS",
    "MAX_REDIRECTS",
    "MAX_ROBOTS_PARSE_BYTES",
    "MAX_SIGNAL_BYTES",
    "OTHER_STATUS",
    "REDIRECT_STATUSES",
    "RETRY_AFTER_STATUSES",
    "ROBOTS_CONSEQUENCES",
    "SIGNAL_CITES",
    "SIGNAL_CONSEQUENCES",
    "STATUS_MEANINGS",
    "STATUS_NAMES",
    "Availability",
    "Outcome",
    "StatusMeaning",
    "cache_lifetime",
    "malformed_outcome",
    "next_hop",
    "page_access",
    "page_failure",
    "retry_after",
    "robots_outcome",
    "rsl_link",
    "signal_file_outcome",
    "status_meaning",
]

MAX_SIGNAL_BYTES: Final = 500 * 1024
"""RFC 9309 2.5: the parsing limit MUST be at least 500 KiB. Also the limit of tdmrep.json,
ai.txt and RSL documents, whose specifications set none (docs/decisions.md, Signal files that
cannot be read, gives the reasons)."""
MAX_ROBOTS_PARSE_BYTES: Final = MAX_SIGNAL_BYTES
"""RFC 9309 2.5: robots.txt is parsed up to this many bytes and the rest ignored."""

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
