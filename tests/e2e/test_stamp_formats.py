"""``heedful stamp`` on MP4/M4A, FLAC, Ogg Vorbis, PDF and EPUB: the reservation written, read
back by Heedful's own readers to the same decision, and every other byte of metadata and the
media data kept (issue 13 s. 3); HEIF/AVIF reported as not stamped, with the reason."""

from __future__ import annotations

import contextlib
import io
import re
import struct
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from mutagen.flac import FLAC
from mutagen.mp4 import MP4
from mutagen.ogg import OggPage
from mutagen.oggvorbis import OggVorbis
from pypdf import PdfReader

from heedful.cli.common import EXIT_NOT_STAMPED
from heedful.cli.main import cli
from heedful.media.stamp import StampError, stamp_bytes
from heedful.policies.model import Use, Verdict
from heedful.policies.signals.media import read_media, sniff, verdicts
from heedful.policies.signals.media.stamp_plan import plan_stamp
from heedful.policies.sitepolicy import PolicyFormatError, load_site_policy
from tests.helpers.media_files import (
    epub,
    flac,
    image,
    m4a,
    ogg_vorbis,
    pdf,
    tdm_packet,
    xmp_packet,
)

ROOT = Path(__file__).resolve().parents[2]
PHOTOGRAPHER = ROOT / "examples" / "photographer.toml"
MDAT = bytes(range(256)) * 4
FRAMES = b"\xff\xf8\x69\x08" + bytes(range(200))
OGG_AUDIO = (b"\x00" + bytes(range(60)), b"\x00" + bytes(range(120, 250)))
NOT_TDMREP = re.compile(
    r"<meta[^>]*(?:property|name)=\"tdm:[^\"]*\"[^>]*?(?:/>|>[^<]*</meta>)| prefix=\"[^\"]*\""
)


def _files() -> dict[str, bytes]:
    return {
        "a.m4a": m4a(mdat=MDAT),
        "b.mp4": m4a(xmp_packet("", creator="Singer"), mdat=MDAT),
        "c.flac": flac(FRAMES),
        "d.ogg": ogg_vorbis(OGG_AUDIO),
        "e.pdf": pdf(tdm_packet("0")),
        "f.epub": epub(reservation="0"),
        "g.epub": epub(version=2, reservation="0"),
    }


def _boxes(data: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 0
    while pos < len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        out.append((kind, data[pos + 8 : pos + size]))
        pos += size
    return out


def _flac_audio(data: bytes) -> bytes:
    """What follows the last metadata block (FLAC format, METADATA_BLOCK_HEADER)."""
    pos = 4
    while True:
        last, size = data[pos] & 0x80, int.from_bytes(data[pos + 1 : pos + 4], "big")
        pos += 4 + size
        if last:
            return data[pos:]


def _ogg_audio(data: bytes) -> list[bytes]:
    pages = []
    buffer = io.BytesIO(data)
    while buffer.tell() < len(data):
        pages.append(OggPage(buffer))
    return OggPage.to_packets(pages)[3:]  # after the three Vorbis headers


@pytest.fixture
def stamped(tmp_path: Path) -> tuple[Path, dict[str, bytes], object]:
    files = _files()
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    run = CliRunner().invoke(
        cli, ["stamp", "--policy", str(PHOTOGRAPHER), "--no-progress", str(tmp_path)]
    )
    return tmp_path, files, run


def test_every_format_reads_back_with_the_reservation(stamped) -> None:  # type: ignore[no-untyped-def]
    folder, files, run = stamped
    assert run.exit_code == 0, run.output
    policy = load_site_policy(PHOTOGRAPHER.read_bytes())
    for name in files:
        signals = read_media((folder / name).read_bytes(), name)
        plan = plan_stamp(policy, path="/" + name, media_type=signals.media_type)
        rules = [s.rule for s in signals.statements]
        if name.endswith(".epub"):
            assert rules == ["tdm:reservation=1"], name  # the photographer reserves TDM
        elif name.endswith(".pdf"):
            assert rules == [plan.data_mining, "tdm:reservation=1"], name
        else:
            assert rules == [plan.data_mining], name
        own = verdicts(signals.statements)
        for use, verdict in plan.verdicts.items():
            if verdict is not Verdict.ALLOW:
                assert own[use] is not Verdict.ALLOW, (name, use)
    assert not list(folder.glob(".*.heedful"))


def test_mp4_keeps_mdat_and_atoms_and_adds_the_xmp_box(stamped) -> None:  # type: ignore[no-untyped-def]
    folder, files, _ = stamped
    for name in ("a.m4a", "b.mp4"):
        before, after = files[name], (folder / name).read_bytes()
        mdat = [body for kind, body in _boxes(after) if kind == b"mdat"]
        assert mdat == [MDAT], name
        assert [k for k, _ in _boxes(after)][-1] == b"uuid"  # appended after every other box
        tags_before, tags_after = MP4(io.BytesIO(before)).tags, MP4(io.BytesIO(after)).tags
        assert tags_after["\xa9ART"] == tags_before["\xa9ART"] == ["Ann Artist"]
        assert tags_after["cprt"] == ["2025 Ann Artist"]  # there already: kept
    kinds = [k for k, _ in _boxes((folder / "b.mp4").read_bytes())]
    assert kinds.count(b"uuid") == 1
    assert b"free" in kinds  # the old XMP box, its properties carried into the new one
    credits = {(c.field, c.value) for c in read_media((folder / "b.mp4").read_bytes()).credits}
    assert ("creator", "Singer") in credits


def test_flac_and_ogg_keep_audio_and_comments(stamped) -> None:  # type: ignore[no-untyped-def]
    folder, files, _ = stamped
    after = (folder / "c.flac").read_bytes()
    assert _flac_audio(after) == _flac_audio(files["c.flac"]) == FRAMES
    tags = FLAC(io.BytesIO(after)).tags
    assert tags is not None
    assert tags["ARTIST"] == ["Ann Artist"]
    assert tags["COPYRIGHT"] == ["2025 Ann Artist"]  # there already: kept
    assert tags["LICENSE"] == ["https://studio.example/licence"]
    assert tags["DATAMINING"][0].startswith("http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED")
    ogg = (folder / "d.ogg").read_bytes()
    assert _ogg_audio(ogg) == _ogg_audio(files["d.ogg"]) == list(OGG_AUDIO)
    comments = OggVorbis(io.BytesIO(ogg)).tags
    assert comments is not None
    assert comments["ARTIST"] == ["Ann Artist"]
    assert comments["LICENSE"] == ["https://analens.example"]  # absent before: added


def test_pdf_keeps_pages_and_document_info(stamped) -> None:  # type: ignore[no-untyped-def]
    folder, files, _ = stamped
    before = PdfReader(io.BytesIO(files["e.pdf"]))
    after = PdfReader(io.BytesIO((folder / "e.pdf").read_bytes()))
    assert len(after.pages) == len(before.pages)
    for old, new in zip(before.pages, after.pages, strict=True):
        assert new.mediabox == old.mediabox
        old_content, new_content = old.get_contents(), new.get_contents()
        assert (new_content.get_data() if new_content else b"") == (
            old_content.get_data() if old_content else b""
        )
    assert dict(after.metadata or {}) == dict(before.metadata or {})
    xmp = after.xmp_metadata
    assert xmp is not None
    packet = after.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"tdm:reservation>1<" in packet or b'tdm:reservation="1"' in packet


def test_epub_rewrites_only_the_package_document(stamped) -> None:  # type: ignore[no-untyped-def]
    folder, files, _ = stamped
    for name in ("f.epub", "g.epub"):
        with (
            zipfile.ZipFile(io.BytesIO(files[name])) as old,
            zipfile.ZipFile(folder / name) as new,
        ):
            olds, news = old.infolist(), new.infolist()
            assert [i.filename for i in news] == [i.filename for i in olds]
            for a, b in zip(olds, news, strict=True):
                assert (b.compress_type, b.date_time) == (a.compress_type, a.date_time)
                if not a.filename.endswith(".opf"):
                    assert new.read(b) == old.read(a), a.filename
            assert news[0].filename == "mimetype"
            assert news[0].compress_type == zipfile.ZIP_STORED
            opf_old = old.read("OEBPS/content.opf").decode()
            opf_new = new.read("OEBPS/content.opf").decode()
        # Apart from TDMRep's metas and the prefix declaring them, the OPF is byte for byte.
        assert NOT_TDMREP.sub("", opf_new) == NOT_TDMREP.sub("", opf_old), name
        if name == "f.epub":
            assert 'prefix="tdm: http://www.w3.org/ns/tdmrep#"' in opf_new
            assert '<meta property="tdm:reservation">1</meta>' in opf_new
        else:
            assert '<meta name="tdm:reservation" content="1"/>' in opf_new


def test_heif_and_avif_are_reported_not_stamped(tmp_path: Path) -> None:
    avif = (ROOT / "tests" / "data" / "media" / "plus-genai.avif").read_bytes()
    (tmp_path / "a.avif").write_bytes(avif)
    run = CliRunner().invoke(
        cli, ["stamp", "--policy", str(PHOTOGRAPHER), "--no-progress", str(tmp_path)]
    )
    assert run.exit_code == EXIT_NOT_STAMPED, run.output
    assert "Exiv2 reads AVIF metadata but cannot write it" in run.output
    assert (tmp_path / "a.avif").read_bytes() == avif


@pytest.mark.parametrize(
    "data",
    [
        m4a(mdat=MDAT)[:-20],  # a box cut short
        m4a(mdat=MDAT)[: -len(MDAT) - 8] + struct.pack(">I", 0) + b"mdat" + MDAT,  # to EOF
        b"fLaC\x00\x00",
        b"%PDF-1.7\n" + bytes(30),
        b"PK\x03\x04" + bytes(40),
    ],
    ids=["mp4-cut", "mp4-mdat-to-eof", "flac-cut", "pdf-empty", "zip-cut"],
)
def test_damaged_files_raise_stamp_error(data: bytes) -> None:
    policy = load_site_policy(PHOTOGRAPHER.read_bytes())
    media_type = sniff(
        data, {b"fL": "a.flac", b"%P": "a.pdf", b"PK": "a.epub"}.get(data[:2], "a.m4a")
    )
    plan = plan_stamp(policy, path="/x", media_type=media_type)
    with pytest.raises(StampError):
        stamp_bytes(data, media_type, plan)


CHOICES = st.sampled_from(["allow", "deny", "license"])
USES = ("search", "ai-input", "ai-train", "tdm")


def _policy(choices: dict[str, str]) -> str:
    lines = "\n".join(f'{use} = "{choice}"' for use, choice in choices.items())
    text = (
        '[site]\nname = "Studio"\nurl = "https://studio.example"\n'
        f'contact = "https://studio.example/contact"\n\n[defaults]\n{lines}\n'
    )
    if "license" in choices.values():
        text += (
            '\n[license]\npayment = "crawl"\namount = "0.01"\ncurrency = "EUR"\n'
            'terms = "https://studio.example/terms"\n'
        )
    return text


ROUND_TRIP = {
    "a.m4a": m4a(mdat=MDAT),
    "c.flac": flac(FRAMES),
    "d.ogg": ogg_vorbis(OGG_AUDIO),
    "e.pdf": pdf(tdm_packet("0")),
    "f.epub": epub(reservation="0"),
    "g.epub": epub(version=2, reservation="0"),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries(dict.fromkeys(USES, CHOICES)))
def test_each_format_reads_back_to_the_decision_of_the_stamped_image(
    choices: dict[str, str],
) -> None:
    """Whatever the policy says, every format read back by Heedful decides as a JPEG stamped
    from the same plan does (PDF may decide a use exactly as the policy means, from its TDMRep
    pair; EPUB, whose binding is TDMRep alone, decides TDM as the plan), and never allows what
    the policy reserves."""
    try:
        policy = load_site_policy(_policy(choices).encode())
    except PolicyFormatError:
        assume(False)  # a TDM reservation covering an allowed AI use is refused at load
    for name, data in ROUND_TRIP.items():
        media_type = sniff(data, name)
        plan = plan_stamp(policy, path="/" + name, media_type=media_type)
        reference = stamp_bytes(image("JPEG", xmp_packet("")), "image/jpeg", plan)
        expected = verdicts(read_media(reference, "a.jpg").statements)
        got = verdicts(read_media(stamp_bytes(data, media_type, plan), name).statements)
        # TDMRep speaks of mining only: an EPUB cannot carry a reservation of search.
        said = set(Use) - {Use.SEARCH} if name.endswith(".epub") else set(Use)
        if name.endswith(".epub"):
            assert got[Use.TDM] is plan.verdicts[Use.TDM], (name, choices)
        elif name.endswith(".pdf"):
            # TDMRep's bit beside the PLUS value: each use reads as the image does, or exactly
            # as the policy means (the PLUS vocabulary cannot say "licensed for search, AI
            # training denied"; TDMRep's reservation without a policy can).
            for use in Use:
                assert got[use] in (expected[use], plan.verdicts[use]), (name, use, choices)
        else:
            assert got == expected, (name, choices)
        for use, verdict in plan.verdicts.items():
            if verdict is not Verdict.ALLOW and use in said:
                assert got[use] is not Verdict.ALLOW, (name, use, choices)


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(ROUND_TRIP)))
    data = bytearray(ROUND_TRIP[name])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return name, bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_a_damaged_file_is_stamped_and_reads_back_or_refused(case: tuple[str, bytes]) -> None:
    """A writer never raises anything but :class:`StampError` (the file is then left as it was),
    and what it returns reads back with the planned reservation (``stamp_bytes`` checks)."""
    name, data = case
    policy = load_site_policy(PHOTOGRAPHER.read_bytes())
    media_type = sniff(data, name)
    plan = plan_stamp(policy, path="/" + name, media_type=media_type)
    with contextlib.suppress(StampError):
        stamp_bytes(data, media_type, plan)


@pytest.mark.parametrize("name", sorted(ROUND_TRIP))
def test_a_file_stamped_again_says_only_the_new_reservation(name: str) -> None:
    """Restamping after the policy changed replaces the reservation (no stale packet left for
    a packet scanner to find) and does not grow the file each time."""
    strict = load_site_policy(PHOTOGRAPHER.read_bytes())
    open_policy = load_site_policy(_policy(dict.fromkeys(USES, "allow")).encode())
    data = ROUND_TRIP[name]
    media_type = sniff(data, name)
    once = stamp_bytes(data, media_type, plan_stamp(strict, path="/x", media_type=media_type))
    twice = stamp_bytes(once, media_type, plan_stamp(open_policy, path="/x", media_type=media_type))
    again = stamp_bytes(twice, media_type, plan_stamp(strict, path="/x", media_type=media_type))
    assert verdicts(read_media(twice, name).statements)[Use.AI_TRAIN] is Verdict.ALLOW
    assert read_media(again, name).statements == read_media(once, name).statements
    assert len(again) == len(once)
