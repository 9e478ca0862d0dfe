"""Who made a kept page and under which licence: author, rights holder, licence URL, copyright.

Read from the page itself (issue 4 section 2) with extruct: JSON-LD (schema.org ``author``,
``copyrightHolder``, ``license``, ``copyrightNotice``), OpenGraph (``article:author``), Dublin
Core (``DC.creator``, ``DC.rights``), ``<meta name=author>`` and ``<link rel=license>``. The
first value found in that order wins per field; an unreadable page gives an empty record.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Final
from urllib.parse import urljoin

from lxml import html as lxml_html  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

SYNTAXES: Final = ["json-ld", "opengraph", "dublincore"]
FIELDS: Final = ("author", "rights_holder", "license_url", "copyright")
STRUCTURED_MARKERS: Final = (b"ld+json", b"og:", b"DC.", b"dc.", b"dcterms")
"""Cheap byte checks: without any of these extruct would find nothing, so it is skipped."""
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


def extract_attribution(body: bytes, url: str) -> dict[str, str]:
    """The attribution fields of an HTML page (empty strings for what it does not say)."""
    out = dict.fromkeys(FIELDS, "")
    if not body:
        return out
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
