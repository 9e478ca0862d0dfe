"""The media readers are total: random bytes, mutated real files and random XMP never raise,
and whatever they return is well formed (every statement has a location; the answer is a
per-use permission)."""

from __future__ import annotations

import json
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heedful.policies.model import Permission, Use
from heedful.policies.signals.media import MediaSignals, combined_uses, read_media
from heedful.policies.signals.media.plus import DATA_MINING, VOCAB_PREFIX, DataMiningValue
from heedful.policies.signals.media.xmp import read_packets
from tests.conftest import data_path
from tests.helpers.media_files import xmp_packet

HINTS = st.sampled_from(
    ["", "a.jpg", "a.xmp", "a.mp3", "a.pdf", "a.epub", "image/png", "video/mp4"]
)


@cache
def corpus() -> tuple[tuple[str, bytes], ...]:
    names = sorted(json.loads(data_path("media", "expected.json").read_text(encoding="utf-8")))
    return tuple((name, data_path("media", name).read_bytes()) for name in names)


def well_formed(signals: MediaSignals) -> None:
    assert all(s.location for s in signals.statements)
    assert set(combined_uses(signals.statements)) == set(Use)
    json.dumps(signals.as_dict())


MAGIC = st.sampled_from(
    [b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x00\x00\x00WEBP", b"II*\x00",
     b"ID3\x04\x00\x00", b"fLaC", b"OggS", b"%PDF-1.4\n", b"PK\x03\x04", b"<x:xmpmeta ",
     b"\x00\x00\x00\x18ftypmp42", b"c2pa"]
)  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(MAGIC, st.binary(max_size=2048), HINTS)
def test_random_bytes_never_raise(magic: bytes, body: bytes, hint: str) -> None:
    well_formed(read_media(magic + body, hint))


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name, data = draw(st.sampled_from(corpus()))
    buffer = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        at = draw(st.integers(0, max(len(buffer) - 1, 0)))
        if kind == "flip" and buffer:
            buffer[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del buffer[at:]
        elif kind == "insert":
            buffer[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif buffer:
            del buffer[at : at + draw(st.integers(1, 64))]
    return name, bytes(buffer)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_real_files_never_raise(case: tuple[str, bytes]) -> None:
    name, data = case
    well_formed(read_media(data, name))


@settings(max_examples=200)
@given(st.text(max_size=200), st.booleans())
def test_any_data_mining_text_never_raises(value: str, as_attribute: bool) -> None:
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    facts = read_packets([xmp_packet(escaped, as_attribute=as_attribute)], source="x")
    assert all(s.location == "XMP plus:DataMining" for s in facts.statements)


@given(st.sampled_from(DATA_MINING), st.sampled_from(DATA_MINING))
def test_a_second_value_never_loosens_the_first(one: DataMiningValue, two: DataMiningValue) -> None:
    # Adding a statement never turns a deny into anything else (docs/decisions.md, Combining
    # statements): a file with two plus:DataMining values is as strict as its stricter one.
    first = read_packets([xmp_packet(VOCAB_PREFIX + one.code)], source="x")
    both = read_packets(
        [xmp_packet(VOCAB_PREFIX + one.code), xmp_packet(VOCAB_PREFIX + two.code)],
        source="x",
    )
    before, after = combined_uses(first.statements), combined_uses(both.statements)
    assert all(after[use] is Permission.DENY for use in Use if before[use] is Permission.DENY)
