"""One entry for every media file: sniff the type, run the readers that apply, merge.

Each reader is total on its own; this module adds the last guard: a reader that still raises on
some hostile input (a library bug) yields an error diagnostic naming it, never an exception, and
the other readers still run. An embedded reservation is only ever found, never invented: a file
that cannot be read gives no statement and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

from heedful.policies.diagnostics import Diagnostic, Severity
from heedful.policies.model import Statement
from heedful.policies.signals.media.credentials import read_credentials
from heedful.policies.signals.media.images import read_image
from heedful.policies.signals.media.signals import (
    MAX_MEDIA_BYTES,
    Credit,
    ManifestState,
    MediaSignals,
    diagnostic,
)
from heedful.policies.signals.media.sniff import SIDECAR, jpeg_metadata_end, sniff
from heedful.policies.signals.media.xmp import find_packets, read_packets

T = TypeVar("T")

IMAGES: Final = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/tiff",
        "image/heic",
        "image/heif",
        "image/avif",
    }
)
AUDIO_VIDEO: Final = frozenset(
    {
        "audio/mpeg",
        "audio/flac",
        "audio/ogg",
        "audio/mp4",
        "video/mp4",
        "video/quicktime",
        "audio/wav",
    }
)


def read_media(
    data: bytes, media_type_or_name: str = "", *, source: str = "", trust_anchors: str = ""
) -> MediaSignals:
    """Everything ``data`` says about its own use: statements with their locations
    (``XMP plus:DataMining``, ``C2PA cawg.training-mining``, ``XMP tdm:reservation``...), credits
    and diagnostics.

    ``media_type_or_name`` (a file name, URL or Content-Type) is only a hint; ``source`` is the
    URL or path the statements cite; ``trust_anchors`` (PEM) are the C2PA roots to trust.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"read_media expects bytes, got {type(data).__name__}")
    data = bytes(data)
    media_type = sniff(data, media_type_or_name)
    if len(data) > MAX_MEDIA_BYTES:
        msg = f"{len(data)} bytes exceeds the {MAX_MEDIA_BYTES}-byte limit; not read"
        return MediaSignals(
            media_type=media_type,
            diagnostics=(diagnostic("media", "media-too-large", msg, severity=Severity.ERROR),),
        )
    statements: list[Statement] = []
    credits: list[Credit] = []
    diagnostics: list[Diagnostic] = []
    packets: list[bytes] = []

    def guarded(name: str, call: Callable[[], T]) -> T | None:
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - the reader contract: never raise on content
            msg = f"{name} reader failed ({type(exc).__name__}); its statements are missing"
            diagnostics.append(
                diagnostic("media", "media-reader-failed", msg, severity=Severity.ERROR)
            )
            return None

    if media_type in IMAGES:
        found_image = guarded("image", lambda: read_image(data))
        if found_image is not None:
            packets += found_image[0]
            credits += found_image[1]
            diagnostics += found_image[2]
    elif media_type in AUDIO_VIDEO:
        # Each format's library (mutagen, pypdf) loads with the first file of its kind: a crawl
        # or lint of photos never pays for the audio and document readers.
        from heedful.policies.signals.media.audio import read_audio

        found_audio = guarded("audio", lambda: read_audio(data, source=source))
        if found_audio is not None:
            packets += found_audio[0]
            credits += found_audio[1]
            diagnostics += found_audio[2]
            statements += found_audio[4]
    elif media_type == "application/pdf":
        from heedful.policies.signals.media.pdf import read_pdf

        found_pdf = guarded("pdf", lambda: read_pdf(data))
        if found_pdf is not None:
            packets += found_pdf[0]
            credits += found_pdf[1]
            diagnostics += found_pdf[2]
    elif media_type == "application/epub+zip":
        from heedful.policies.signals.media.epub import read_epub

        found_epub = guarded("epub", lambda: read_epub(data, source=source))
        if found_epub is not None:
            statements += found_epub[0]
            credits += found_epub[1]
            diagnostics += found_epub[2]
    # A JPEG keeps all its metadata before the first scan (XMP Specification Part 3, JPEG;
    # C2PA Technical Specification, Embedding manifests into JPEG: APP11): the entropy-coded
    # pixels that make up nearly all of a photo are not searched.
    header = data[: jpeg_metadata_end(data)] if media_type == "image/jpeg" else data
    if media_type == SIDECAR:
        packets.append(data)
    elif media_type != "application/epub+zip":
        # Formats whose library does not expose the packet (an iTXt chunk after the image data,
        # an MP4 uuid box, a GIF application extension) still carry it as plain bytes.
        scanned = guarded("XMP scan", lambda: find_packets(header))
        packets += scanned or []
    facts = guarded("XMP", lambda: read_packets(packets, source=source))
    if facts is not None:
        statements += facts.statements
        credits += facts.credits
        diagnostics += facts.diagnostics
    state = ManifestState.NONE
    if media_type != SIDECAR:
        found = guarded(
            "C2PA",
            lambda: read_credentials(
                data, media_type, source=source, trust_anchors=trust_anchors, header=header
            ),
        )
        if found is not None:
            statements += found.statements
            diagnostics += found.diagnostics
            state = found.state
    return MediaSignals(
        media_type=media_type,
        statements=tuple(statements),
        credits=tuple(dict.fromkeys(credits)),
        diagnostics=tuple(diagnostics),
        manifest=state,
    )
