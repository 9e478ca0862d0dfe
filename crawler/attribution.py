"""Who made a kept page and under which licence: author, rights holder, licence URL, copyright.

Read from the page itself with extruct: JSON-LD (schema.org ``author``/``creator``,
``copyrightHolder``/``publisher``, ``license``, ``copyrightNotice``/``creditText``), OpenGraph
(``article:author``, ``book:author``, ``article:publisher``), Dublin Core (``DC.creator``,
``DC.rights``, ``dcterms.rightsHolder``, ``dcterms.license``, as ``<meta>`` or ``<link>``),
``<meta name=author>``/``<meta name=copyright>`` and ``rel=license`` links. The first value
found in that order wins per field; an unreadable page gives an empty record.

:func:`licence_entries` is the other half: the licence terms the site's files (RSL, TDMRep)
attached to the decision, free ones included, as the ledger's ``license`` column stores them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urljoin

from lxml import html as lxml_html  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from heedful.policies.html import HtmlHead
    from heedful.policies.model import Decision

log = logging.getLogger(__name__)

SYNTAXES: Final = ["json-ld", "opengraph", "dublincore"]
FIELDS: Final = ("author", "rights_holder", "license_url", "copyright")
STRUCTURED_MARKERS: Final = re.compile(rb"ld\+json|\b(?:og|article|book):|\bdc\.|\bdcterms\.")
"""Without any of these (in the lower-cased page) extruct would find nothing, so it is skipped."""
_MARKER_TEXTS: Final = (b"ld+json", b"og:", b"article:", b"book:", b"dc.", b"dcterms.")
"""The literal parts of :data:`STRUCTURED_MARKERS`: a page with none of them has no marker,
which substring search finds far faster than trying the pattern at every byte."""
_HEAD_END: Final = re.compile(rb"<body|</head", re.IGNORECASE)
_LATER_ELEMENT: Final = re.compile(rb"<(?:meta|link)[\s/>]", re.IGNORECASE)
_ANCHOR_REL: Final = re.compile(rb"<a\s[^>]*?\brel\s*=", re.IGNORECASE)
_JSONLD_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "author": ("author", "creator"),
    "rights_holder": ("copyrightHolder", "publisher"),
    "license_url": ("license",),
    "copyright": ("copyrightNotice", "creditText"),
}
_OPENGRAPH_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "author": ("article:author", "book:author"),
    "rights_holder": ("article:publisher",),
}
_DUBLIN_CORE: Final[Mapping[str, str]] = {
    "creator": "author",
    "rightsholder": "rights_holder",
    "rights": "copyright",
    "license": "license_url",
}
"""Dublin Core element or term (``DC.creator``, ``dcterms.license``: the part after the last
dot, as extruct reads it) to field."""


def _name(value: Any) -> str:
    """A person/organisation given as a string, an object with ``name`` or ``@id``, or a list."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):
        return _name(value.get("name") or value.get("url") or value.get("@id") or "")
    if isinstance(value, list):
        return ", ".join(filter(None, (_name(v) for v in value)))
    return ""


def _link(value: Any) -> str:
    """A licence given as a URL, a ``CreativeWork`` with ``url``/``@id``, or a list (first)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):
        return _link(value.get("url") or value.get("@id") or value.get("name") or "")
    if isinstance(value, list):
        return next(filter(None, (_link(v) for v in value)), "")
    return ""


def _walk_jsonld(items: Iterable[Any]) -> Iterable[Mapping[str, Any]]:
    for item in items:
        if isinstance(item, Mapping):
            yield item
            graph = item.get("@graph")
            if isinstance(graph, list):
                yield from _walk_jsonld(graph)
        elif isinstance(item, list):
            yield from _walk_jsonld(item)


def has_structured_data(body: bytes) -> bool:
    """Whether the page may carry JSON-LD, OpenGraph or Dublin Core (case-insensitive)."""
    lowered = body.lower()
    return any(text in lowered for text in _MARKER_TEXTS) and bool(
        STRUCTURED_MARKERS.search(lowered)
    )


def _from_head(body: bytes, url: str, head: HtmlHead | None) -> dict[str, str] | None:
    """The same fields from the ``<head>`` the policy already read, when nothing else can say
    them: no structured data, no ``<meta>``/``<link>`` after the head, no ``<a rel>`` anywhere.

    Saves an lxml parse of every kept page (issue 4 section 6); ``None`` means "parse it".
    The byte checks only look for more places to read, so any doubt falls back to lxml.
    """
    if head is None or head.truncated or has_structured_data(body):
        return None
    end = _HEAD_END.search(body)
    if end is None or _LATER_ELEMENT.search(body, end.start()) or _ANCHOR_REL.search(body):
        return None
    out = dict.fromkeys(FIELDS, "")
    for meta in head.metas:
        if meta.name == "author" and not out["author"]:
            out["author"] = meta.content.strip()
        elif meta.name == "copyright" and not out["copyright"]:
            out["copyright"] = meta.content.strip()
    for link in head.links:
        if "license" in link.rel.split() and not out["license_url"]:
            out["license_url"] = urljoin(url, link.href)
    return out


def extract_attribution(body: bytes, url: str, *, head: HtmlHead | None = None) -> dict[str, str]:
    """The attribution fields of an HTML page (empty strings for what it does not say).

    ``head`` is the page's head as ``heedful.policies.html.parse_html_head`` read it, when the caller
    has it: a page whose head says everything is then not parsed again."""
    out = dict.fromkeys(FIELDS, "")
    if not body:
        return out
    quick = _from_head(body, url, head)
    if quick is not None:
        return quick
    try:
        tree = lxml_html.fromstring(body)
        data: dict[str, Any] = {}
        if has_structured_data(body):
            import extruct  # type: ignore[import-untyped]  # only structured pages pay for it

            data = extruct.extract(tree, base_url=url, syntaxes=SYNTAXES, uniform=True)
    except Exception as exc:  # noqa: BLE001 -- untrusted HTML must never stop a crawl
        log.debug("attribution: %s unreadable: %s", url, exc)
        return out

    def fill(field: str, value: str) -> None:
        if value and not out[field]:
            out[field] = value

    for obj in _walk_jsonld(data.get("json-ld", [])):
        for field, keys in _JSONLD_KEYS.items():
            for key in keys:
                value = obj.get(key)
                if field == "license_url":
                    link = _link(value)
                    fill(field, urljoin(url, link) if link else "")
                else:
                    fill(field, _name(value))
    for obj in data.get("opengraph", []):
        if isinstance(obj, Mapping):
            for field, keys in _OPENGRAPH_KEYS.items():
                for key in keys:
                    fill(field, _name(obj.get(key)))
    for obj in data.get("dublincore", []):
        if not isinstance(obj, Mapping):
            continue
        for element in [*obj.get("elements", []), *obj.get("terms", [])]:
            name = str(element.get("name") or element.get("rel") or "")
            target = _DUBLIN_CORE.get(name.rpartition(".")[2].lower())
            value = str(element.get("content") or element.get("href") or "").strip()
            if target == "license_url" and value:
                value = urljoin(url, value)
            if target is not None:
                fill(target, value)
    for meta in tree.iterfind(".//meta"):
        if str(meta.get("name", "")).strip().lower() == "author":
            fill("author", str(meta.get("content", "")).strip())
        elif str(meta.get("name", "")).strip().lower() == "copyright":
            fill("copyright", str(meta.get("content", "")).strip())
    for link in tree.iterfind(".//link"):
        if "license" in str(link.get("rel", "")).lower().split():
            fill("license_url", urljoin(url, str(link.get("href", "")).strip()))
    for anchor in tree.iterfind(".//a[@rel]"):
        if "license" in str(anchor.get("rel", "")).lower().split():
            fill("license_url", urljoin(url, str(anchor.get("href", "")).strip()))
    return out


def licence_entries(decision: Decision) -> list[dict[str, str]]:
    """The ledger's ``license`` list for a kept item: the free licences its use was taken under
    (``Decision.terms``: an RSL permit's credit, copyright and terms), the offers, and the TDMRep
    ``tdm-policy`` that spoke about it."""
    entries = [terms.as_dict() for terms in decision.terms]
    entries.extend(offer.as_dict() for offer in decision.offers)
    entries.extend(
        {"url": r.rule, "source": r.source}
        for r in decision.reasons
        if r.signal == "tdmrep" and "tdm-policy" in r.rule
    )
    return entries
