"""Who made a kept page and under which licence: author, rights holder, licence URL, copyright.

Read from the page itself (issue 4 section 2) with extruct: JSON-LD (schema.org ``author``,
``copyrightHolder``, ``license``, ``copyrightNotice``), OpenGraph (``article:author``), Dublin
Core (``DC.creator``, ``DC.rights``), ``<meta name=author>`` and ``<link rel=license>``. The
first value found in that order wins per field; an unreadable page gives an empty record.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urljoin

from lxml import html as lxml_html  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from policies.html import HtmlHead

log = logging.getLogger(__name__)

SYNTAXES: Final = ["json-ld", "opengraph", "dublincore"]
FIELDS: Final = ("author", "rights_holder", "license_url", "copyright")
STRUCTURED_MARKERS: Final = (b"ld+json", b"og:", b"DC.", b"dc.", b"dcterms")
"""Cheap byte checks: without any of these extruct would find nothing, so it is skipped."""
_HEAD_END: Final = re.compile(rb"<body|</head", re.IGNORECASE)
_LATER_ELEMENT: Final = re.compile(rb"<(?:meta|link)[\s/>]", re.IGNORECASE)
_ANCHOR_REL: Final = re.compile(rb"<a\s[^>]*?\brel\s*=", re.IGNORECASE)
_JSONLD_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "author": ("author", "creator"),
    "rights_holder": ("copyrightHolder", "publisher"),
    "license_url": ("license",),
    "copyright": ("copyrightNotice", "creditText"),
}


def _name(value: Any) -> str:
    """A person/organisation given as a string, an object with ``name`` or ``@id``, or a list."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):
        return _name(value.get("name") or value.get("url") or value.get("@id") or "")
    if isinstance(value, list):
        return ", ".join(filter(None, (_name(v) for v in value)))
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


def _from_head(body: bytes, url: str, head: HtmlHead | None) -> dict[str, str] | None:
    """The same fields from the ``<head>`` the policy already read, when nothing else can say
    them: no structured data, no ``<meta>``/``<link>`` after the head, no ``<a rel>`` anywhere.

    Saves an lxml parse of every kept page (issue 4 section 6); ``None`` means "parse it".
    The byte checks only look for more places to read, so any doubt falls back to lxml.
    """
    if head is None or head.truncated or any(marker in body for marker in STRUCTURED_MARKERS):
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

    ``head`` is the page's head as ``policies.html.parse_html_head`` read it, when the caller
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
        if any(marker in body for marker in STRUCTURED_MARKERS):
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
                fill(field, _name(obj.get(key)))
    for obj in data.get("opengraph", []):
        if isinstance(obj, Mapping):
            fill("author", _name(obj.get("article:author")))
    for obj in data.get("dublincore", []):
        if not isinstance(obj, Mapping):
            continue
        for element in obj.get("elements", []):
            name = str(element.get("name", "")).lower()
            content = str(element.get("content", "")).strip()
            if name.endswith("creator"):
                fill("author", content)
            elif name.endswith("rights"):
                fill("copyright", content)
            elif name.endswith("rightsholder"):
                fill("rights_holder", content)
            elif name.endswith("license"):
                fill("license_url", urljoin(url, content))
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
