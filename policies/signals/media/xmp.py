"""Reading XMP packets: the IPTC rights properties and TDMRep's, from untrusted bytes.

XMP (ISO 16684-1) is RDF/XML. A property is written as an element (``<plus:DataMining>text``),
as an element pointing at a resource (``rdf:resource="..."``), or as an attribute of
``rdf:Description``; arrays (``rdf:Seq``/``rdf:Bag``/``rdf:Alt``) hold ``rdf:li`` items. All
forms are read. The XML goes through defusedxml (no DTD, no entity expansion: billion-laughs and
external entities are refused), the packet size and the element depth are bounded, and anything
that cannot be read becomes a diagnostic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final
from xml.etree.ElementTree import Element

from heedful.policies.diagnostics import Diagnostic, Severity
from heedful.policies.model import LicenseOffer, Permission, Signal, Statement, Use
from heedful.policies.signals.media import plus
from heedful.policies.signals.media.safexml import parse_xml
from heedful.policies.signals.media.signals import MAX_PACKETS, MAX_XMP_BYTES, Credit, diagnostic

KIND: Final = "xmp"

RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_LANG: Final = "{http://www.w3.org/XML/1998/namespace}lang"
NS: Final = {
    "plus": "http://ns.useplus.org/ldf/xmp/1.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
}
TDM_NAMESPACES: Final = ("http://www.w3.org/ns/tdmrep/", "http://www.w3.org/ns/tdmrep#")
"""TDMRep, section TDM Reservation in PDF: ``http://www.w3.org/ns/tdmrep/`` (with a slash); the
EPUB 3 prefix ends in ``#`` and some PDF writers copy it, so both are read."""

CREDIT_PROPERTIES: Final = (
    ("creator", "dc", "creator"),
    ("copyright", "dc", "rights"),
    ("credit", "photoshop", "Credit"),
    ("copyright", "photoshop", "Copyright"),
    ("web-statement", "xmpRights", "WebStatement"),
    ("usage-terms", "xmpRights", "UsageTerms"),
)
"""Attribution fields: IPTC Photo Metadata Standard 2023.1, sections Creator, Copyright Notice,
Credit Line, Web Statement of Rights and Rights Usage Terms (with their XMP ids)."""

_START: Final = re.compile(rb"<x:xmpmeta\b|<x:xapmeta\b|<rdf:RDF\b")
_END: Final = {
    b"<x:xmpmeta": b"</x:xmpmeta>",
    b"<x:xapmeta": b"</x:xapmeta>",
    b"<rdf:RDF": b"</rdf:RDF>",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class XmpFacts:
    """What one or more packets said."""

    statements: tuple[Statement, ...] = ()
    credits: tuple[Credit, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(kw_only=True, slots=True)
class _Collected:
    statements: list[Statement] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def facts(self) -> XmpFacts:
        return XmpFacts(
            statements=tuple(self.statements),
            credits=tuple(dict.fromkeys(self.credits)),
            diagnostics=tuple(self.diagnostics),
        )


def find_packets(data: bytes, *, limit: int = MAX_PACKETS) -> list[bytes]:
    """XMP packets found by scanning raw bytes (XMP Specification Part 3, Storage in Files: a packet
    may be found by scanning when the format is unknown). Used where no library exposes the
    packet: MP3 ``PRIV``/``GEOB`` frames, unknown containers, sidecars."""
    packets: list[bytes] = []
    pos = 0
    while len(packets) < limit:
        match = _START.search(data, pos)
        if match is None:
            break
        end_tag = _END[match.group()]
        end = data.find(end_tag, match.start(), match.start() + MAX_XMP_BYTES)
        if end < 0:
            pos = match.end()
            continue
        packets.append(data[match.start() : end + len(end_tag)])
        pos = end + len(end_tag)
    return packets


def read_packets(packets: list[bytes], *, source: str, where: str = "XMP") -> XmpFacts:
    """Statements and credits from ``packets`` (duplicates, e.g. a JPEG whose packet the
    byte scan finds again, are read once)."""
    out = _Collected()
    seen: set[bytes] = set()
    for packet in packets[:MAX_PACKETS]:
        # The same packet reached twice (Pillow's copy with its <?xpacket?> wrapper, and the
        # byte scan's bare <x:xmpmeta>) is read once.
        core = find_packets(packet, limit=1)
        key = core[0] if core else packet.strip()
        if key in seen:
            continue
        seen.add(key)
        root = _parse(packet, out.diagnostics)
        if root is not None:
            _read_tree(root, source=source, where=where, out=out)
    if len(packets) > MAX_PACKETS:
        out.diagnostics.append(
            diagnostic(
                KIND,
                "xmp-too-many-packets",
                f"{len(packets)} XMP packets; the first {MAX_PACKETS} read",
            )
        )
    return out.facts()


def _parse(packet: bytes, out: list[Diagnostic]) -> Element | None:
    if len(packet) > MAX_XMP_BYTES:
        out.append(
            diagnostic(
                KIND,
                "xmp-too-large",
                f"XMP packet of {len(packet)} bytes exceeds {MAX_XMP_BYTES}; not read",
                severity=Severity.ERROR,
            )
        )
        return None
    return parse_xml(packet, kind=KIND, what="XMP", out=out)


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _descriptions(root: Element) -> Iterator[Element]:
    """The top-level ``rdf:Description`` elements (ISO 16684-1, the RDF serialisation of XMP: each holds
    properties of the resource); a description nested in a struct value is that value's."""
    for rdf in root.iter(f"{{{RDF}}}RDF"):
        yield from rdf.findall(f"{{{RDF}}}Description")


def _values(desc: Element, tag: str) -> list[str]:
    """Every value of property ``tag`` on ``desc``: attribute, ``rdf:resource``, text, or the
    items of an array (an ``rdf:Alt``'s ``x-default`` first)."""
    out: list[str] = []
    if tag in desc.attrib:
        out.append(desc.attrib[tag])
    for prop in desc.findall(tag):
        resource = prop.get(f"{{{RDF}}}resource")
        if resource:
            out.append(resource)
            continue
        items = prop.findall(f"./*/{{{RDF}}}li")
        if items:
            items.sort(key=lambda li: li.get(XML_LANG) != "x-default")
            out.extend(_text(li) for li in items)
        elif len(prop) == 0:
            out.append(prop.text or "")
    return [value.strip() for value in out if value and value.strip()]


def _text(element: Element) -> str:
    resource = element.get(f"{{{RDF}}}resource")
    return resource or "".join(element.itertext())


def _struct_values(desc: Element, tag: str, field_tag: str) -> list[str]:
    """A field of each struct in an array property (``plus:Licensor`` -> ``plus:LicensorName``):
    the struct is an ``rdf:li`` with child elements, attributes, or an ``rdf:Description``."""
    out: list[str] = []
    for prop in desc.findall(tag):
        for item in [*prop.iter(f"{{{RDF}}}li"), *prop.iter(f"{{{RDF}}}Description")]:
            if field_tag in item.attrib:
                out.append(item.attrib[field_tag])
            out.extend(_text(child) for child in item.findall(field_tag))
    return [value.strip() for value in out if value and value.strip()]


def _read_tree(root: Element, *, source: str, where: str, out: _Collected) -> None:
    for desc in _descriptions(root):
        constraints = _values(desc, _q("plus", "OtherConstraints"))
        linked = _struct_values(
            desc, _q("Iptc4xmpExt", "LinkedEncRightsExpr"), _q("Iptc4xmpExt", "LinkedRightsExpr")
        )
        for value in _values(desc, _q("plus", "DataMining")):
            out.statements.append(
                data_mining_statement(
                    value,
                    source=source,
                    location=f"{where} plus:DataMining",
                    constraints=constraints,
                    linked=linked,
                    out=out.diagnostics,
                )
            )
        _tdmrep(desc, source=source, where=where, out=out)
        for name, prefix, local in CREDIT_PROPERTIES:
            for value in _values(desc, _q(prefix, local)):
                out.credits.append(
                    Credit(field=name, value=value, location=f"{where} {prefix}:{local}")
                )
        for tag, label in (("LicensorName", "plus:Licensor"), ("LicensorURL", "plus:Licensor")):
            for value in _struct_values(desc, _q("plus", "Licensor"), _q("plus", tag)):
                out.credits.append(
                    Credit(field="licensor", value=value, location=f"{where} {label}/plus:{tag}")
                )


def data_mining_statement(
    value: str,
    *,
    source: str,
    location: str,
    constraints: Sequence[str] = (),
    linked: Sequence[str] = (),
    out: list[Diagnostic],
) -> Statement:
    """One PLUS Data Mining value (with the Other Constraints text and Linked Encoded Rights
    Expression URLs it may refer to) as a statement; also read from the Vorbis comment
    ``heedful stamp`` writes (``heedful.policies.signals.media.audio``)."""
    known = plus.lookup(value)
    note = ""
    if known is None:
        # A value outside the vocabulary: a misspelt prohibition is still a prohibition (read in
        # the creator's favour); anything else says nothing.
        prohibits = "PROHIBIT" in value.upper()
        meaning = "read as DMI-PROHIBITED" if prohibits else "ignored"
        out.append(
            diagnostic(
                KIND,
                "dmi-unknown-value",
                f"plus:DataMining {value!r} is not in the PLUS Data Mining vocabulary; {meaning}",
            )
        )
        if not prohibits:
            return Statement(signal=Signal.IPTC, source=source, location=location, rule=value)
        known = plus.PROHIBITED
        note = "value outside the PLUS vocabulary, read as DMI-PROHIBITED"
    uses = dict(known.uses)
    offer = None
    if known.see == "plus:OtherConstraints":
        note = (
            f"plus:OtherConstraints: {constraints[0]}"
            if constraints
            else ("DMI-PROHIBITED-SEECONSTRAINT without plus:OtherConstraints")
        )
    elif known.see == "Iptc4xmpExt:LinkedEncRightsExpr" and linked:
        # The linked expression states the terms: denied unless licensed under them.
        offer = LicenseOffer(url=linked[0], payment="linked-rights-expression")
        uses = dict.fromkeys(Use, Permission.LICENSE)
        uses[Use.SEARCH] = Permission.DENY
    elif known.see:
        note = f"see {known.see} (not interpreted)"
    return Statement(
        signal=Signal.IPTC,
        source=source,
        location=location,
        rule=value,
        uses=uses,
        offer=offer,
        note=note or known.label,
        exact=known.exact,
    )


def _tdmrep(desc: Element, *, source: str, where: str, out: _Collected) -> None:
    """TDMRep, section TDM Reservation in PDF: ``tdm:reservation`` 1/0 and ``tdm:policy``."""
    for namespace in TDM_NAMESPACES:
        reservations = _values(desc, f"{{{namespace}}}reservation")
        policies = _values(desc, f"{{{namespace}}}policy")
        if not reservations and not policies:
            continue
        policy = policies[0] if policies else ""
        for raw in reservations or [""]:
            out.statements.append(
                tdm_statement(
                    raw,
                    policy,
                    source=source,
                    location=f"{where} tdm:reservation",
                    out=out.diagnostics,
                )
            )


def tdm_statement(
    reservation: str, policy: str, *, source: str, location: str, out: list[Diagnostic]
) -> Statement:
    """One embedded TDMRep pair (PDF XMP or EPUB OPF) with the meaning TDMRep gives the
    headers: ``1`` reserves, ``1`` with a policy licenses, ``0`` waives, anything else is unset
    (TDMRep, section Declaring the reservation of TDM Rights)."""
    rule = f"tdm:reservation={reservation}" + (f" tdm:policy={policy}" if policy else "")
    value = reservation.strip()
    if value == "1" and policy:
        offer = LicenseOffer(url=policy, payment="tdm-policy")
        return Statement(
            signal=Signal.TDMREP,
            source=source,
            location=location,
            rule=rule,
            uses={Use.TDM: Permission.LICENSE},
            offer=offer,
        )
    if value == "1":
        return Statement(
            signal=Signal.TDMREP,
            source=source,
            location=location,
            rule=rule,
            uses={Use.TDM: Permission.DENY},
        )
    if value == "0":
        return Statement(
            signal=Signal.TDMREP,
            source=source,
            location=location,
            rule=rule,
            uses={Use.TDM: Permission.ALLOW},
        )
    if value:
        out.append(
            diagnostic(
                "tdmrep",
                "tdm-reservation-invalid",
                f"tdm:reservation {value!r} is neither 0 nor 1; ignored",
            )
        )
    unset = LicenseOffer(url=policy, payment="tdm-policy") if policy else None
    return Statement(signal=Signal.TDMREP, source=source, location=location, rule=rule, offer=unset)
