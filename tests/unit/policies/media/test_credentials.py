"""C2PA manifests signed with the real SDK: CAWG and C2PA 1.x training-mining, validation state."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from heedful.policies.model import Permission, Signal, Use
from heedful.policies.signals.media import ManifestState, combined_uses, read_media
from heedful.policies.signals.media.credentials import might_hold_manifest, read_credentials
from tests.helpers.media_files import ManifestSigner, training_mining

D, A, L, U = Permission.DENY, Permission.ALLOW, Permission.LICENSE, Permission.UNKNOWN


@pytest.fixture(scope="module")
def signer() -> ManifestSigner:
    return ManifestSigner.make()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def answers(data: bytes, **kwargs: str) -> dict[Use, Permission]:
    signals = read_media(data, source="a", **kwargs)
    return {use: p for use, p in combined_uses(signals.statements).items() if p is not U}


def test_cawg_assertion_per_category(signer: ManifestSigner) -> None:
    # The CAWG 1.0 example: generative training refused, non-generative allowed, inference
    # constrained by a licence page, data mining allowed.
    assertion = training_mining(
        ai_generative_training="notAllowed",
        ai_training="allowed",
        ai_inference={"use": "constrained", "constraint_info": "https://studio.example/ai-terms"},
        data_mining="allowed",
    )
    signed = signer.sign(jpeg(), "image/jpeg", [assertion])
    signals = read_media(signed, "a.jpg", source="https://example.test/a.jpg")
    assert signals.manifest is ManifestState.VALID
    (stmt,) = signals.statements
    assert stmt.signal is Signal.C2PA
    assert stmt.location == "C2PA cawg.training-mining"
    assert stmt.offer is not None
    assert stmt.offer.url == "https://studio.example/ai-terms"
    # ai-train is all training: the stricter of the two training entries.
    assert answers(signed) == {Use.GENAI_TRAIN: D, Use.AI_TRAIN: D, Use.AI_INPUT: L, Use.TDM: A}


def test_c2pa_1x_label_is_read(signer: ManifestSigner) -> None:
    assertion = training_mining("c2pa.training-mining", ai_training="notAllowed")
    signed = signer.sign(png(), "image/png", [assertion])
    assert answers(signed) == {Use.AI_TRAIN: D}
    assert read_media(signed).statements[0].location == "C2PA c2pa.training-mining"


def test_constrained_without_a_licence_is_not_allowed(signer: ManifestSigner) -> None:
    # CAWG 1.0, Entries: absent further information, constrained is treated as notAllowed.
    free_text = {"use": "constrained", "constraint_info": "ask the studio"}
    signed = signer.sign(jpeg(), "image/jpeg", [training_mining(ai_inference=free_text)])
    assert answers(signed) == {Use.AI_INPUT: D}
    assert "ask the studio" in read_media(signed).statements[0].note


def test_trust_anchors_make_the_manifest_trusted(signer: ManifestSigner) -> None:
    signed = signer.sign(jpeg(), "image/jpeg", [training_mining(data_mining="notAllowed")])
    assert read_media(signed).manifest is ManifestState.VALID
    assert read_media(signed, trust_anchors=signer.ca_pem).manifest is ManifestState.TRUSTED
    other = ManifestSigner.make()
    assert read_media(signed, trust_anchors=other.ca_pem).manifest is ManifestState.VALID


def test_an_invalid_manifest_keeps_its_reservations_and_loses_its_permissions(
    signer: ManifestSigner,
) -> None:
    assertion = training_mining(ai_generative_training="notAllowed", data_mining="allowed")
    comment = b"\xff\xfe\x00\x0aoriginal"  # a JPEG COM segment the data hash covers
    original = jpeg()
    signed = signer.sign(original[:2] + comment + original[2:], "image/jpeg", [assertion])
    assert read_media(signed).manifest is ManifestState.VALID
    signed = signed.replace(b"original", b"altered!")  # changed after signing
    signals = read_media(signed, "a.jpg")
    assert signals.manifest is ManifestState.INVALID
    assert "c2pa-invalid" in [d.code for d in signals.diagnostics]
    assert answers(signed) == {Use.GENAI_TRAIN: D}
    assert "cawg.data_mining allowed: ignored" in signals.statements[0].note


def test_a_malformed_entry_reads_as_not_allowed(signer: ManifestSigner) -> None:
    signed = signer.sign(jpeg(), "image/jpeg", [training_mining(ai_training="maybe")])
    signals = read_media(signed)
    assert answers(signed) == {Use.AI_TRAIN: D}
    assert "c2pa-entry-malformed" in [d.code for d in signals.diagnostics]


def test_a_manifest_without_the_assertion_says_nothing(signer: ManifestSigner) -> None:
    signed = signer.sign(jpeg(), "image/jpeg", [])
    signals = read_media(signed)
    assert signals.manifest is ManifestState.VALID
    assert signals.statements == ()


def test_files_without_c2pa_bytes_skip_the_sdk() -> None:
    assert not might_hold_manifest(jpeg())
    assert read_credentials(jpeg(), "image/jpeg", source="a").state is ManifestState.NONE


def test_broken_c2pa_data_is_a_diagnostic_not_an_exception() -> None:
    junk = b"\xff\xd8\xff\xeb\x00\x20JPc2pa" + bytes(40) + b"\xff\xd9"
    facts = read_credentials(junk, "image/jpeg", source="a")
    assert facts.statements == ()
