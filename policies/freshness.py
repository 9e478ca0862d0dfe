"""How long a site-level file stays fresh, and how long a 429 or 503 asks to wait.

RFC 9309 section 2.4 (at most 24 hours), RFC 9111 (Cache-Control, Expires, Age), RFC 9110
section 10.2.3 (Retry-After). The core reads no clock: dates count from the response's ``Date``.
"""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from typing import Final

from policies.headers import Headers, header_values

MAX_CACHE_SECONDS: Final = 24 * 3600
"""RFC 9309 2.4: a cached robots.txt SHOULD NOT be used for more than 24 hours."""

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


RETRY_AFTER_STATUSES: Final = frozenset({429, 503})
"""The statuses whose ``Retry-After`` says how long to wait (RFC 9110 section 10.2.3; RFC 6585
section 4)."""


def retry_after(status: int | None, headers: Headers) -> int | None:
    """Seconds a 429 or 503 asks the client to wait before it asks again, or ``None``.

    ``Retry-After`` is delta-seconds or an HTTP-date (RFC 9110 section 10.2.3); a date counts from
    the response's own ``Date`` (the core reads no clock), and without one it is not used. At most
    :data:`MAX_CACHE_SECONDS`: a longer wait is still honoured by failing closed for that long.
    """
    if status not in RETRY_AFTER_STATUSES:
        return None
    values = header_values(headers, "Retry-After")
    if not values:
        return None
    value = values[0].strip()
    if value.isdigit() and value.isascii():
        return min(int(value), MAX_CACHE_SECONDS)
    dates = header_values(headers, "Date")
    try:
        until = parsedate_to_datetime(value)
        now = parsedate_to_datetime(dates[0]) if dates else None
    except (TypeError, ValueError, IndexError):
        return None
    if now is None:
        return None
    return max(0, min(int((until - now).total_seconds()), MAX_CACHE_SECONDS))


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
