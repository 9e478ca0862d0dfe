"""Contradictions between a media file's metadata and the site policy (issue 13 s. 2)."""

from __future__ import annotations

import pytest

from heedful.policies.diagnostics import Severity
from heedful.policies.signals.media import read_media
from heedful.policies.signals.media.lint import lint_media
from heedful.policies.sitepolicy import load_site_policy
from tests.helpers.media_files import image, xmp_packet

POLICY = load_site_policy(
    """
[site]
name = "Photos"
url = "https://photos.example"
contact = "mailto:a@photos.example"

[defaults]
search = "allow"
ai-input = "allow"
ai-train = "deny"
tdm = "allow"

[[paths]]
path = "/open/"
ai-train = "allow"
"""
)
VOCAB = "http://ns.useplus.org/ldf/vocab/"


def findings(value: str, path: str) -> list[tuple[str, Severity, str]]:
    signals = read_media(image("JPEG", xmp_packet(value)), source="p.jpg")
    return [(d.code, d.severity, d.message) for d in lint_media(signals, POLICY, path=path)]


def test_iptc_allowing_training_where_the_site_reserves_it_is_an_error() -> None:
    ((code, severity, message),) = findings(VOCAB + "DMI-ALLOWED", "/photos/a.jpg")
    assert (code, severity) == ("media-allows-reserved", Severity.ERROR)
    # TDMRep has one bit for all of mining, so the policy publishes tdm (and ai-input) as
    # reserved where ai-train is (docs/site-policy.md "Where a format cannot say an exception").
    assert message.startswith(
        "XMP plus:DataMining = DMI-ALLOWED: allow tdm, ai-train, genai-train, ai-input, but the "
        "site policy reserves"
    )
    assert "/photos/a.jpg" in message


def test_a_file_reserving_what_the_site_allows_is_a_warning() -> None:
    ((code, severity, message),) = findings(VOCAB + "DMI-PROHIBITED-AIMLTRAINING", "/open/a.jpg")
    assert (code, severity) == ("media-reserves-allowed", Severity.WARNING)
    assert "deny ai-train, genai-train" in message


@pytest.mark.parametrize(
    ("value", "path"),
    [
        (VOCAB + "DMI-PROHIBITED-AIMLTRAINING", "/photos/a.jpg"),  # both reserve
        (VOCAB + "DMI-ALLOWED", "/open/a.jpg"),  # both allow
        ("", "/photos/a.jpg"),  # the file is silent
    ],
)
def test_agreement_and_silence_are_not_findings(value: str, path: str) -> None:
    assert findings(value, path) == []


def test_without_a_policy_only_the_readers_findings() -> None:
    signals = read_media(image("JPEG", xmp_packet(extra="<bad")), source="p.jpg")
    assert [d.code for d in lint_media(signals)] == ["xmp-not-well-formed"]
