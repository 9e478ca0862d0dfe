"""``heedful stamp``: the policy's reservation written into real files, in place, with every
other metadata property and the image or audio data kept (issue 13 s. 3)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from heedful.cli.common import EXIT_NOT_STAMPED
from heedful.cli.main import cli
from heedful.policies.model import Use, Verdict
from heedful.policies.signals.media import read_media, verdicts
from heedful.policies.signals.media.stamp_plan import plan_stamp
from heedful.policies.sitepolicy import load_site_policy
from tests.helpers.media_files import image, jpeg_with_exif_and_iim, mp3, xmp_packet

ROOT = Path(__file__).resolve().parents[2]
PHOTOGRAPHER = ROOT / "examples" / "photographer.toml"
VOCAB = "http://ns.useplus.org/ldf/vocab/"
OPEN_POLICY = """
[site]
name = "Open Studio"
url = "https://open.example"
contact = "https://open.example/contact"

[defaults]
search = "allow"
ai-input = "allow"
ai-train = "deny"
tdm = "allow"
attribution = "Photo: Open Studio"

[[paths]]
path = "/free/"
ai-train = "allow"
"""


def _files(folder: Path) -> dict[str, bytes]:
    (folder / "blog").mkdir(parents=True)
    files = {
        "a.jpg": image("JPEG", xmp_packet(VOCAB + "DMI-ALLOWED")),
        "exif.jpg": jpeg_with_exif_and_iim(),
        "b.png": image("PNG", xmp_packet("")),
        "blog/c.webp": image("WEBP", xmp_packet("", creator="Web P")),
        "d.tif": image("TIFF", xmp_packet("")),
        "e.xmp": xmp_packet(""),
        "song.mp3": mp3(xmp_packet("", creator="Singer")),
        "plain.mp3": mp3(),
        "notes.txt": b"not media",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return files


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as picture:
        return picture.convert("RGB").tobytes()


def _audio(data: bytes) -> bytes:
    """The MPEG frames: everything after the ID3v2 tag (its size is syncsafe, ID3v2.4 s. 3.1)."""
    size = 0
    for byte in data[6:10]:
        size = size << 7 | byte
    return data[10 + size :]


@pytest.fixture
def stamped(tmp_path: Path) -> tuple[Path, dict[str, bytes], object]:
    files = _files(tmp_path)
    run = CliRunner().invoke(
        cli, ["stamp", "--policy", str(PHOTOGRAPHER), "--no-progress", str(tmp_path)]
    )
    return tmp_path, files, run


def test_every_media_file_gets_the_policys_reservation(stamped) -> None:  # type: ignore[no-untyped-def]
    folder, files, run = stamped
    assert run.exit_code == 0, run.output
    policy = load_site_policy(PHOTOGRAPHER.read_bytes())
    for name in files:
        if name == "notes.txt":
            continue
        data = (folder / name).read_bytes()
        signals = read_media(data, name)
        planned = plan_stamp(policy, path="/" + name, media_type=signals.media_type)
        said = [s.rule for s in signals.statements if s.location == "XMP plus:DataMining"]
        assert said == [planned.data_mining], name
        # The photographer reserves every use of images, and all but search of the rest.
        own = verdicts(signals.statements)
        for use, verdict in planned.verdicts.items():
            if verdict is not Verdict.ALLOW:
                assert own[use] is not Verdict.ALLOW, (name, use)
    assert (folder / "notes.txt").read_bytes() == b"not media"
    assert "stamped" in run.output
    assert not list(folder.rglob("*.heedful"))  # no temp file left behind


def test_image_data_and_other_metadata_are_kept(stamped) -> None:  # type: ignore[no-untyped-def]
    folder, files, _ = stamped
    for name in ("a.jpg", "exif.jpg", "b.png", "blog/c.webp", "d.tif"):
        after = (folder / name).read_bytes()
        assert _pixels(after) == _pixels(files[name]), name
    with Image.open(folder / "exif.jpg") as picture:
        exif = picture.getexif()
    assert (exif[0x013B], exif[0x8298]) == ("Exif Artist", "(c) 2024 Exif Artist")
    credits = {(c.field, c.value) for c in read_media((folder / "exif.jpg").read_bytes()).credits}
    assert {("creator", "IIM Byline"), ("credit", "IIM Credit")} <= credits
    # What the file already said about its rights is kept, not overwritten.
    creds = {(c.field, c.value) for c in read_media((folder / "blog/c.webp").read_bytes()).credits}
    assert {("creator", "Web P"), ("copyright", "© 2025 Ann Artist")} <= creds
    assert ("licensor", "Studio Example") in creds


def test_audio_frames_are_kept_and_rights_frames_added(stamped) -> None:  # type: ignore[no-untyped-def]
    folder, files, _ = stamped
    for name in ("song.mp3", "plain.mp3"):
        after = (folder / name).read_bytes()
        assert _audio(after) == _audio(files[name]), name
    credits = {(c.field, c.value) for c in read_media((folder / "song.mp3").read_bytes()).credits}
    assert ("creator", "Singer") in credits  # the XMP that was there is kept
    assert ("copyright", "2025 Ann Artist") in credits  # TCOP was there: kept


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    files = _files(tmp_path)
    run = CliRunner().invoke(
        cli, ["stamp", "--policy", str(PHOTOGRAPHER), "--dry-run", "--no-progress", str(tmp_path)]
    )
    assert run.exit_code == 0, run.output
    assert "would stamp" in run.output
    assert {name: (tmp_path / name).read_bytes() for name in files} == files


def test_the_path_decides_the_value_and_the_rights_fields(tmp_path: Path) -> None:
    policy = tmp_path / "open.toml"
    policy.write_text(OPEN_POLICY)
    site = tmp_path / "site"
    (site / "free").mkdir(parents=True)
    (site / "a.jpg").write_bytes(image("JPEG", xmp_packet("", creator="")))
    (site / "free" / "b.jpg").write_bytes(image("JPEG", xmp_packet("", creator="")))
    run = CliRunner().invoke(cli, ["stamp", "--policy", str(policy), "--no-progress", str(site)])
    assert run.exit_code == 0, run.output
    reserved = read_media((site / "a.jpg").read_bytes())
    free = read_media((site / "free" / "b.jpg").read_bytes())
    # ai-train reserved: TDMRep has one bit for mining, so tdm and ai-input are published as
    # reserved too (docs/site-policy.md "Where a format cannot say an exception").
    assert reserved.statements[0].rule == VOCAB + "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"
    assert free.statements[0].rule == VOCAB + "DMI-ALLOWED"
    assert verdicts(free.statements)[Use.AI_TRAIN] is Verdict.ALLOW


def test_files_that_cannot_be_stamped_are_named_and_left_unchanged(tmp_path: Path) -> None:
    broken = b"\xff\xd8\xff\xe0" + b"\x00" * 40  # a JPEG signature and nothing else
    (tmp_path / "broken.jpg").write_bytes(broken)
    (tmp_path / "song.gif").write_bytes(image("GIF", b""))
    (tmp_path / "ok.jpg").write_bytes(image("JPEG", xmp_packet("")))
    run = CliRunner().invoke(
        cli, ["stamp", "--policy", str(PHOTOGRAPHER), "--no-progress", str(tmp_path)]
    )
    assert run.exit_code == EXIT_NOT_STAMPED == 10, run.output
    assert f"cannot stamp {tmp_path / 'broken.jpg'}" in run.output
    assert f"cannot stamp {tmp_path / 'song.gif'}" in run.output
    assert (tmp_path / "broken.jpg").read_bytes() == broken
    assert read_media((tmp_path / "ok.jpg").read_bytes()).statements  # the rest still stamped
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.jpg", "ok.jpg", "song.gif"]


def test_a_named_file_that_is_not_media_is_reported(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    run = CliRunner().invoke(
        cli, ["stamp", "--policy", str(PHOTOGRAPHER), "--no-progress", str(tmp_path / "notes.txt")]
    )
    assert run.exit_code == EXIT_NOT_STAMPED, run.output
    assert "not a media file" in run.output
