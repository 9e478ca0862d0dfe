"""Images: the XMP packet and the EXIF / IPTC-IIM attribution fields, read with Pillow.

Pillow only parses headers here, never pixels: ``Image.open`` reads the metadata segments and
the image is closed without ``load()``, so a decompression bomb costs nothing. Pillow still
refuses dimensions beyond its bomb limit at open time; that becomes a diagnostic and the byte
scan for XMP goes on without it.
"""

from __future__ import annotations

import io
import struct
import warnings
from typing import Final

from PIL import Image, IptcImagePlugin, UnidentifiedImageError

from heedful.policies.diagnostics import Diagnostic, Severity
from heedful.policies.signals.media.signals import Credit, diagnostic

KIND: Final = "image"

EXIF_CREDITS: Final = ((0x013B, "creator", "EXIF Artist"), (0x8298, "copyright", "EXIF Copyright"))
"""EXIF 2.32 (CIPA DC-008), TIFF attribute tags Artist (315) and Copyright (33432)."""
IIM_CREDITS: Final = (
    ((2, 80), "creator", "IPTC-IIM 2:80 By-line"),
    ((2, 116), "copyright", "IPTC-IIM 2:116 Copyright Notice"),
    ((2, 110), "credit", "IPTC-IIM 2:110 Credit"),
)
"""IPTC-IIM 4.2, record 2 datasets (the IPTC Photo Metadata Standard's legacy mapping of
Creator, Copyright Notice and Credit Line)."""
_XMP_INFO_KEYS: Final = ("xmp", "XML:com.adobe.xmp")
"""Where Pillow puts the packet: ``xmp`` (JPEG APP1, WebP ``XMP `` chunk, TIFF tag 700) and the
PNG ``iTXt`` keyword of XMP Specification Part 3, Storage in Files (PNG)."""


def read_image(data: bytes) -> tuple[list[bytes], list[Credit], list[Diagnostic], str]:
    """XMP packets, EXIF/IIM credits, diagnostics and the format Pillow recognised."""
    packets: list[bytes] = []
    credits: list[Credit] = []
    out: list[Diagnostic] = []
    try:
        with warnings.catch_warnings():
            # Pixels are never decoded, so a large but plausible image (a 100-megapixel
            # photo passes Pillow's warning threshold) keeps its EXIF and IIM credits; only
            # dimensions Pillow refuses outright end the header read.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        out.append(
            diagnostic(KIND, "image-bomb", f"image dimensions refused ({exc}); only XMP scanned")
        )
        return packets, credits, out, ""
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        out.append(
            diagnostic(
                KIND,
                "image-unreadable",
                f"image headers not readable ({type(exc).__name__}); only XMP scanned",
                severity=Severity.INFO,
            )
        )
        return packets, credits, out, ""
    with image:
        fmt = image.format or ""
        for key in _XMP_INFO_KEYS:
            value = image.info.get(key)
            if isinstance(value, str):
                value = value.encode("utf-8", "surrogatepass")
            if isinstance(value, bytes) and value:
                packets.append(value)
        try:
            exif = image.getexif()
            for tag, name, location in EXIF_CREDITS:
                text = _text(exif.get(tag))
                if text:
                    credits.append(Credit(field=name, value=text, location=location))
        except (
            OSError,
            ValueError,
            SyntaxError,
            EOFError,
            KeyError,
            TypeError,
            struct.error,
        ) as exc:
            out.append(
                diagnostic(KIND, "exif-unreadable", f"EXIF not readable ({type(exc).__name__})")
            )
        try:
            iptc = IptcImagePlugin.getiptcinfo(image) or {}
        except (
            OSError,
            ValueError,
            SyntaxError,
            EOFError,
            KeyError,
            TypeError,
            IndexError,
            struct.error,
        ) as exc:
            iptc = {}
            out.append(
                diagnostic(KIND, "iptc-unreadable", f"IPTC-IIM not readable ({type(exc).__name__})")
            )
        for dataset, name, location in IIM_CREDITS:
            raw = iptc.get(dataset)
            for item in raw if isinstance(raw, list) else [raw]:
                text = _text(item)
                if text:
                    credits.append(Credit(field=name, value=text, location=location))
    return packets, credits, out, fmt


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()[:1000]
