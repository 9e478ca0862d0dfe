"""XMP: the PLUS Data Mining vocabulary, attribution fields, TDMRep in XMP, and hostile XML."""

from __future__ import annotations

import pytest

from heedful.policies.diagnostics import Severity
from heedful.policies.model import Permission, Signal, Use
from heedful.policies.signals.media import combined_uses, read_media
from heedful.policies.signals.media.plus import DATA_MINING, VOCAB_PREFIX, lookup
from heedful.policies.signals.media.signals import MAX_XML_DEPTH, MAX_XMP_BYTES
from heedful.policies.signals.media.xmp import find_packets, read_packets
from tests.helpers.media_files import image, tdm_packet, xmp_packet

D, A, L, U = Permission.DENY, Permission.ALLOW, Permission.LICENSE, Permission.UNKNOWN

# IPTC Photo Metadata Standard 2023.1, Data Mining, with the PLUS vocabulary; the expected
# answers are docs/decisions.md, Media-embedded signals.
VOCABULARY = {
    "DMI-UNSPECIFIED": {},
    "DMI-ALLOWED": {Use.TDM: A, Use.AI_TRAIN: A, Use.GENAI_TRAIN: A, Use.AI_INPUT: A, Use.SEARCH: A},
    "DMI-PROHIBITED-AIMLTRAINING": {Use.AI_TRAIN: D, Use.GENAI_TRAIN: D},
    "DMI-PROHIBITED-GENAIMLTRAINING": {Use.GENAI_TRAIN: D},
    "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING": {
        Use.TDM: D, Use.AI_TRAIN: D, Use.GENAI_TRAIN: D, Use.AI_INPUT: D, Use.SEARCH: A,
    },
    "DMI-PROHIBITED": dict.fromkeys(Use, D),
    "DMI-PROHIBITED-SEECONSTRAINT": dict.fromkeys(Use, D),
    "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR": dict.fromkeys(Use, D),
    "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR": dict.fromkeys(Use, D),
}  # fmt: skip


def uses_of(packet: bytes) -> dict[Use, Permission]:
    facts = read_packets([packet], source="x.xmp")
    return {use: perm for use, perm in combined_uses(facts.statements).items() if perm is not U}


def test_every_vocabulary_value_is_mapped() -> None:
    assert [value.code for value in DATA_MINING] == list(VOCABULARY)


@pytest.mark.parametrize("code", list(VOCABULARY))
def test_vocabulary_value_as_uri(code: str) -> None:
    assert uses_of(xmp_packet(VOCAB_PREFIX + code)) == VOCABULARY[code]


@pytest.mark.parametrize(
    "written",
    [
        VOCAB_PREFIX + "DMI-PROHIBITED-AIMLTRAINING",
        "DMI-PROHIBITED-AIMLTRAINING",
        "dmi-prohibited-aimltraining",
        "  http://ns.useplus.org/ldf/vocab/DMI-Prohibited-AIMLTraining \n",
    ],
)
def test_value_spellings_writers_use(written: str) -> None:
    assert lookup(written) is not None
    assert uses_of(xmp_packet(written)) == VOCABULARY["DMI-PROHIBITED-AIMLTRAINING"]


def test_value_as_attribute_and_as_resource() -> None:
    attribute = xmp_packet(VOCAB_PREFIX + "DMI-PROHIBITED", as_attribute=True)
    resource = xmp_packet("").replace(
        b"<dc:creator>",
        f'<plus:DataMining rdf:resource="{VOCAB_PREFIX}DMI-PROHIBITED"/><dc:creator>'.encode(),
    )
    assert uses_of(attribute) == uses_of(resource) == VOCABULARY["DMI-PROHIBITED"]


def test_statement_carries_its_location_and_the_rule_as_written() -> None:
    facts = read_packets([xmp_packet()], source="https://example.test/a.jpg")
    (stmt,) = facts.statements
    assert stmt.signal is Signal.IPTC
    assert stmt.location == "XMP plus:DataMining"
    assert stmt.rule == VOCAB_PREFIX + "DMI-PROHIBITED-AIMLTRAINING"
    assert stmt.source == "https://example.test/a.jpg"


def test_see_constraint_reports_the_other_constraints_text() -> None:
    packet = xmp_packet(
        VOCAB_PREFIX + "DMI-PROHIBITED-SEECONSTRAINT",
        constraints="Licensing: rights@studio.example",
    )
    (stmt,) = read_packets([packet], source="x").statements
    assert stmt.note == "plus:OtherConstraints: Licensing: rights@studio.example"
    assert uses_of(packet) == dict.fromkeys(Use, D)


def test_see_linked_rights_expression_is_a_licence_offer() -> None:
    linked = (
        '<Iptc4xmpExt:LinkedEncRightsExpr><rdf:Bag><rdf:li rdf:parseType="Resource">'
        "<Iptc4xmpExt:LinkedRightsExpr>https://studio.example/odrl.json</Iptc4xmpExt:LinkedRightsExpr>"
        "</rdf:li></rdf:Bag></Iptc4xmpExt:LinkedEncRightsExpr>"
    )
    packet = xmp_packet(VOCAB_PREFIX + "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR", extra=linked)
    (stmt,) = read_packets([packet], source="x").statements
    assert stmt.offer is not None
    assert stmt.offer.url == "https://studio.example/odrl.json"
    assert uses_of(packet) == {**dict.fromkeys(Use, L), Use.SEARCH: D}


def test_a_misspelt_prohibition_still_prohibits() -> None:
    facts = read_packets([xmp_packet("DMI-PROHIBITED-AITRAINING")], source="x")
    assert combined_uses(facts.statements)[Use.TDM] is D
    assert [d.code for d in facts.diagnostics] == ["dmi-unknown-value"]


def test_an_unknown_other_value_says_nothing() -> None:
    facts = read_packets([xmp_packet("DMI-MAYBE")], source="x")
    assert set(combined_uses(facts.statements).values()) == {U}
    assert [d.code for d in facts.diagnostics] == ["dmi-unknown-value"]


def test_attribution_fields() -> None:
    facts = read_packets([xmp_packet()], source="x")
    assert {(c.field, c.value, c.location) for c in facts.credits} == {
        ("creator", "Ann Artist", "XMP dc:creator"),
        ("copyright", "© 2025 Ann Artist", "XMP dc:rights"),
        ("credit", "Studio Example", "XMP photoshop:Credit"),
        ("web-statement", "https://studio.example/rights", "XMP xmpRights:WebStatement"),
        ("licensor", "Studio Example", "XMP plus:Licensor/plus:LicensorName"),
        ("licensor", "https://studio.example/licensing", "XMP plus:Licensor/plus:LicensorURL"),
    }


@pytest.mark.parametrize(
    ("reservation", "policy", "expected"),
    [
        ("1", "", D),
        ("1", "https://pub.example/policy.json", L),
        ("0", "", A),
        ("yes", "", U),
    ],
)
def test_tdmrep_in_xmp(reservation: str, policy: str, expected: Permission) -> None:
    # TDMRep, section TDM Reservation in PDF (the properties are read wherever XMP is).
    facts = read_packets([tdm_packet(reservation, policy)], source="x")
    (stmt,) = facts.statements
    assert stmt.signal is Signal.TDMREP
    assert stmt.location == "XMP tdm:reservation"
    assert combined_uses(facts.statements)[Use.TDM] is expected


def test_the_same_packet_found_twice_is_read_once() -> None:
    jpeg = image("JPEG", xmp_packet())
    assert len(find_packets(jpeg)) == 1
    assert len(read_media(jpeg, source="a.jpg").statements) == 1


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/"><plus:OtherConstraints>&lol3;</plus:OtherConstraints>
</rdf:Description></rdf:RDF></x:xmpmeta>"""
EXTERNAL_ENTITY = BILLION_LAUGHS.replace(
    b'<!ENTITY lol "lol">', b'<!ENTITY lol SYSTEM "file:///etc/passwd">'
)


@pytest.mark.parametrize(
    "hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "xxe"]
)
def test_entities_are_refused(hostile: bytes) -> None:
    signals = read_media(hostile, "x.xmp")
    assert signals.statements == ()
    assert [d.code for d in signals.diagnostics] == ["xmp-forbidden-xml"]


def test_deep_nesting_is_refused() -> None:
    depth = MAX_XML_DEPTH + 10
    packet = (
        b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>" + b"<a>" * depth + b"</a>" * depth + b"</x:xmpmeta>"
    )
    facts = read_packets([packet], source="x")
    assert [d.code for d in facts.diagnostics] == ["xmp-too-deep"]


def test_a_huge_packet_is_not_parsed() -> None:
    packet = xmp_packet(extra="<!--" + "x" * MAX_XMP_BYTES + "-->")
    facts = read_packets([packet], source="x")
    assert facts.statements == ()
    assert facts.diagnostics[0].code == "xmp-too-large"
    assert facts.diagnostics[0].severity is Severity.ERROR


def test_a_truncated_packet_gives_a_diagnostic() -> None:
    facts = read_packets([xmp_packet()[:300]], source="x")
    assert facts.statements == ()
    assert [d.code for d in facts.diagnostics] == ["xmp-not-well-formed"]
