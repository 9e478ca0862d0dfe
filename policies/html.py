"""The ``<head>`` of an HTML page: its ``<meta>`` and ``<link>`` elements, nothing else.

Several signals live in the head: ``<meta name="robots" content="noai">`` (Google's robots meta tag
specification; DeviantArt's noai and noimageai directives),
``<meta name="tdm-reservation" content="1">`` (TDMRep, section TDM Metadata in HTML Content) and
``<link rel="license"
type="application/rsl+xml">`` (RSL 1.0 section 4). Each says to read only the head, so the extractor
stops at
``<body>`` or ``</head>``: a ``<meta>`` in the body is not a page-level statement. It uses the
stdlib's tolerant :class:`html.parser.HTMLParser` (no tree, no network) and never raises on
content; what it could not read becomes a diagnostic.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Final

from heedful.policies.diagnostics import Diagnostic, ParseResult, Severity

MAX_HEAD_BYTES: Final = 512 * 1024
"""Never read past this many bytes (characters for ``str`` input) looking for the head's end."""

KIND: Final = "html"
PRESCAN_BYTES: Final = 1024
"""WHATWG HTML "prescan a byte stream": a ``<meta charset>`` counts in the first 1024 bytes."""

_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET: Final = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_LABEL_ALIASES: Final = {
    # WHATWG Encoding: these labels mean windows-1252; a page saying utf-16 in a <meta> is
    # ASCII-compatible by the time the meta is read, so it is really utf-8.
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class HeadMeta:
    """One ``<meta name=.. content=..>`` of the head."""

    name: str
    """The ``name`` attribute, stripped and lower-cased (names compare case-insensitively)."""
    content: str
    """The ``content`` attribute as written (character references decoded); ``""`` if absent."""
    index: int
    """0-based position among all ``<meta>`` elements of the head, named or not."""
    line: int
    """1-based line of the element in the decoded text."""


@dataclass(frozen=True, kw_only=True, slots=True)
class HeadLink:
    """One ``<link>`` of the head."""

    rel: str
    """Lower-cased ``rel`` values, whitespace-separated values joined by one space."""
    type: str
    """The ``type`` attribute, stripped and lower-cased (media types are case-insensitive)."""
    href: str
    """The ``href`` attribute, stripped; unresolved."""
    line: int


@dataclass(frozen=True, kw_only=True, slots=True)
class HtmlHead:
    """What the head says; ``truncated`` when it was cut at :data:`MAX_HEAD_BYTES`."""

    metas: tuple[HeadMeta, ...] = ()
    links: tuple[HeadLink, ...] = ()
    truncated: bool = False


class _EndOfHead(Exception):
    """Raised inside the parser callbacks to stop reading at the end of the head."""


class _HeadParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.metas: list[HeadMeta] = []
        self.links: list[HeadLink] = []
        self.meta_count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            raise _EndOfHead
        if tag not in ("meta", "link"):
            return
        values: dict[str, str] = {}
        for key, value in attrs:
            # The first occurrence of an attribute wins (WHATWG tokenizer, duplicate attribute).
            values.setdefault(key, value or "")
        line = self.getpos()[0]
        if tag == "meta":
            index, self.meta_count = self.meta_count, self.meta_count + 1
            if "name" in values:
                self.metas.append(
                    HeadMeta(
                        name=values["name"].strip().lower(),
                        content=values.get("content", ""),
                        index=index,
                        line=line,
                    )
                )
        else:
            self.links.append(
                HeadLink(
                    rel=" ".join(values.get("rel", "").lower().split()),
                    type=values.get("type", "").strip().lower(),
                    href=values.get("href", "").strip(),
                    line=line,
                )
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            raise _EndOfHead


def parse_html_head(data: bytes | str, *, charset: str | None = None) -> ParseResult[HtmlHead]:
    """Extract the head's ``<meta>`` and ``<link>`` elements; never raises on content.

    ``charset`` is the transport's (``Content-Type``) encoding for ``bytes``; a byte order mark
    still wins over it (WHATWG HTML "determining the character encoding"), and without either a
    ``<meta charset>`` in the first 1024 bytes decides, else UTF-8 with replacement characters.
    """
    if not isinstance(data, bytes | bytearray | str):
        raise TypeError(f"parse_html_head expects bytes or str, got {type(data).__name__}")
    if charset is not None and not isinstance(charset, str):
        raise TypeError(f"parse_html_head charset must be str, got {type(charset).__name__}")
    diagnostics: list[Diagnostic] = []

    def note(severity: Severity, code: str, message: str, line: int = 0) -> None:
        diagnostics.append(
            Diagnostic(severity=severity, kind=KIND, line=line, code=code, message=message)
        )

    cut = len(data) > MAX_HEAD_BYTES
    if isinstance(data, str):
        text = data[:MAX_HEAD_BYTES]
    else:
        text = _decode(bytes(data[:MAX_HEAD_BYTES]), charset, cut=cut, note=note)
    parser = _HeadParser()
    ended = False
    try:
        parser.feed(text)
        if not cut:
            parser.close()
    except _EndOfHead:
        ended = True
    except Exception as exc:  # noqa: BLE001 - readers are total; the stdlib parser has raised
        # AssertionError on odd declarations (``<![if``) in some Python versions.
        note(Severity.WARNING, "html-parse-error", f"HTML parser stopped: {exc!r}")
    truncated = cut and not ended
    if truncated:
        note(
            Severity.WARNING,
            "html-head-truncated",
            f"no end of <head> in the first {MAX_HEAD_BYTES} bytes; the rest was not read",
        )
    head = HtmlHead(metas=tuple(parser.metas), links=tuple(parser.links), truncated=truncated)
    return ParseResult(head, tuple(diagnostics))


def _decode(
    data: bytes, charset: str | None, *, cut: bool, note: Callable[[Severity, str, str], None]
) -> str:
    """Bytes to text by BOM, then ``charset``, then ``<meta charset>``, then UTF-8."""
    encoding = ""
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, data = name, data[len(bom) :]
            break
    if not encoding and charset:
        encoding = _lookup(charset)
        if not encoding:
            note(Severity.WARNING, "html-charset-unknown", f"unknown charset {charset!r}")
    if not encoding:
        found = _META_CHARSET.search(data[:PRESCAN_BYTES])
        if found:
            label = found.group(1).decode("ascii")
            encoding = _lookup(label)
            if not encoding:
                note(Severity.WARNING, "html-charset-unknown", f"unknown <meta charset> {label!r}")
    encoding = encoding or "utf-8"
    try:
        # A cut may split a multi-byte character: an incremental decoder keeps the tail pending.
        return codecs.getincrementaldecoder(encoding)("strict").decode(data, final=not cut)
    except UnicodeDecodeError as exc:
        note(
            Severity.WARNING,
            "html-undecodable",
            f"bytes not valid {encoding} at offset {exc.start}; replaced",
        )
        return codecs.getincrementaldecoder(encoding)("replace").decode(data, final=not cut)


def _lookup(label: str) -> str:
    """The Python codec for an encoding label, or ``""`` when there is none."""
    label = label.strip().lower()
    label = _LABEL_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return ""
    # Text encodings only: a page cannot declare itself "base64" or "rot13".
    if not getattr(info, "_is_text_encoding", True):
        return ""
    return info.name
