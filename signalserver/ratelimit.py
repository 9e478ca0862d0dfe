"""Per-client rate limiting: one token bucket per remote address, in memory.

Only writes are limited (removal requests, logins, admin changes): reading the published files
must stay as cheap as serving a static file. The table of buckets is bounded; when full, the
least recently seen client is forgotten (which can only make the limiter more lenient).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

MAX_CLIENTS: Final = 10_000


class RateLimiter:
    """``burst`` requests at once, then ``per_minute`` requests per minute, per client."""

    def __init__(
        self,
        *,
        per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str) -> float:
        """Spend one token; 0.0 when allowed, else the seconds until one is available."""
        now = self._clock()
        tokens, seen = self._buckets.pop(client, (self._burst, now))
        tokens = min(self._burst, tokens + (now - seen) * self._rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self._rate
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > MAX_CLIENTS:
            self._buckets.popitem(last=False)
        return wait
