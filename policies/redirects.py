"""Redirects: which statuses are followed, where to, and how many times (RFC 9309 2.3.1.2)."""

from __future__ import annotations

from typing import Final
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS: Final = 5
"""RFC 9309 2.3.1.2: follow at least five consecutive redirects."""

REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
"""The statuses whose ``Location`` is followed (RFC 9110 15.4); 300 and 304 are not redirects."""


def next_hop(base_url: str, status: int, location: str | None, hops: int) -> str | None:
    """The absolute URL a redirect points to, or ``None`` when there is nothing to follow.

    ``None`` for non-redirect statuses, a missing or empty ``Location`` and a target that is
    not http(s); the caller then hands the 3xx to ``policies.fetching.robots_outcome``, which
    fails closed.
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
