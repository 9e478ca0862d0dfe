"""The fixture sites as data: one entry in :data:`SITES` per site.

Each site is a tuple of :class:`Page` rows. ``{base}`` in a body or header value becomes the
site's own base URL (``http://127.0.0.1:PORT``) when served, because robots.txt, RSL and TDMRep
name absolute URLs on their own origin. Behaviours other than ``static`` are the hostile ones
:mod:`heedful.demo.sites` implements in code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

HTML: Final = "text/html; charset=utf-8"
TEXT: Final = "text/plain; charset=utf-8"
JSON: Final = "application/json"
JPEG: Final = "image/jpeg"


def _tiny_jpeg() -> bytes:
    """A valid 1x1 grey baseline JPEG: one DC coefficient of 0, one-code Huffman tables."""
    quant = b"\xff\xdb\x00\x43\x00" + b"\x01" * 64
    frame = b"\xff\xc0\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00"
    one_code = b"\x01" + bytes(15) + b"\x00"  # one code of length 1, for symbol 0
    huffman = b"\xff\xc4\x00\x14\x00" + one_code + b"\xff\xc4\x00\x14\x10" + one_code
    scan = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x3f"  # DC 0, EOB, 1-padding
    return b"\xff\xd8" + quant + frame + huffman + scan + b"\xff\xd9"


PHOTO: Final = _tiny_jpeg()


class Behaviour(StrEnum):
    """How a page misbehaves; ``static`` pages just answer."""

    STATIC = "static"
    STALL_HEADERS = "stall-headers"
    """Sleep before sending anything."""
    STALL_BODY = "stall-body"
    """Send headers and a first byte, then sleep."""
    RESET = "reset"
    """Abort the connection without answering."""
    GZIP_BOMB = "gzip-bomb"
    """100 MB of zeros, gzip-compressed, with ``Content-Encoding: gzip``."""
    ENDLESS = "endless"
    """Stream text forever."""
    BIG_HEADERS = "big-headers"
    """A 64 KiB header field."""
    CUT = "cut"
    """Promise the whole body in ``Content-Length``, send the first half, close the connection."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Page:
    """One path of a site and what it answers."""

    path: str
    status: int = 200
    body: str | bytes = ""
    content_type: str = HTML
    headers: tuple[tuple[str, str], ...] = ()
    behaviour: Behaviour = Behaviour.STATIC


def html(title: str, body: str, *, head: str = "") -> str:
    """A small, realistic HTML document."""
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n{head}</head>\n<body>\n<h1>{title}</h1>\n{body}\n</body>\n"
        "</html>\n"
    )


def pages(
    site: str,
    *,
    head: str = "",
    headers: tuple[tuple[str, str], ...] = (),
    image_headers: tuple[tuple[str, str], ...] = (),
) -> tuple[Page, ...]:
    """The index, two articles and a photo every site has; ``head``/``headers`` on each page."""
    index = html(
        f"{site}: home",
        '<ul>\n<li><a href="/articles/1">First article</a></li>\n'
        '<li><a href="/articles/2">Second article</a></li>\n</ul>\n'
        '<img src="/images/photo.jpg" alt="A photo">',
        head=head,
    )

    def article(n: int) -> Page:
        text = f"<p>Article {n} of the {site} demo site, written by a person.</p>"
        doc = html(f"{site}: article {n}", text, head=head)
        return Page(path=f"/articles/{n}", body=doc, headers=headers)

    return (
        Page(path="/", body=index, headers=headers),
        article(1),
        article(2),
        Page(path="/images/photo.jpg", body=PHOTO, content_type=JPEG, headers=image_headers),
    )


def text(path: str, body: str, *, status: int = 200) -> Page:
    """A plain-text file such as robots.txt or ai.txt."""
    return Page(path=path, body=body, content_type=TEXT, status=status)


def redirects(first: str, target: str, hops: int) -> tuple[Page, ...]:
    """``first`` -> /hop/<first>/1 -> ... -> ``target``: exactly ``hops`` redirects."""
    chain = [first, *(f"/hop{first}/{n}" for n in range(1, hops))]
    return tuple(
        Page(path=here, status=302, headers=(("Location", there),), content_type=TEXT)
        for here, there in zip(chain, [*chain[1:], target], strict=True)
    )


ALLOW_ALL_ROBOTS: Final = "User-agent: *\nAllow: /\n"
AI_BOTS: Final = ("GPTBot", "ClaudeBot", "CCBot", "Google-Extended", "HeedfulBot")
RSL_LINK: Final = '<{base}/license.xml>; rel="license"; type="application/rsl+xml"'
RSL_DOC: Final = """<?xml version="1.0" encoding="UTF-8"?>
<rsl xmlns="https://rslstandard.org/rsl">
  <content url="/" server="{base}/license-server">
    <license>
      <permits type="usage">ai-input ai-train</permits>
      <payment type="crawl"><amount currency="USD">0.01</amount></payment>
    </license>
  </content>
  <content url="/">
    <license>
      <permits type="usage">search</permits>
      <payment type="free"/>
    </license>
  </content>
</rsl>
"""
TDM_POLICY: Final = """{
  "@context": ["http://www.w3.org/ns/odrl.jsonld", {"tdm": "http://www.w3.org/ns/tdmrep#"}],
  "@type": "Offer",
  "profile": "http://www.w3.org/ns/tdmrep",
  "uid": "{base}/tdm-policy.json",
  "assigner": {"uid": "{base}/", "vcard:fn": "TDMRep demo publisher",
               "vcard:hasEmail": "mailto:licensing@example.org"},
  "permission": [{"target": "{base}/", "action": "tdm:mine",
                  "duty": [{"action": "compensate"}]}]
}
"""
OVERSIZE_PAD: Final = 600 * 1024
"""Bytes of comment lines before ``Disallow: /secret`` in ``oversize-robots`` (cap: 500 KiB)."""


def oversize_robots() -> str:
    """Allow-all, padded with comments so the ``Disallow: /secret`` line lies past the cap.

    RFC 9309 2.5 lets a crawler ignore what follows its parsing limit; the line after it is
    therefore not a rule, and the truncation is reported (RFC 9309 section 2.5).
    """
    line = "# padding: this robots.txt is deliberately larger than the 500 KiB parsing limit\n"
    pad = line * (OVERSIZE_PAD // len(line))
    return f"User-agent: *\nAllow: /\n{pad}Disallow: /secret\n"


OVERSIZE_TDMREP_BYTES: Final = 1_100_000
"""Size of ``tdmrep-oversize``'s file: more than twice the 500 KiB reading limit."""


def oversize_tdmrep() -> str:
    """A 1.1 MB tdmrep.json whose first rule reserves every path, then thousands of others.

    The file is cut at the reading limit, and the first rule arrives whole before the cut: the
    first match wins (TDMRep, section TDM File on the Origin Server), so it still reserves every
    page, whatever the rest of the file would have said.
    """
    first = '[{"location": "/*", "tdm-reservation": 1}'
    rule = ',\n {"location": "/archive/%d/*", "tdm-reservation": 0}'
    rules = [first]
    size = len(first)
    number = 0
    while size < OVERSIZE_TDMREP_BYTES:
        rules.append(rule % number)
        size += len(rules[-1])
        number += 1
    return "".join(rules) + "]\n"


def hostile_page(path: str, behaviour: Behaviour) -> Page:
    return Page(path=path, behaviour=behaviour, content_type=TEXT)


SITES: Final[Mapping[str, tuple[Page, ...]]] = MappingProxyType(
    {
        "allow-all": (
            text(
                "/robots.txt",
                "User-agent: *\nAllow: /\nContent-Usage: train-ai=y, search=y\n"
                "Content-Signal: ai-train=yes, search=yes, ai-input=yes\n",
            ),
            Page(
                path="/.well-known/tdmrep.json",
                body='[{"location": "/", "tdm-reservation": 0}]\n',
                content_type=JSON,
            ),
            text("/ai.txt", "# Spawning AI\nUser-Agent: *\nAllow: /\n"),
            *pages(
                "allow-all",
                headers=(("Content-Usage", "train-ai=y, search=y"), ("tdm-reservation", "0")),
            ),
        ),
        "optout-robots": (
            text(
                "/robots.txt",
                "".join(f"User-agent: {bot}\nDisallow: /\n\n" for bot in AI_BOTS)
                + ALLOW_ALL_ROBOTS,
            ),
            *pages("optout-robots"),
        ),
        "tdmrep-reserved": (
            text("/robots.txt", ALLOW_ALL_ROBOTS),
            Page(
                path="/.well-known/tdmrep.json",
                body='[{"location": "/", "tdm-reservation": 1, '
                '"tdm-policy": "{base}/tdm-policy.json"}]\n',
                content_type=JSON,
            ),
            Page(path="/tdm-policy.json", body=TDM_POLICY, content_type="application/ld+json"),
            # The header on a response supersedes the site file (TDMRep, section Processing
            # priority).
            Page(
                path="/open/",
                body=html("tdmrep-reserved: open data", "<p>Free to mine.</p>"),
                headers=(("tdm-reservation", "0"),),
            ),
            *pages("tdmrep-reserved"),
        ),
        "content-usage": (
            text(
                "/robots.txt",
                "User-agent: *\nAllow: /\nContent-Signal: search=yes, ai-train=no\n",
            ),
            Page(
                path="/ok/",
                body=html("content-usage: training welcome", "<p>Train on this page.</p>"),
                headers=(("Content-Usage", "train-ai=y"),),
            ),
            *pages("content-usage", headers=(("Content-Usage", "train-ai=n, search=y"),)),
        ),
        "rsl-paid": (
            text("/robots.txt", ALLOW_ALL_ROBOTS + "License: {base}/license.xml\n"),
            Page(path="/license.xml", body=RSL_DOC, content_type="application/rsl+xml"),
            Page(
                path="/paywalled",
                status=402,
                body=html("rsl-paid: payment required", "<p>A licence is required.</p>"),
                headers=(
                    ("crawler-price", "USD 0.02"),
                    ("WWW-Authenticate", "License"),
                    ("Link", RSL_LINK),
                ),
            ),
            *pages("rsl-paid", headers=(("Link", RSL_LINK),)),
        ),
        "noai-meta": (
            text("/robots.txt", ALLOW_ALL_ROBOTS),
            *pages(
                "noai-meta",
                head='<meta name="robots" content="noai, noimageai">\n',
                image_headers=(("X-Robots-Tag", "noimageai"),),
            ),
            Page(
                path="/tagged/heedfulbot",
                body=html("noai-meta: tagged for HeedfulBot", "<p>Not for HeedfulBot's AI.</p>"),
                headers=(("X-Robots-Tag", "heedfulbot: noai"),),
            ),
            Page(
                path="/tagged/otherbot",
                body=html("noai-meta: tagged for OtherBot", "<p>Not for OtherBot's AI.</p>"),
                headers=(("X-Robots-Tag", "otherbot: noai"),),
            ),
        ),
        "robots-5xx": (
            text("/robots.txt", "Service temporarily unavailable\n", status=503),
            *pages("robots-5xx"),
        ),
        "soft404-aitxt": (
            text("/robots.txt", ALLOW_ALL_ROBOTS),
            # A "soft 404": status 200 but an HTML error page (docs/crawler.md).
            Page(path="/ai.txt", body=html("Page not found", "<p>Sorry, nothing here.</p>")),
            *pages("soft404-aitxt"),
        ),
        "aitxt-images": (
            text("/robots.txt", ALLOW_ALL_ROBOTS),
            text(
                "/ai.txt",
                "# Spawning AI\n# Prevent datasets from using the following file types\n\n"
                "User-Agent: *\nDisallow: *.jpg\nDisallow: *.png\nAllow: /\n",
            ),
            *pages("aitxt-images"),
        ),
        "removals": (
            text("/robots.txt", ALLOW_ALL_ROBOTS),
            # A creator's approved removal request, as the signal server publishes it.
            Page(
                path="/.well-known/heedful/removals.json",
                body='{"version": 1, "generated": "2026-11-25T00:00:00Z", "removals": '
                '[{"url": "{base}/articles/2", "prefix": false, '
                '"approved_at": "2026-11-24T09:30:00Z"}]}',
                content_type="application/json",
            ),
            *pages("removals"),
        ),
        "oversize-robots": (
            text("/robots.txt", oversize_robots()),
            Page(path="/secret", body=html("oversize-robots: secret", "<p>Past the cap.</p>")),
            *pages("oversize-robots"),
        ),
        "tdmrep-oversize": (
            text("/robots.txt", ALLOW_ALL_ROBOTS),
            Page(path="/.well-known/tdmrep.json", body=oversize_tdmrep(), content_type=JSON),
            *pages("tdmrep-oversize"),
        ),
        "tdmrep-broken": (
            text("/robots.txt", ALLOW_ALL_ROBOTS),
            # Valid JSON, but an object where TDMRep asks for an array of rules: nothing can be
            # read from it, and that is not "no reservation".
            Page(
                path="/.well-known/tdmrep.json",
                body='{"location": "/", "tdm-reservation": 1}\n',
                content_type=JSON,
            ),
            *pages("tdmrep-broken"),
        ),
        "tdmrep-cut": (
            text("/robots.txt", ALLOW_ALL_ROBOTS),
            # The connection closes halfway through: the first rule arrived whole and reserves
            # /articles/; nothing that arrived speaks about /open/.
            Page(
                path="/.well-known/tdmrep.json",
                body='[{"location": "/articles/*", "tdm-reservation": 1},\n'
                ' {"location": "/*", "tdm-reservation": 1,'
                ' "tdm-policy": "{base}/policies/text-and-data-mining/licence-terms.json"}]\n',
                content_type=JSON,
                behaviour=Behaviour.CUT,
            ),
            Page(path="/open/", body=html("tdmrep-cut: open", "<p>Open?</p>")),
            *pages("tdmrep-cut"),
        ),
        "page-errors": (
            text("/robots.txt", ALLOW_ALL_ROBOTS),
            Page(path="/gone", status=404, body=html("Not found", "<p>No such page.</p>")),
            Page(path="/busy", status=503, body=html("Busy", "<p>Try again later.</p>")),
            *pages("page-errors"),
        ),
        "redirect-chain": (
            # Six redirects before the file: one more than RFC 9309 2.3.1.2's five -> fail closed.
            *redirects("/robots.txt", "/real-robots.txt", 6),
            text("/real-robots.txt", ALLOW_ALL_ROBOTS),
            # Five redirects: within the limit, so the file is found.
            *redirects("/five", "/real-robots.txt", 5),
            Page(path="/no-location", status=301, content_type=TEXT),
            *pages("redirect-chain"),
        ),
        "hostile": (
            hostile_page("/robots.txt", Behaviour.STALL_HEADERS),
            hostile_page("/stall-body", Behaviour.STALL_BODY),
            hostile_page("/reset", Behaviour.RESET),
            hostile_page("/gzip-bomb", Behaviour.GZIP_BOMB),
            hostile_page("/endless", Behaviour.ENDLESS),
            hostile_page("/ai.txt", Behaviour.ENDLESS),
            hostile_page("/big-headers", Behaviour.BIG_HEADERS),
            Page(path="/loop", status=302, headers=(("Location", "/loop"),), content_type=TEXT),
            Page(
                path="/bad-bytes",
                body=b"<!doctype html><html><head><title>\xff\xfe bad \x00 bytes</title></head>"
                b'<body><p>\xc3\x28 \xa0\xa1 \x00\x00 \xed\xa0\x80</p><meta name="robots" '
                b'content="noai"></body></html>\n',
            ),
            *pages("hostile"),
        ),
    }
)
"""Every fixture site by name; adding a site is one entry."""
