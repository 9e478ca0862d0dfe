"""What an HTTP status means for a site-level file: the RFC 9309 access results, as a table.

RFC 9309 sections 2.3.1.1-2.3.1.4: 2xx found, 4xx "unavailable", 5xx and network failures
"unreachable"; Heedful adds ``unreadable`` for signal files whose body could not be read whole.
The code, the docs and the tests read the same table (:data:`STATUS_MEANINGS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


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


def status_meaning(status: int) -> StatusMeaning:
    """The first :data:`STATUS_MEANINGS` row containing ``status`` (fail closed otherwise)."""
    for row in STATUS_MEANINGS:
        if status in row.statuses:
            return row
    return OTHER_STATUS
