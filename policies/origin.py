"""An origin, written one way: the scope of robots.txt, tdmrep.json, ai.txt and the removals list.

RFC 9309 section 2.3 scopes robots.txt to one origin (scheme, host and port, RFC 6454 section
4), and Heedful scopes every site-level file the same way. Every package that groups URLs by
origin -- the checker, the signal server, the crawler -- asks this module, so two spellings of
one origin (``HTTPS://Example.COM:443`` and ``https://example.com``) share one set of files:

* scheme and host lower-cased (RFC 3986 section 6.2.2.1), the host's trailing root dot dropped
  (``example.com.`` names the same DNS name);
* an internationalised host written as its A-label (``bücher.example`` ->
  ``xn--bcher-kva.example``, RFC 5890 section 2.3.2.1), the form that goes on the wire;
* the scheme's default port dropped (RFC 3986 section 6.2.3); userinfo, path, query and fragment
  are not part of an origin.
"""

from __future__ import annotations

from typing import Final, NamedTuple
from urllib.parse import urlsplit

from policies.urlpath import hides_dot_segment

DEFAULT_PORTS: Final = {"http": 80, "https": 443}
"""The schemes whose origins Heedful reads, with their default ports (RFC 9110 sections 4.2.1-2)."""


class BadURL(ValueError):
    """A URL Heedful cannot fetch or decide (not absolute http or https, or ambiguous)."""


class Origin(NamedTuple):
    """``(scheme, host, port)`` with the port always filled in, for comparing origins."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        default = DEFAULT_PORTS[self.scheme] == self.port
        return f"{self.scheme}://{shown}" + ("" if default else f":{self.port}")


def parse_origin(url: str) -> Origin:
    """The origin of an absolute http(s) URL; :class:`BadURL` for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # an unbalanced IPv6 bracket, a port that is no number or out of range
        raise BadURL(f"not an absolute http(s) URL: {url!r}") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in DEFAULT_PORTS or not host:
        raise BadURL(f"not an absolute http(s) URL: {url!r}")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise BadURL(
                f"not an absolute http(s) URL: {url!r} (host is no valid IDNA name)"
            ) from None
    return Origin(scheme, host, port if port is not None else DEFAULT_PORTS[scheme])


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, written one way (see the module docstring)."""
    return str(parse_origin(url))


def page_origin(url: str) -> str:
    """The origin of a URL Heedful is asked to decide; :class:`BadURL` when no decision for it
    could be trusted.

    docs/decisions.md, Paths are normalised once: a path that hides a dot segment behind an
    encoded slash or a backslash names a page that depends on the server, so it is refused.
    """
    origin = origin_of(url)
    if hides_dot_segment(url):
        raise BadURL(
            f"{url} hides a dot segment behind an encoded slash or a backslash; servers"
            " disagree on which page it names (RFC 3986 sections 2.2, 5.2.4)"
        )
    return origin


def same_origin(url: str, origin: str) -> bool:
    """Whether ``url`` belongs to ``origin`` (both read by :func:`parse_origin`)."""
    try:
        return parse_origin(url) == parse_origin(origin)
    except BadURL:
        return False
