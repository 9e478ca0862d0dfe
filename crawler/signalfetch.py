"""Fetch one signal file through Scrapy's own downloader, bounded against hostile servers.

The request goes through ``crawler.engine.download_async`` at a high priority, marked with
:data:`POLICY_META` so Heedful's middleware lets it through (the documented way to download from
a downloader middleware without deadlock). Redirects are followed here, hop by hop, so the
RFC 9309 2.3.1.2 count and loops are visible to ``heedful.policies.fetch.outcomes``; retries are Heedful's
(after backoff, in the origin cache), not Scrapy's. Size and time are bounded per request:
``download_maxsize`` (which Scrapy also applies to the decompressed body, stopping compression
bombs), ``download_timeout`` for the whole download, and the body is cut at the parse limit.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http.request import NO_CALLBACK

from heedful.policies.fetch.redirects import MAX_REDIRECTS, next_hop
from heedful.policies.signals.read import FILE_LIMITS, LICENSE_LIMIT, SignalFile

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from heedful.crawler.settings import HeedfulConfig

log = logging.getLogger(__name__)

POLICY_META: Final = "heedful_policy_fetch"
"""Marks Heedful's own signal-file requests; it exists only to avoid deadlock (style.md C)."""
SIGNAL_PRIORITY: Final = 1000
IMAGES_RESERVED_META: Final = "heedful_images_reserved"
"""Set on a kept page's request when the page reserved its images (read by the spider)."""
FROM_PAGE_META: Final = "heedful_from_page"
"""Set on requests for a page's images: they are refused when that page reserved its images."""


def header_pairs(response: Response) -> tuple[tuple[str, str], ...]:
    """Scrapy's bytes headers as (name, value) text pairs, repeated fields kept."""
    return tuple(
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in response.headers.items()
        for value in values
    )


class ScrapyFetcher:
    """``await fetcher(url, extra_headers)`` -> :class:`SignalFile`; never raises."""

    def __init__(self, crawler: Crawler, config: HeedfulConfig) -> None:
        self._crawler = crawler
        self._config = config

    def _limit(self, url: str) -> int:
        """The reader's own limit for this file (policies.site.FILE_LIMITS), or the configured one
        when that is larger."""
        own = FILE_LIMITS.get(urlsplit(url).path, LICENSE_LIMIT)
        return max(self._config.max_signal_bytes, own)

    def _request(self, url: str, headers: Mapping[str, str], limit: int) -> Request:
        return Request(
            url,
            headers={"User-Agent": self._config.user_agent, **headers},
            priority=SIGNAL_PRIORITY,
            callback=NO_CALLBACK,
            dont_filter=True,
            meta={
                POLICY_META: True,
                "dont_redirect": True,
                "dont_retry": True,
                "dont_cache": True,
                "dont_merge_cookies": True,
                "handle_httpstatus_all": True,
                # Large enough to see the file is over its limit and keep the first ``limit``
                # bytes, which a TDMRep file is still read from (policies.site).
                "download_maxsize": max(self._config.signal_download_maxsize, 2 * limit),
                "download_warnsize": max(self._config.signal_download_maxsize, 2 * limit),
                "download_timeout": self._config.fetch_timeout,
                # A body cut short is kept and flagged, not raised: a TDMRep file is still read
                # from the rules that arrived whole (policies.site).
                "download_fail_on_dataloss": False,
            },
        )

    async def __call__(self, url: str, headers: Mapping[str, str]) -> SignalFile:
        engine = self._crawler.engine
        assert engine is not None
        current, hops, seen = url, 0, {url}
        limit = self._limit(url)
        while True:
            try:
                response = await engine.download_async(self._request(current, headers, limit))
            except Exception as exc:  # noqa: BLE001 -- every failure is data (unreachable)
                return SignalFile(
                    url=current, status=None, error=f"{type(exc).__name__}: {exc}", redirects=hops
                )
            location = response.headers.get(b"Location")
            target = next_hop(
                current,
                response.status,
                location.decode("latin-1") if location else None,
                hops,
            )
            if target is None or hops >= MAX_REDIRECTS or target in seen:
                error = ""
                if target is not None:
                    hops += 1
                    error = "redirect loop" if target in seen else "too many redirects"
                body = response.body
                if "dataloss" in response.flags:
                    error = f"body ended early after {len(body)} bytes"
                return SignalFile(
                    url=response.url,
                    status=response.status,
                    headers=header_pairs(response),
                    body=body[:limit],
                    truncated=len(body) > limit,
                    redirects=hops,
                    error=error,
                )
            hops += 1
            seen.add(target)
            current = target
            headers = {}  # validators belong to the first URL only
