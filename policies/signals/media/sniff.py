"""What kind of media some bytes are, from their first bytes (a name or a Content-Type only
breaks ties: servers and file names lie, signatures do not)."""

from __future__ import annotations

from typing import Final

_FTYP_IMAGES: Final = {
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heif",
    b"avif": "image/avif",
}
_EXTENSIONS: Final = {
    ".xmp": "application/rdf+xml",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".gif": "image/gif",
    ".heic": "image/heic",
    ".avif": "image/avif",
    ".mp3": "audio/mpeg",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".m4a": "audio/mp4",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".wav": "audio/wav",
    ".pdf": "application/pdf",
    ".epub": "application/epub+zip",
}
SIDECAR: Final = "application/rdf+xml"


def sniff(data: bytes, hint: str = "") -> str:
    """The media type of ``data``; ``hint`` (a file name, URL path or media type) is used only
    when the bytes are not recognised. ``""`` when neither says."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _FTYP_IMAGES:
            return _FTYP_IMAGES[brand]
        if brand.startswith(b"M4A"):
            return "audio/mp4"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return (
            "application/epub+zip"
            if data[30:58] == b"mimetypeapplication/epub+zip"
            else "application/zip"
        )
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"<?xpacket", b"<x:xmpmeta", b"<x:xapmeta", b"<rdf:RDF")) or (
        stripped.startswith(b"<?xml") and b"xmpmeta" in data[:1024]
    ):
        return SIDECAR
    return _from_hint(hint)


def _from_hint(hint: str) -> str:
    text = hint.strip().lower().split("?")[0].split("#")[0]
    if "/" in text and "." not in text.rsplit("/", 1)[-1]:
        return text.split(";")[0].strip()
    for extension, media_type in _EXTENSIONS.items():
        if text.endswith(extension):
            return media_type
    return ""


_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD8)})
"""JPEG markers without a length (TEM, RST0-7)."""


def jpeg_metadata_end(data: bytes) -> int:
    """Where a JPEG's marker segments end: the start of the first scan (SOS, ITU-T T.81 section
    B.2.4), before which every metadata segment sits (XMP and EXIF in APP1, IPTC in APP13, C2PA
    JUMBF in APP11). ``len(data)`` when the segments cannot be walked, so a damaged file is
    scanned whole: the bound only ever saves work, never hides a packet a reader would see."""
    pos = 2
    size = len(data)
    while pos + 4 <= size:
        if data[pos] != 0xFF:
            return size
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:
            return pos
        if marker in _STANDALONE:
            pos += 2
            continue
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return size
