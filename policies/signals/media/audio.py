"""Audio and video tags: rights and credits, and any XMP they carry, read with mutagen.

ID3v2.4 (id3.org, ID3 tag version 2.4.0 - Native Frames): ``TCOP`` copyright message,
``WCOP`` copyright/legal information URL, ``TPE1`` lead performer, ``TCOM`` composer, ``TEXT``
lyricist; ``PRIV`` frames owned by ``XMP`` hold an XMP packet (XMP Specification Part 3,
MP3). Vorbis comments (FLAC, Ogg): ``ARTIST``, ``COPYRIGHT``, ``LICENSE``
(xiph.org, Ogg Vorbis I format specification: comment field and header specification). MP4
(iTunes-style ``ilst`` atoms): ``cprt``, ``©ART``, ``©wrt``.

Vorbis comments have no field for an AI-use reservation and no home for XMP, so ``heedful
stamp`` writes the IPTC Data Mining value as the comment ``DATAMINING`` (a PLUS vocabulary URI,
read exactly as ``plus:DataMining``; the linked rights expression, when the value refers to
one, is the ``LICENSE`` URL): docs/decisions.md, Media-embedded signals, Writing the
reservation.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any, Final

import mutagen
from mutagen.id3 import ID3
from mutagen.mp4 import MP4Tags

from heedful.policies.diagnostics import Diagnostic, Severity
from heedful.policies.model import Statement
from heedful.policies.signals.media.signals import Credit, diagnostic
from heedful.policies.signals.media.xmp import data_mining_statement

KIND: Final = "audio"

ID3_CREDITS: Final = (
    ("TCOP", "copyright"),
    ("WCOP", "web-statement"),
    ("TPE1", "creator"),
    ("TCOM", "creator"),
    ("TEXT", "creator"),
)
VORBIS_CREDITS: Final = (
    ("artist", "creator"),
    ("composer", "creator"),
    ("performer", "creator"),
    ("copyright", "copyright"),
    ("license", "usage-terms"),
)
VORBIS_DATA_MINING: Final = "DATAMINING"
"""The Vorbis comment holding the PLUS Data Mining value (field names are case-insensitive)."""
MAX_VORBIS_VALUES: Final = 16
MP4_CREDITS: Final = (("cprt", "copyright"), ("\xa9ART", "creator"), ("\xa9wrt", "creator"))


def read_audio(
    data: bytes, *, source: str = ""
) -> tuple[list[bytes], list[Credit], list[Diagnostic], str, list[Statement]]:
    """XMP packets, credits, diagnostics, the container mutagen recognised, and the statements
    of a Vorbis ``DATAMINING`` comment."""
    statements: list[Statement] = []
    packets: list[bytes] = []
    credits: list[Credit] = []
    out: list[Diagnostic] = []
    try:
        found = mutagen.File(io.BytesIO(data))
    except mutagen.MutagenError as exc:
        out.append(
            diagnostic(
                KIND,
                "audio-unreadable",
                f"audio tags not readable ({type(exc).__name__}: {str(exc)[:120]})",
                severity=Severity.INFO,
            )
        )
        return packets, credits, out, "", statements
    if found is None or found.tags is None:
        return packets, credits, out, type(found).__name__ if found is not None else "", statements
    tags = found.tags
    container = type(found).__name__
    if isinstance(tags, ID3):
        for frame_id, name in ID3_CREDITS:
            credits.extend(
                Credit(field=name, value=value, location=f"ID3 {frame_id}")
                for frame in _getall(tags, frame_id)
                for value in _frame_values(frame)
            )
        packets.extend(
            frame.data
            for frame in _getall(tags, "PRIV")
            if getattr(frame, "owner", "") == "XMP" and isinstance(frame.data, bytes)
        )
    elif isinstance(tags, MP4Tags):
        for key, name in MP4_CREDITS:
            credits.extend(
                Credit(field=name, value=value, location=f"MP4 {key}")
                for value in _strings(_mp4(tags, key))
            )
    else:
        # Vorbis comments (FLAC, Ogg Vorbis/Opus): a list of (key, value) pairs.
        lowered: dict[str, list[str]] = {}
        for key, value in _pairs(tags):
            lowered.setdefault(key.lower(), []).append(value)
        for key, name in VORBIS_CREDITS:
            for value in lowered.get(key, []):
                text = value.strip()[:1000]
                if text:
                    credits.append(Credit(field=name, value=text, location=f"Vorbis {key.upper()}"))
        linked = [v.strip() for v in lowered.get("license", []) if v.strip().startswith("http")]
        statements.extend(
            data_mining_statement(
                value[:1000],
                source=source,
                location=f"Vorbis {VORBIS_DATA_MINING}",
                linked=linked,
                out=out,
            )
            for value in lowered.get(VORBIS_DATA_MINING.lower(), [])[:MAX_VORBIS_VALUES]
            if value.strip()
        )
    return packets, credits, out, container, statements


def _getall(tags: ID3, frame_id: str) -> list[Any]:
    """``ID3.getall``, which mutagen leaves untyped."""
    frames: list[Any] = tags.getall(frame_id)  # type: ignore[no-untyped-call]
    return frames


def _mp4(tags: MP4Tags, key: str) -> object:
    value: object = tags.get(key, [])  # type: ignore[no-untyped-call]
    return value


def _frame_values(frame: object) -> list[str]:
    url = getattr(frame, "url", None)
    if isinstance(url, str):
        return [url.strip()] if url.strip() else []
    return _strings(getattr(frame, "text", []))


def _strings(values: object) -> list[str]:
    items = values if isinstance(values, list | tuple) else [values]
    out = []
    for item in items:
        text = item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        text = text.replace("\x00", "").strip()[:1000]
        if text:
            out.append(text)
    return out


def _pairs(tags: object) -> Iterable[tuple[str, str]]:
    if isinstance(tags, list):
        items: list[object] = tags
    else:
        try:
            items = list(tags)  # type: ignore[call-overload]
        except TypeError:
            return []
    return [
        (str(item[0]), str(item[1])) for item in items if isinstance(item, tuple) and len(item) == 2
    ]
