"""Really Simple Licensing (RSL) 1.0: the ``license.xml`` document and its ``Link`` discovery.

An RSL document lists ``<content url>`` scopes, each with ``<license>`` terms: which usages it
permits or prohibits and what it costs (RSL 1.0 section 3). The best (longest) matching
``<content>`` applies; prohibits beats permits; a permit that needs payment or a licence
server is a licence offer, not a free allow (docs/decisions.md, Each mechanism's own rules).
Untrusted XML goes through defusedxml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.sax.saxutils import escape, quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from heedful.policies.diagnostics import Diagnostic, ParseResult, Severity
from heedful.policies.headers import Headers, header_values
from heedful.policies.model import (
    USE_NARROWER,
    LicenseOffer,
    Permission,
    Signal,
    Statement,
    Use,
    most_restrictive,
)
from heedful.policies.patterns import PathPattern, compile_pattern
from heedful.policies.signals.rsl.terms import (
    CATEGORY_USES,
    RslLicense,
    covers,
    read_copyright,
    read_license,
    render_copyright,
    render_license,
    render_text,
    split_tokens,
)
from heedful.policies.urlpath import canonical_path, path_of

__all__ = [
    "MAX_RSL_BYTES",
    "RSL_NS",
    "RslContent",
    "RslDocument",
    "RslLicense",
    "parse_rsl",
    "render_rsl",
    "rsl_link_urls",
]

MAX_RSL_BYTES: Final = 500 * 1024
UNREADABLE_CODES: Final = frozenset(
    {
        "rsl-too-large",
        "rsl-not-well-formed",
        "rsl-forbidden-xml",
        "rsl-wrong-root",
        "rsl-wrong-namespace",
    }
)
"""Diagnostics that mean no licence could be read: the document is unreadable, never "no
statement" (docs/decisions.md, Signal files that cannot be read)."""
RSL_NS: Final = "https://rslstandard.org/rsl"
KIND: Final = "rsl"
MEDIA_TYPE: Final = "application/rsl+xml"
HEEDFUL_NS: Final = "https://heedful.invalid/ns/rsl/1"
"""Heedful's own namespace for what RSL 1.0 cannot say: the creators of the works and the uses
they consented to (issue 14 section 4). Not part of RSL; readers that do not know it skip it,
as XML namespaces allow (docs/licensing.md, The extension element)."""
CREATORS_TAG: Final = f"{{{HEEDFUL_NS}}}creators"


@dataclass(frozen=True, kw_only=True, slots=True)
class RslContent:
    """One ``<content>``: the assets (``url``) and the licences that cover them."""

    url: str
    server: str = ""
    """RSL License Server: clients must obtain a licence even when it is free (RSL 1.0 section 3)."""
    licenses: tuple[RslLicense, ...] = ()
    copyright: str = ""
    copyright_type: str = ""
    copyright_email: str = ""
    copyright_url: str = ""
    terms: str = ""
    schema: str = ""
    creators: tuple[str, ...] = ()
    """Who made the works (Heedful's ``<hf:creators>`` extension, docs/licensing.md)."""
    creator_consent: tuple[str, ...] | None = None
    """Usage tokens the creators consented to; ``None`` = not stated, ``()`` = stated none."""
    line: int = field(default=0, compare=False)
    raw: str = field(default="", compare=False)
    """The element as written, whitespace collapsed (``Statement.rule``)."""

    def priority(self, url: str, path: str) -> int:
        """Length of the match of ``url`` (canonical ``path``) against this scope, or -1."""
        scope = _scope(self.url)
        if scope is None:
            return -1
        pattern, absolute, scheme, netloc = scope
        if absolute:
            # An absolute scope must name the URL's own scheme and host (RSL 1.0 section 3).
            theirs = urlsplit(url)
            if theirs.netloc and (
                netloc != theirs.netloc.lower()
                or (theirs.scheme and scheme != theirs.scheme.lower())
            ):
                return -1
        return pattern.priority if pattern.matches(path) else -1


@lru_cache(maxsize=1024)
def _scope(url: str) -> tuple[PathPattern, bool, str, str] | None:
    """A ``<content url>`` compiled once: its pattern, and the scheme and host it names."""
    target = url.strip()
    if not target:
        return None
    if "://" in target or target.startswith("//"):
        parts = urlsplit(target)
        return compile_pattern(path_of(target)), True, parts.scheme.lower(), parts.netloc.lower()
    return compile_pattern(target), False, "", ""


@dataclass(frozen=True, kw_only=True, slots=True)
class RslDocument:
    """A parsed RSL document; ``contents`` is empty when the XML was unusable."""

    contents: tuple[RslContent, ...] = ()
    source: str = "/license.xml"
    _statements: dict[tuple[int, ...], Statement] = field(
        default_factory=dict, compare=False, repr=False
    )
    """Statements by chosen ``<content>`` indices: many URLs share a scope, build each once."""

    def statement(self, url: str) -> Statement | None:
        """What the best-matching ``<content>`` says about ``url`` (Heedful's reading of RSL 1.0
        section 3).

        Several scopes of the same (longest) length are read together: a creator who wrote
        two ``<content url="/">`` meant both.
        """
        chosen = self.scopes(url, canonical_path(url))
        return self.scope_statement(chosen) if chosen else None

    def scopes(self, url: str, path: str) -> tuple[int, ...]:
        """Indices of the best-matching ``<content>`` elements for ``url`` (canonical ``path``);
        empty when none matches."""
        ranks = [content.priority(url, path) for content in self.contents]
        best = max(ranks, default=-1)
        if best < 0:
            return ()
        return tuple(i for i, rank in enumerate(ranks) if rank == best)

    def offers(self) -> tuple[LicenseOffer, ...]:
        """Every licence the document sells: each ``<license>`` with a price, a user/geo
        condition or a licence server (RSL 1.0 section 3), in document order, with its scope
        (``heedful audit`` lists them)."""
        return tuple(
            _license_terms(lic, content, content.server, self.source, offered=True)
            for content in self.contents
            for lic in content.licenses
            if not lic.free or content.server or lic.conditional
        )

    def scope_statement(self, chosen: tuple[int, ...]) -> Statement:
        """What the ``<content>`` elements at ``chosen`` (from :meth:`scopes`) say together."""
        found = self._statements.get(chosen)
        if found is None:
            contents = [self.contents[i] for i in chosen]
            found = self._statements[chosen] = _statement(contents, self.source)
        return found


def _statement(contents: list[RslContent], source: str) -> Statement:
    first = contents[0]
    server = next((c.server for c in contents if c.server), "")
    # Each licence keeps its own content's server: a licence server on one <content> does not
    # make the free terms of another <content> paid.
    served = [(lic, content.server) for content in contents for lic in content.licenses]
    licenses = [lic for lic, _ in served]
    uses: dict[Use, Permission] = {}
    offer: LicenseOffer | None = None
    offers: dict[Use, LicenseOffer] = {}
    for category, targets in CATEGORY_USES.items():
        permission, paid = _category(category, served)
        if permission is Permission.UNKNOWN:
            continue
        if paid is not None:
            # Each licence keeps its own <content>: its server, holder and creators.
            home = next(c for c in contents if any(lic is paid for lic in c.licenses))
            terms = _license_terms(paid, home, home.server, source, offered=True)
            offer = offer or terms
            # Categories go broad to narrow, so the most specific licence a use is sold
            # under is the one recorded for it.
            for use in targets:
                offers[use] = terms
                offers.update((narrow, terms) for narrow in USE_NARROWER[use] if use is not Use.TDM)
        for use in targets:
            uses[use] = most_restrictive(uses.get(use, Permission.UNKNOWN), permission)
    notes = []
    if server:
        notes.append(
            f"licence server {server}: a licence is needed even if free (RSL 1.0 section 3)"
        )
    holder = first.copyright or next((lic.copyright for lic in licenses if lic.copyright), "")
    if holder:
        notes.append(f"copyright {holder}")
    if any(_asks_credit(lic) for lic in licenses):
        notes.append("attribution required")
    if any(lic.conditional for lic in licenses):
        notes.append("user/geo conditions: permits read as licence terms")
    if any(lic.permits_usage for lic in licenses):
        notes.append("usages not listed in <permits> stay unknown")
    if not licenses:
        notes.append("no <license> in this <content>")
    return Statement(
        signal=Signal.RSL,
        source=source,
        location=f'line {first.line} <content url="{first.url}">'
        if first.line
        else f'<content url="{first.url}">',
        rule=" ".join(content.raw or f'<content url="{content.url}">' for content in contents),
        uses=uses,
        offer=offer,
        offers=offers,
        terms=_free_terms(contents, uses, source),
        note="; ".join(notes),
    )


def _asks_credit(lic: RslLicense) -> bool:
    """``<payment type="attribution">`` or a ``<legal type="attribution">`` statement."""
    return lic.payment_type.strip().lower() == "attribution" or bool(_credit_text(lic))


def _credit_text(lic: RslLicense) -> str:
    return " ".join(text for kind, text in lic.legal if kind.lower() == "attribution" and text)


def _free_terms(
    contents: list[RslContent], uses: dict[Use, Permission], source: str
) -> dict[Use, tuple[LicenseOffer, ...]]:
    """Per use this statement allows, the free licences that allow it (RSL 1.0 section 3: a licence
    permits what its ``<permits>`` lists, or everything when it lists nothing), spread down
    Heedful's use hierarchy the way an allow is (``apply_hierarchy``)."""
    allowed = {use for use, permission in uses.items() if permission is Permission.ALLOW}
    found: dict[Use, list[LicenseOffer]] = {}
    for content in contents:
        for lic in content.licenses:
            if not lic.free or content.server or lic.conditional:
                continue
            reached: set[Use] = set()
            for category, targets in CATEGORY_USES.items():
                if covers(lic.prohibits_usage, category, prohibiting=True):
                    continue
                if not lic.permits_usage or covers(lic.permits_usage, category, prohibiting=False):
                    reached.update(use for use in targets if use in allowed)
            for use in list(reached):
                reached.update(narrow for narrow in USE_NARROWER[use] if narrow not in uses)
            if reached:
                terms = _license_terms(lic, content, "", source)
                for use in reached:
                    found.setdefault(use, []).append(terms)
    return {use: tuple(dict.fromkeys(terms)) for use, terms in found.items()}


def _category(
    category: str, licenses: Iterable[tuple[RslLicense, str]]
) -> tuple[Permission, RslLicense | None]:
    """Across licences: any prohibit beats every permit; a free permit beats a paid one."""
    free = False
    paid: RslLicense | None = None
    for lic, server in licenses:
        if covers(lic.prohibits_usage, category, prohibiting=True):
            return Permission.DENY, None
        if not lic.permits_usage or covers(lic.permits_usage, category, prohibiting=False):
            if lic.free and not server and not lic.conditional:
                free = True
            elif paid is None:
                paid = lic
    if free:
        return Permission.ALLOW, None
    if paid is not None:
        return Permission.LICENSE, paid
    return Permission.UNKNOWN, None


def _license_terms(
    lic: RslLicense, content: RslContent, server: str, source: str, *, offered: bool = False
) -> LicenseOffer:
    """One licence as the terms a taker sees: price, server, rights holder, credit, links.

    An offer with no rights holder says "attribution required" where the holder would be (what
    ``heedful check`` prints); free terms leave it empty, so no one is credited by that name."""
    amount = f"{lic.currency} {lic.amount}".strip() if lic.amount else ""
    holder = content.copyright or lic.copyright
    if offered and _asks_credit(lic) and not holder:
        holder = "attribution required"
    return LicenseOffer(
        url=source,
        payment=lic.payment_type or "free",
        amount=amount,
        server=server,
        copyright=holder,
        attribution=_credit_text(lic),
        standard=lic.standard,
        terms=lic.terms or content.terms,
        scope=content.url,
        license_xml="\n".join(render_license(lic)),
        creators="; ".join(content.creators),
        creator_consent=_consent_text(content.creator_consent),
    )


def _consent_text(consent: tuple[str, ...] | None) -> str:
    """``LicenseOffer.creator_consent``: ``""`` not stated, ``none`` stated no, else tokens."""
    if consent is None:
        return ""
    return " ".join(consent) or "none"


class _Builder(TreeBuilder):
    """A tree builder that remembers where each element starts and ends in the input."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: DefusedXMLParser | None = None
        self.starts: dict[int, tuple[int, int]] = {}
        self.ends: dict[int, int] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = super().start(tag, attrs)
        expat = getattr(self.parser, "parser", None)
        if expat is not None:
            self.starts[id(element)] = (expat.CurrentLineNumber, expat.CurrentByteIndex)
        return element

    def end(self, tag: str) -> Element:
        element = super().end(tag)
        expat = getattr(self.parser, "parser", None)
        if expat is not None:
            self.ends[id(element)] = expat.CurrentByteIndex
        return element


def _diag(severity: Severity, line: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(severity=severity, kind=KIND, line=line, code=code, message=message)


def _xml(data: bytes, out: list[Diagnostic]) -> tuple[Element | None, _Builder]:
    builder = _Builder()
    parser = DefusedXMLParser(target=builder)
    builder.parser = parser
    try:
        parser.feed(data)
        root: Element = parser.close()
    except ParseError as exc:
        line = exc.position[0] if exc.position else 0
        msg = f"not well-formed XML: {exc}; nothing read"
        out.append(_diag(Severity.ERROR, line, "rsl-not-well-formed", msg))
        return None, builder
    except DefusedXmlException as exc:
        msg = f"forbidden XML construct ({type(exc).__name__}); nothing read"
        out.append(_diag(Severity.ERROR, 0, "rsl-forbidden-xml", msg))
        return None, builder
    except (ValueError, RecursionError) as exc:  # pragma: no cover - expat edge cases
        msg = f"unreadable XML ({type(exc).__name__}); nothing read"
        out.append(_diag(Severity.ERROR, 0, "rsl-not-well-formed", msg))
        return None, builder
    return root, builder


def parse_rsl(data: str | bytes, *, source: str = "/license.xml") -> ParseResult[RslDocument]:
    """Read an RSL document; a broken one yields no contents plus an error diagnostic."""
    if not isinstance(data, (str, bytes)):
        raise TypeError(f"parse_rsl expects str or bytes, got {type(data).__name__}")
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if isinstance(data, str):
        # The text is already decoded; drop a declared encoding so expat reads it as UTF-8.
        raw = re.sub(rb"^(\s*<\?xml[^>]*?)\sencoding=['\"][^'\"]*['\"]", rb"\1", raw)
    diagnostics: list[Diagnostic] = []
    empty = RslDocument(source=source)
    if len(raw) > MAX_RSL_BYTES:
        msg = f"{len(raw)} bytes is over the {MAX_RSL_BYTES} byte limit; not read"
        diagnostics.append(_diag(Severity.ERROR, 0, "rsl-too-large", msg))
        return ParseResult(empty, tuple(diagnostics))
    root, builder = _xml(raw, diagnostics)
    if root is None:
        return ParseResult(empty, tuple(diagnostics))
    namespace, _, local = (
        root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    )
    if local != "rsl":
        msg = f"root element is <{local}>, not <rsl>; not an RSL document"
        diagnostics.append(_diag(Severity.ERROR, 1, "rsl-wrong-root", msg))
        return ParseResult(empty, tuple(diagnostics))
    if not namespace:
        msg = f'<rsl> has no xmlns="{RSL_NS}"; read leniently'
        diagnostics.append(_diag(Severity.WARNING, 1, "rsl-no-namespace", msg))
    elif namespace != RSL_NS:
        msg = f"<rsl> is in namespace {namespace!r}, not {RSL_NS!r}; not read"
        diagnostics.append(_diag(Severity.ERROR, 1, "rsl-wrong-namespace", msg))
        return ParseResult(empty, tuple(diagnostics))
    reader = _Reader(namespace, builder, raw, diagnostics)
    contents = tuple(c for c in (reader.content(el) for el in reader.children(root)) if c)
    if not contents:
        diagnostics.append(_diag(Severity.WARNING, 1, "rsl-no-content", "no usable <content>"))
    return ParseResult(RslDocument(contents=contents, source=source), tuple(diagnostics))


class _Reader:
    """Element walking with line numbers; unknown elements become info diagnostics."""

    def __init__(self, ns: str, builder: _Builder, raw: bytes, out: list[Diagnostic]) -> None:
        self.prefix = f"{{{ns}}}" if ns else ""
        self.builder = builder
        self.raw = raw
        self.out = out

    def line(self, element: Element) -> int:
        return self.builder.starts.get(id(element), (0, -1))[0]

    def local(self, element: Element) -> str:
        tag = element.tag if isinstance(element.tag, str) else ""
        if self.prefix and tag.startswith(self.prefix):
            return tag[len(self.prefix) :]
        return tag if not tag.startswith("{") else ""

    def children(self, element: Element) -> list[Element]:
        """The ``<content>`` children of the root; anything else is noted and skipped."""
        out = []
        for child in element:
            if self.local(child) == "content":
                out.append(child)
            else:
                msg = f"unexpected <{child.tag}> in <rsl> ignored"
                self.out.append(_diag(Severity.INFO, self.line(child), "rsl-unknown-element", msg))
        return out

    def text_of(self, element: Element) -> str:
        start = self.builder.starts.get(id(element), (0, -1))[1]
        end = self.builder.ends.get(id(element), -1)
        if start < 0 or end < start:
            return ""
        close = self.raw.find(b">", end)
        text = self.raw[start : close + 1 if close >= 0 else len(self.raw)]
        return " ".join(text.decode("utf-8", "replace").split())

    def content(self, element: Element) -> RslContent | None:
        line = self.line(element)
        url = element.get("url", "").strip()
        if not url:
            msg = "<content> without a url attribute is skipped"
            self.out.append(_diag(Severity.ERROR, line, "rsl-content-missing-url", msg))
            return None
        fields: dict[str, str] = {}
        licenses: list[RslLicense] = []
        creators: tuple[str, ...] = ()
        consent: tuple[str, ...] | None = None
        for child in element:
            name = self.local(child)
            if name == "license":
                licenses.append(read_license(child, self.local, self.line, self.out))
            elif name == "copyright":
                fields.update(read_copyright(child))
            elif name in ("terms", "schema"):
                fields[name] = (child.text or "").strip()
            elif child.tag == CREATORS_TAG:
                creators, consent = _read_creators(child)
            else:
                msg = f"unexpected <{child.tag}> in <content> ignored"
                self.out.append(_diag(Severity.INFO, self.line(child), "rsl-unknown-element", msg))
        if not licenses:
            msg = f"<content url={url!r}> has no <license>"
            self.out.append(_diag(Severity.WARNING, line, "rsl-content-without-license", msg))
        return RslContent(
            url=url,
            server=element.get("server", "").strip(),
            licenses=tuple(licenses),
            creators=creators,
            creator_consent=consent,
            line=line,
            raw=self.text_of(element)[:2000],
            **fields,
        )


_LINK_SPLIT: Final = re.compile(r",(?=\s*<)")
_PARAM: Final = re.compile(r';\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*)')


def rsl_link_urls(headers: Headers, *, base: str) -> list[str]:
    """URLs of RSL documents named by ``Link: <…>; rel="license"; type="application/rsl+xml"``.

    Several ``Link`` fields and comma-separated links are read; relative targets resolve
    against ``base`` (RSL 1.0 section 4). A ``rel="license"`` without the RSL type is some other
    licence.
    """
    found: list[str] = []
    for value in header_values(headers, "link"):
        for link in _LINK_SPLIT.split(value):
            match = re.match(r"\s*<([^>]*)>(.*)", link, re.DOTALL)
            if not match:
                continue
            params = {
                key.lower(): val.strip('"').strip() for key, val in _PARAM.findall(match.group(2))
            }
            rels = params.get("rel", "").lower().split()
            if "license" in rels and params.get("type", "").lower() == MEDIA_TYPE:
                url = urljoin(base, match.group(1).strip())
                if url not in found:
                    found.append(url)
    return found


def render_rsl(doc: RslDocument) -> str:
    """The XML of ``doc``; ``parse_rsl(render_rsl(doc))`` gives back an equal document."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<rsl xmlns="{RSL_NS}">']
    for content in doc.contents:
        server = f" server={_attr(content.server)}" if content.server else ""
        lines.append(f"  <content url={_attr(content.url)}{server}>")
        for lic in content.licenses:
            lines.extend("    " + row for row in render_license(lic))
        lines.extend("    " + row for row in _render_extras(content))
        lines.append("  </content>")
    lines.append("</rsl>")
    return "\n".join(lines) + "\n"


def _render_extras(content: RslContent) -> list[str]:
    rows = render_copyright(
        content.copyright, content.copyright_type, content.copyright_email, content.copyright_url
    )
    rows += render_text("terms", content.terms) + render_text("schema", content.schema)
    return rows + _render_creators(content.creators, content.creator_consent)


def _render_creators(creators: tuple[str, ...], consent: tuple[str, ...] | None) -> list[str]:
    """``<hf:creators consent="...">A; B</hf:creators>``: ``consent`` absent = not stated,
    ``none`` = stated that the creators consented to no use."""
    if not creators and consent is None:
        return []
    attr = ""
    if consent is not None:
        attr = f" consent={_attr(' '.join(consent) or 'none')}"
    names = escape("; ".join(creators))
    return [f'<hf:creators xmlns:hf="{HEEDFUL_NS}"{attr}>{names}</hf:creators>']


def _read_creators(element: Element) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    names = tuple(name.strip() for name in (element.text or "").split(";") if name.strip())
    raw = element.get("consent")
    if raw is None:
        return names, None
    tokens = tuple(t for t in split_tokens(raw) if t.lower() != "none")
    return names, tuple(t.lower() for t in tokens)


def _attr(value: str) -> str:
    return quoteattr(value)
