"""A downloaded file's own statements layered on its page's and site's decision
(docs/decisions.md, Media-embedded signals, Layering on the site's signals)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heedful.policies.diagnostics import Severity
from heedful.policies.model import Decision, Mode, Permission, Reason, Signal, Use, Verdict
from heedful.policies.signals.media import read_media
from heedful.policies.signals.media.layer import credits_attribution, is_media_type, layer
from heedful.policies.signals.media.signals import MediaSignals, diagnostic
from tests.helpers.media_files import image, xmp_packet

URL = "https://photos.example/a.jpg"
AIML = read_media(image("JPEG", xmp_packet()), source=URL)
ALLOWED = read_media(image("JPEG", xmp_packet("DMI-ALLOWED")), source=URL)
SILENT = read_media(image("JPEG", xmp_packet("")), source=URL)
LINKED = read_media(
    image(
        "JPEG",
        xmp_packet(
            "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR",
            extra='<Iptc4xmpExt:LinkedEncRightsExpr><rdf:Bag><rdf:li rdf:parseType="Resource">'
            "<Iptc4xmpExt:LinkedRightsExpr>https://photos.example/terms</Iptc4xmpExt:LinkedRightsExpr>"
            "</rdf:li></rdf:Bag></Iptc4xmpExt:LinkedEncRightsExpr>",
        ),
    ),
    source=URL,
)


def site(verdict: Verdict, use: Use = Use.AI_TRAIN) -> Decision:
    perm = {
        Verdict.ALLOW: Permission.ALLOW,
        Verdict.DENY: Permission.DENY,
        Verdict.LICENSE: Permission.LICENSE,
    }.get(verdict, Permission.UNKNOWN)
    return Decision(
        url=URL,
        agent="HeedfulBot",
        use=use,
        mode=Mode.OPT_OUT,
        verdict=verdict,
        access=Verdict.ALLOW,
        uses=dict.fromkeys(Use, perm),
        reasons=(
            Reason(signal=Signal.DEFAULT, source="", location="", rule="", effect=str(verdict)),
        ),
    )


@pytest.mark.parametrize(
    ("site_verdict", "signals", "use", "expected"),
    [
        (Verdict.ALLOW, AIML, Use.AI_TRAIN, Verdict.DENY),  # the file narrows
        (Verdict.ALLOW, AIML, Use.GENAI_TRAIN, Verdict.DENY),  # down the hierarchy
        (Verdict.ALLOW, AIML, Use.SEARCH, Verdict.ALLOW),  # silent about search
        (Verdict.LICENSE, AIML, Use.AI_TRAIN, Verdict.DENY),
        (Verdict.DENY, ALLOWED, Use.AI_TRAIN, Verdict.DENY),  # never widens
        (Verdict.LICENSE, ALLOWED, Use.AI_TRAIN, Verdict.LICENSE),
        (Verdict.UNKNOWN, ALLOWED, Use.AI_TRAIN, Verdict.UNKNOWN),
        (Verdict.UNKNOWN, AIML, Use.AI_TRAIN, Verdict.DENY),  # a deny is settled
        (Verdict.FAILED, AIML, Use.AI_TRAIN, Verdict.FAILED),  # nothing to use
        (Verdict.ALLOW, SILENT, Use.AI_TRAIN, Verdict.ALLOW),
        (Verdict.ALLOW, LINKED, Use.AI_TRAIN, Verdict.LICENSE),
    ],
)
def test_layering_table(
    site_verdict: Verdict, signals: MediaSignals, use: Use, expected: Verdict
) -> None:
    assert layer(site(site_verdict, use), signals, source=URL).verdict is expected


def test_the_deciding_statement_comes_first_with_its_location() -> None:
    decided = layer(site(Verdict.ALLOW), AIML, source=URL)
    first = decided.reasons[0]
    assert (first.signal, first.location, first.effect) == (
        Signal.IPTC,
        "XMP plus:DataMining",
        "deny",
    )
    assert first.rule.endswith("DMI-PROHIBITED-AIMLTRAINING")
    assert decided.uses[Use.GENAI_TRAIN] is Permission.DENY
    assert decided.uses[Use.SEARCH] is Permission.ALLOW  # the file did not speak of search


def test_a_licence_the_file_links_is_offered() -> None:
    decided = layer(site(Verdict.ALLOW), LINKED, source=URL)
    assert [o.url for o in decided.offers] == ["https://photos.example/terms"]


def test_an_allow_is_recorded_after_the_sites_reasons_and_changes_nothing() -> None:
    before = site(Verdict.ALLOW)
    decided = layer(before, ALLOWED, source=URL)
    assert decided.reasons[0] == before.reasons[0]
    assert decided.reasons[-1].effect == "allow"


@pytest.mark.parametrize("site_verdict", [Verdict.ALLOW, Verdict.LICENSE])
def test_a_body_not_read_whole_is_unknown_never_allow(site_verdict: Verdict) -> None:
    decided = layer(site(site_verdict), None, source=URL, unread="the body ended early")
    assert decided.verdict is Verdict.UNKNOWN
    assert decided.reasons[0].effect == "unknown"
    assert decided.reasons[0].rule == "the body ended early"
    assert Permission.ALLOW not in decided.uses.values()


def test_an_unread_part_of_the_file_is_unknown_unless_a_deny_settles_it() -> None:
    broken = MediaSignals(
        media_type="image/jpeg",
        diagnostics=(diagnostic("xmp", "xmp-not-well-formed", "bad XMP", severity=Severity.ERROR),),
    )
    assert layer(site(Verdict.ALLOW), broken, source=URL).verdict is Verdict.UNKNOWN
    assert layer(site(Verdict.DENY), broken, source=URL).verdict is Verdict.DENY
    partly = MediaSignals(
        media_type="image/jpeg", statements=AIML.statements, diagnostics=broken.diagnostics
    )
    assert layer(site(Verdict.ALLOW), partly, source=URL).verdict is Verdict.DENY
    # An info diagnostic (pixels not decodable, XMP still scanned) is not an unread part.
    info = MediaSignals(
        media_type="image/jpeg",
        diagnostics=(diagnostic("image", "image-unreadable", "x", severity=Severity.INFO),),
    )
    assert layer(site(Verdict.ALLOW), info, source=URL).verdict is Verdict.ALLOW


_VERDICTS = st.sampled_from(list(Verdict))
_FILES = st.sampled_from([AIML, ALLOWED, SILENT, LINKED, None])


@given(_VERDICTS, _FILES, st.sampled_from(list(Use)))
def test_a_file_never_widens_what_the_site_said(
    verdict: Verdict, signals: MediaSignals | None, use: Use
) -> None:
    decided = layer(site(verdict, use), signals, source=URL)
    if verdict is not Verdict.ALLOW:
        assert decided.verdict is not Verdict.ALLOW
    if verdict in (Verdict.DENY, Verdict.FAILED):
        assert decided.verdict is verdict
    assert decided.reasons


def test_credits_become_the_ledgers_attribution() -> None:
    assert credits_attribution(AIML) == {
        "author": "Ann Artist",
        "rights_holder": "Studio Example",
        "license_url": "https://studio.example/rights",
        "copyright": "© 2025 Ann Artist",
        "embedded": "author: XMP dc:creator; copyright: XMP dc:rights; "
        "rights_holder: XMP plus:Licensor/plus:LicensorName; "
        "license_url: XMP xmpRights:WebStatement",
    }


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("image/jpeg", True),
        ("audio/mpeg; x=1", True),
        ("application/pdf", True),
        ("text/html; charset=utf-8", False),
        ("", False),
    ],
)
def test_is_media_type(content_type: str, expected: bool) -> None:
    assert is_media_type(content_type) is expected
