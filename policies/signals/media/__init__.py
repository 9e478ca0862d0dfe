"""Reservations that travel with the work: statements embedded in images, audio, video and
documents (IPTC ``plus:DataMining``, C2PA/CAWG training-and-data-mining, TDMRep in PDF and EPUB)
and the attribution the file states. Bytes in, :class:`MediaSignals` out; no I/O.

:func:`read_media` is imported on first use (PEP 562): its readers pull in pypdf, fontTools,
Pillow, mutagen and c2pa, tens of thousands of objects a crawl of HTML pages would carry (and the
garbage collector would scan) without ever reading a media file. The rest of the package is
light and imported as usual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from heedful.policies.signals.media.combine import combined_uses, narrowed, verdicts
from heedful.policies.signals.media.signals import Credit, ManifestState, MediaSignals
from heedful.policies.signals.media.sniff import sniff

if TYPE_CHECKING:
    from heedful.policies.signals.media.read import read_media

__all__ = [
    "Credit",
    "ManifestState",
    "MediaSignals",
    "combined_uses",
    "narrowed",
    "read_media",
    "sniff",
    "verdicts",
]


def __getattr__(name: str) -> Any:
    if name == "read_media":
        from heedful.policies.signals.media.read import read_media

        return read_media
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
