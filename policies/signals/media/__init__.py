"""Reservations that travel with the work: statements embedded in images, audio, video and
documents (IPTC ``plus:DataMining``, C2PA/CAWG training-and-data-mining, TDMRep in PDF and EPUB)
and the attribution the file states. Bytes in, :class:`MediaSignals` out; no I/O."""

from heedful.policies.signals.media.combine import combined_uses, narrowed, verdicts
from heedful.policies.signals.media.read import read_media
from heedful.policies.signals.media.signals import Credit, ManifestState, MediaSignals
from heedful.policies.signals.media.sniff import sniff

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
