"""Every shipped media file (tests/data/media, made by tests/helpers/media_files.py) reads as
its expected.json row says: the file's own answer per use, its credits, its manifest state."""

from __future__ import annotations

import json
from typing import Any

import pytest

from heedful.policies.model import Permission
from heedful.policies.signals.media import ManifestState, combined_uses, read_media
from tests.conftest import data_path

EXPECTED: dict[str, dict[str, Any]] = json.loads(
    data_path("media", "expected.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shipped_media_file(name: str) -> None:
    row = EXPECTED[name]
    signals = read_media(data_path("media", name).read_bytes(), name, source=name)
    uses = {
        str(use): str(perm)
        for use, perm in combined_uses(signals.statements).items()
        if perm is not Permission.UNKNOWN
    }
    assert uses == row["uses"]
    assert len(signals.credits) == row["credits"]
    assert str(signals.manifest) == row["manifest"]
    assert signals.diagnostics == ()
    assert all(s.source == name and s.location for s in signals.statements)


def test_the_shipped_c2pa_file_is_trusted_under_its_test_ca() -> None:
    anchors = data_path("media", "c2pa-test-ca.pem").read_text(encoding="utf-8")
    signed = data_path("media", "c2pa-cawg.jpg").read_bytes()
    assert read_media(signed, trust_anchors=anchors).manifest is ManifestState.TRUSTED


def test_the_corpus_covers_every_reader() -> None:
    types = {
        read_media(data_path("media", name).read_bytes(), name).media_type for name in EXPECTED
    }
    assert types >= {
        "image/jpeg", "image/png", "image/webp", "image/tiff", "image/avif", "application/rdf+xml",
        "audio/mpeg", "audio/flac", "audio/mp4", "application/pdf", "application/epub+zip",
    }  # fmt: skip
