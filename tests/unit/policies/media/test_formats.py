"""Per-format readers: where each container keeps its metadata, and hostile containers."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from heedful.policies.model import Permission, Use
from heedful.policies.signals.media import combined_uses, read_media, sniff
from heedful.policies.signals.media.epub import MAX_OPF_BYTES
from heedful.policies.signals.media.signals import MAX_MEDIA_BYTES
from tests.helpers.media_files import (
    epub,
    flac,
    image,
    jpeg_with_exif_and_iim,
    m4a,
    mp3,
    pdf,
    tdm_packet,
    xmp_packet,
)

D = Permission.DENY


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF", "AVIF"])
def test_xmp_in_each_image_format(fmt: str) -> None:
    signals = read_media(image(fmt, xmp_packet()), source="a")
    assert combined_uses(signals.statements)[Use.GENAI_TRAIN] is D
    assert [s.location for s in signals.statements] == ["XMP plus:DataMining"]


def test_png_xmp_after_the_image_data_is_found_by_the_scan() -> None:
    # iTXt may follow IDAT (PNG specification, chunk ordering); Pillow reads it only on load().
    plain = image("PNG", b"")
    packet = xmp_packet()
    payload = b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + packet
    import zlib

    chunk = len(payload).to_bytes(4, "big") + b"iTXt" + payload
    chunk += zlib.crc32(b"iTXt" + payload).to_bytes(4, "big")
    late = plain[:-12] + chunk + plain[-12:]
    assert combined_uses(read_media(late).statements)[Use.AI_TRAIN] is D


def test_exif_and_iptc_iim_credits() -> None:
    signals = read_media(jpeg_with_exif_and_iim())
    assert {(c.field, c.value, c.location) for c in signals.credits} == {
        ("creator", "Exif Artist", "EXIF Artist"),
        ("copyright", "(c) 2024 Exif Artist", "EXIF Copyright"),
        ("creator", "IIM Byline", "IPTC-IIM 2:80 By-line"),
        ("copyright", "(c) IIM Notice", "IPTC-IIM 2:116 Copyright Notice"),
        ("credit", "IIM Credit", "IPTC-IIM 2:110 Credit"),
    }


def test_id3_frames_and_priv_xmp() -> None:
    signals = read_media(mp3(xmp_packet()), "song.mp3")
    assert signals.media_type == "audio/mpeg"
    assert combined_uses(signals.statements)[Use.AI_TRAIN] is D
    found = {(c.field, c.location) for c in signals.credits}
    assert {
        ("copyright", "ID3 TCOP"),
        ("web-statement", "ID3 WCOP"),
        ("creator", "ID3 TPE1"),
    } <= found


def test_vorbis_comments() -> None:
    signals = read_media(flac())
    assert {(c.field, c.value) for c in signals.credits} == {
        ("creator", "Ann Artist"),
        ("copyright", "2025 Ann Artist"),
        ("usage-terms", "https://studio.example/licence"),
    }


def test_mp4_atoms_and_xmp_uuid_box() -> None:
    signals = read_media(m4a(xmp_packet()), "a.m4a")
    assert signals.media_type == "audio/mp4"
    assert combined_uses(signals.statements)[Use.AI_TRAIN] is D
    assert {("copyright", "MP4 cprt"), ("creator", "MP4 ©ART")} <= {
        (c.field, c.location) for c in signals.credits
    }


def test_pdf_compressed_xmp_and_info() -> None:
    data = pdf(tdm_packet("1"))
    assert b"tdm:reservation" not in data  # Flate-compressed: only pypdf can read it
    signals = read_media(data)
    assert combined_uses(signals.statements)[Use.TDM] is D
    assert ("creator", "Ann Artist", "PDF Info /Author") in {
        (c.field, c.value, c.location) for c in signals.credits
    }


@pytest.mark.parametrize("version", [2, 3])
def test_epub_tdmrep(version: int) -> None:
    signals = read_media(
        epub(version=version, reservation="1", policy="https://pub.example/p.json")
    )
    (stmt,) = signals.statements
    assert stmt.location == "OPF OEBPS/content.opf meta tdm:reservation"
    assert stmt.offer is not None
    assert combined_uses(signals.statements)[Use.TDM] is Permission.LICENSE


def test_an_epub_whose_package_inflates_too_far_is_not_read() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        archive.writestr(
            "META-INF/container.xml",
            '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="p.opf"/></rootfiles></container>',
        )
        archive.writestr("p.opf", b" " * (MAX_OPF_BYTES + 1))
    signals = read_media(buffer.getvalue())
    assert signals.media_type == "application/epub+zip"
    assert "epub-member-too-large" in [d.code for d in signals.diagnostics]


def test_a_decompression_bomb_is_never_decoded() -> None:
    # A PNG header claiming 100000 x 100000 pixels: Pillow refuses it at open; the XMP still counts.
    bomb = image("PNG", xmp_packet(), size=(1, 1))
    ihdr = bomb.index(b"IHDR")
    huge = (100_000).to_bytes(4, "big") * 2
    import zlib

    body = b"IHDR" + huge + bomb[ihdr + 12 : ihdr + 17]
    bomb = bomb[:ihdr] + body + zlib.crc32(body).to_bytes(4, "big") + bomb[ihdr + 21 :]
    signals = read_media(bomb)
    assert "image-bomb" in [d.code for d in signals.diagnostics]
    assert combined_uses(signals.statements)[Use.AI_TRAIN] is D


def test_inputs_over_the_limit_are_not_read() -> None:
    signals = read_media(b"\xff\xd8\xff" + bytes(MAX_MEDIA_BYTES))
    assert [d.code for d in signals.diagnostics] == ["media-too-large"]


def test_misuse_raises() -> None:
    with pytest.raises(TypeError):
        read_media("not bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "hint", "expected"),
    [
        (b"\xff\xd8\xff\xe0", "x.png", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "", "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "", "image/webp"),
        (b"II*\x00", "", "image/tiff"),
        (b"\x00\x00\x00\x18ftypheic", "", "image/heic"),
        (b"\x00\x00\x00\x18ftypavif", "", "image/avif"),
        (b"\x00\x00\x00\x18ftypM4A ", "", "audio/mp4"),
        (b"\x00\x00\x00\x18ftypisom", "", "video/mp4"),
        (b"ID3\x04\x00", "", "audio/mpeg"),
        (b"fLaC", "", "audio/flac"),
        (b"%PDF-1.7", "", "application/pdf"),
        (b"<?xpacket begin", "", "application/rdf+xml"),
        (b"nothing known", "photo.XMP", "application/rdf+xml"),
        (b"nothing known", "image/gif; q=1", "image/gif"),
        (b"nothing known", "", ""),
    ],
)
def test_sniff(data: bytes, hint: str, expected: str) -> None:
    assert sniff(data, hint) == expected


def test_a_truncated_image_still_gives_its_xmp() -> None:
    data = image("JPEG", xmp_packet())
    signals = read_media(data[: len(data) // 2 + 900])
    assert combined_uses(signals.statements)[Use.AI_TRAIN] is D


def test_gif_xmp_by_scan() -> None:
    buffer = io.BytesIO()
    Image.new("P", (2, 2)).save(buffer, "GIF")
    gif = buffer.getvalue()
    # XMP Specification Part 3, Storage in Files (GIF): an application extension "XMP DataXMP".
    packet = b"\x21\xff\x0bXMP DataXMP" + xmp_packet() + bytes(range(255, -1, -1)) + b"\x00"
    assert combined_uses(read_media(gif[:-1] + packet + gif[-1:]).statements)[Use.AI_TRAIN] is D


def test_a_pdf_metadata_bomb_is_not_parsed() -> None:
    # 16 MiB of padding compresses to a few KiB; the inflated packet is refused, not parsed.
    bomb = pdf(xmp_packet(extra="<!--" + " " * (16 * 1024 * 1024) + "-->"))
    assert len(bomb) < 100_000
    signals = read_media(bomb)
    assert signals.statements == ()
    assert {"pdf-xmp-too-large", "pdf-unreadable"} & {d.code for d in signals.diagnostics}


def test_a_jpeg_is_searched_only_up_to_its_first_scan() -> None:
    from heedful.policies.signals.media.sniff import jpeg_metadata_end

    data = image("JPEG", xmp_packet())
    end = jpeg_metadata_end(data)
    assert data[end : end + 2] == b"\xff\xda"
    assert b"plus:DataMining" in data[:end]
    assert jpeg_metadata_end(b"\xff\xd8garbage") == len(b"\xff\xd8garbage")  # not walkable


@given(st.binary(max_size=256))
def test_jpeg_metadata_end_is_total(data: bytes) -> None:
    from heedful.policies.signals.media.sniff import jpeg_metadata_end

    assert 0 <= jpeg_metadata_end(b"\xff\xd8" + data) <= len(data) + 2
