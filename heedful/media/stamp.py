"""``heedful stamp``'s writers: a :class:`~heedful.policies.signals.media.stamp_plan.StampPlan` into a file's
XMP (images, XMP sidecars, the ``PRIV`` XMP frame of MP3) and ID3 rights frames.

What is written and why is ``heedful.policies.signals.media.stamp_plan``'s; this module moves bytes. Images and
XMP go through Exiv2 (pyexiv2), which rewrites the metadata blocks and leaves the image data as
it was; MP3 tags through mutagen. Every other property is kept: only ``plus:DataMining`` (and
the linked rights expression with it) is replaced, the rights fields are added only where the
file states none.

A file is never left half-written: the new bytes go to a temporary file in the same folder,
are read back (the reservation must read as planned), flushed to disk (``fsync``), and only
then renamed over the original (``os.replace``, atomic on POSIX and Windows).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from heedful.policies.signals.media.stamp_plan import StampPlan

EXIV2_WRITES: Final = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/tiff", "application/rdf+xml"}
)
"""What Exiv2 writes XMP into (it reads HEIF/AVIF and GIF but does not write them)."""
ID3_WRITES: Final = frozenset({"audio/mpeg"})
STAMPABLE: Final = EXIV2_WRITES | ID3_WRITES
_EMPTY_PACKET: Final = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>'
    b'<?xpacket end="w"?>'
)


class StampError(Exception):
    """One file that could not be stamped; the message says why, the file is unchanged."""


@dataclass(frozen=True, slots=True)
class Stamped:
    path: Path
    media_type: str
    plan: StampPlan
    written: bool
    """False for ``--dry-run``."""


def xmp_changes(existing: dict[str, Any], plan: StampPlan) -> dict[str, Any]:
    """The Exiv2 keys to set: the reservation always, rights fields only where absent."""
    changes: dict[str, Any] = {"Xmp.plus.DataMining": plan.data_mining}
    if plan.linked_rights:
        base = "Xmp.iptcExt.LinkedEncRightsExpr"
        changes |= {
            base: 'type="Bag"',
            f"{base}[1]": 'type="Struct"',
            f"{base}[1]/Iptc4xmpExt:LinkedRightsExpr": plan.linked_rights,
        }
    if plan.rights and "Xmp.dc.rights" not in existing:
        changes["Xmp.dc.rights"] = {'lang="x-default"': plan.rights}
    if plan.credit and "Xmp.photoshop.Credit" not in existing:
        changes["Xmp.photoshop.Credit"] = plan.credit
    if plan.web_statement and "Xmp.xmpRights.WebStatement" not in existing:
        changes["Xmp.xmpRights.WebStatement"] = plan.web_statement
    if plan.licensor and not any(k.startswith("Xmp.plus.Licensor") for k in existing):
        changes |= {
            "Xmp.plus.Licensor": 'type="Seq"',
            "Xmp.plus.Licensor[1]": 'type="Struct"',
            "Xmp.plus.Licensor[1]/plus:LicensorName": plan.licensor,
        }
        if plan.licensor_url:
            changes["Xmp.plus.Licensor[1]/plus:LicensorURL"] = plan.licensor_url
    return changes


def stamp_xmp_bytes(data: bytes, plan: StampPlan) -> bytes:
    """``data`` (an image or an XMP packet) with the plan written into its XMP."""
    import pyexiv2  # type: ignore[import-untyped]  # loads libexiv2: only stamp pays for it

    try:
        with pyexiv2.ImageData(data) as image:
            image.modify_xmp(xmp_changes(image.read_xmp(), plan))
            out: bytes = image.get_bytes()
    except (RuntimeError, ValueError, OSError) as exc:
        raise StampError(f"Exiv2 cannot write this file ({exc})") from None
    return out


def stamp_mp3_bytes(data: bytes, plan: StampPlan) -> bytes:
    """``data`` with ID3v2.4 ``TCOP``/``WCOP`` (where absent) and the XMP ``PRIV`` frame
    (ID3 tag version 2.4.0 - Native Frames; XMP Specification Part 3, MP3) stamped."""
    from mutagen import id3 as mutagen_id3
    from mutagen import mp3 as mutagen_mp3

    id3: Any = mutagen_id3  # mutagen ships no type hints
    mp3: Any = mutagen_mp3
    buffer = io.BytesIO(data)
    try:
        mp3.MP3(buffer)  # an MP3 whose frames mutagen can find, not just bytes after a tag
        buffer.seek(0)
        try:
            tags: Any = id3.ID3(buffer)
        except id3.ID3NoHeaderError:
            tags = id3.ID3()
    except Exception as exc:  # noqa: BLE001 - mutagen raises many kinds on bad input
        raise StampError(f"not a readable MP3 ({type(exc).__name__})") from None
    frames = tags.getall("PRIV")
    current = next((f for f in frames if f.owner == "XMP"), None)
    packet = stamp_xmp_bytes(current.data if current is not None else _EMPTY_PACKET, plan)
    tags.setall("PRIV", [f for f in frames if f.owner != "XMP"])
    tags.add(id3.PRIV(owner="XMP", data=packet))
    if plan.rights and not tags.getall("TCOP"):
        tags.add(id3.TCOP(encoding=3, text=[plan.rights]))
    if plan.web_statement and not tags.getall("WCOP"):
        tags.add(id3.WCOP(url=plan.web_statement))
    buffer.seek(0)
    tags.save(buffer, v2_version=4)
    return buffer.getvalue()


def stamp_bytes(data: bytes, media_type: str, plan: StampPlan) -> bytes:
    """The stamped bytes, checked: read back, the file must say what the plan says."""
    from heedful.policies.signals.media import read_media

    if media_type in EXIV2_WRITES:
        out = stamp_xmp_bytes(data, plan)
    elif media_type in ID3_WRITES:
        out = stamp_mp3_bytes(data, plan)
    else:
        raise StampError(f"cannot write metadata into {media_type or 'this file type'}")
    said = [
        s.rule for s in read_media(out, media_type).statements if s.location.endswith("DataMining")
    ]
    if said != [plan.data_mining]:
        raise StampError(f"the stamped file reads back as {said or 'no reservation'}; not written")
    return out


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data``: temp file in the same folder, fsync, rename; the file's
    permission bits are kept. On any failure the original is untouched and the temp removed."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".heedful", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        shutil.copymode(path, temp)
        Path(temp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temp).unlink()
        raise
    with contextlib.suppress(OSError):  # the rename itself is durable once the folder is
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
