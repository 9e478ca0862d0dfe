"""Registrable domains for grouping: the Public Suffix List bundled with tldextract, never a
download (``suffix_list_urls=()``, no cache directory), so reports are reproducible offline.

IP addresses and single-label hosts (``127.0.0.1``, ``localhost``) have no public suffix: the
host itself is the domain. Private suffixes (``github.io``) are not split further, as in the
EU template's count of domains by name.
"""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import urlsplit

import tldextract

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


@functools.lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """``www.bbc.co.uk`` -> ``bbc.co.uk``; an IP address or ``localhost`` -> itself."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if not host:
        return ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return host
    result = _EXTRACT(host)
    if not result.suffix or not result.domain:
        return host
    return f"{result.domain}.{result.suffix}"


def domain_of(url: str) -> str:
    return registrable_domain(host_of(url))
