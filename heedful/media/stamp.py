"""``heedful stamp``'s writers: a :class:`~heedful.policies.signals.media.stamp_plan.StampPlan` into a file's
XMP (images, XMP sidecars, the ``PRIV`` XMP frame of MP3, the XMP ``uuid`` box of MP4, a PDF's
metadata stream), its ID3, MP4 or Vorbis rights tags, and an EPUB's package metadata (TDMRep).

What is written and why is ``heedful.policies.signals.media.stamp_plan``'s; this module moves bytes. Images and
XMP packets go through Exiv2 (pyexiv2), which rewrites the metadata blocks and leaves the image
data as it was; audio tags through mutagen; PDF through pypdf; EPUB through ``zipfile`` and a
textual edit of the OPF. Every other property is kept: only ``plus:DataMining`` (and the linked
rights expression with it) and TDMRep's pair are replaced, the rights fields are added only
where the file states none. HEIF and AVIF are not written: Exiv2 reads their metadata but
refuses to write it ("Setting XMP metadata in BMFF images is not supported").

A file is never left half-written: the new bytes go to a temporary file in the same folder,
are read back (the reservation must read as planned), flushed to disk (``fsync``), and only
then renamed over the original (``os.replace``, atomic on POSIX and Windows).
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import re
import shutil
import struct
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NamedTuple

if TYPE_CHECKING:
    from heedful.policies.signals.media.stamp_plan import StampPlan

EXIV2_WRITES: Final = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/tiff", "application/rdf+xml"}
)
"""What Exiv2 writes XMP into (it reads HEIF/AVIF and GIF but does not write them)."""
ID3_WRITES: Final = frozenset({"audio/mpeg"})
MP4_WRITES: Final = frozenset({"audio/mp4", "video/mp4"})
VORBIS_WRITES: Final = frozenset({"audio/flac", "audio/ogg"})
PDF: Final = "application/pdf"
EPUB: Final = "application/epub+zip"
STAMPABLE: Final = EXIV2_WRITES | ID3_WRITES | MP4_WRITES | VORBIS_WRITES | {PDF, EPUB}
NOT_WRITTEN: Final = {
    "image/heic": "Exiv2 reads HEIF metadata but cannot write it (ISO BMFF)",
    "image/heif": "Exiv2 reads HEIF metadata but cannot write it (ISO BMFF)",
    "image/avif": "Exiv2 reads AVIF metadata but cannot write it (ISO BMFF)",
    "image/gif": "Exiv2 reads GIF metadata but cannot write it",
}
"""Media Heedful reads but does not stamp, and why (printed with the file's name)."""
XMP_UUID: Final = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
"""XMP Specification Part 3, Storage in Files (MPEG-4): the top-level ``uuid`` box holding XMP."""
TDM_NS: Final = "http://www.w3.org/ns/tdmrep/"
"""TDMRep, section TDM Reservation in PDF: the XMP namespace (with a slash)."""
TDM_EPUB_PREFIX: Final = "tdm: http://www.w3.org/ns/tdmrep#"
MAX_INFLATED: Final = 1024 * 1024 * 1024
"""The most an EPUB's members may inflate to in all while they are copied."""
COPY_CHUNK: Final = 1024 * 1024
"""TDMRep, section TDM Reservation in EPUB: the EPUB 3 ``prefix`` declaration."""
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


def stamp_xmp_bytes(data: bytes, plan: StampPlan, *, tdmrep: bool = False) -> bytes:
    """``data`` (an image or an XMP packet) with the plan written into its XMP; ``tdmrep``
    also writes TDMRep's ``tdm:reservation``/``tdm:policy`` (PDF)."""
    import pyexiv2  # type: ignore[import-untyped]  # loads libexiv2: only stamp pays for it

    try:
        with pyexiv2.ImageData(data) as image:
            changes = xmp_changes(image.read_xmp(), plan)
            if tdmrep:
                pyexiv2.registerNs(TDM_NS, "tdm")
                changes["Xmp.tdm.reservation"] = plan.tdm_reservation
                # A policy the plan does not name is removed: a stale one would license anew.
                changes["Xmp.tdm.policy"] = plan.tdm_policy or None
            image.modify_xmp(changes)
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


def stamp_mp4_bytes(data: bytes, plan: StampPlan) -> bytes:
    """``data`` with the ``cprt`` atom (where absent) and the XMP ``uuid`` box stamped.

    The new box goes at the end of the file, after every other top-level box, so no chunk
    offset (``stco``/``co64``) moves; an XMP box already there becomes a ``free`` box of the
    same size (its properties are carried into the new packet), or is replaced when it is the
    last box (a file stamped before). A file whose last box runs to the end of the file (size
    0) cannot take a box after it and is not stamped.
    """
    from mutagen import mp4 as mutagen_mp4

    mp4: Any = mutagen_mp4
    buffer = io.BytesIO(data)
    try:
        audio = mp4.MP4(buffer)
        if audio.tags is None:
            audio.add_tags()
        if plan.rights and "cprt" not in audio.tags:
            audio.tags["cprt"] = [plan.rights]
        buffer.seek(0)
        audio.save(buffer)
    except Exception as exc:  # noqa: BLE001 - mutagen raises many kinds on bad input
        raise StampError(f"not a writable MP4 ({type(exc).__name__})") from None
    tagged = bytearray(buffer.getvalue())
    boxes = _top_level_boxes(tagged)
    if boxes and boxes[-1].to_end:
        raise StampError("its last box runs to the end of the file; no box can follow it")
    old = [b for b in boxes if b.kind == b"uuid" and tagged[b.body : b.body + 16] == XMP_UUID]
    current = bytes(tagged[old[0].body + 16 : old[0].end]) if old else _EMPTY_PACKET
    packet = stamp_xmp_bytes(current, plan)
    for box in reversed(old):
        if box.end == len(tagged):
            del tagged[box.start :]  # the last box (a file stamped before): replaced, not kept
        else:
            tagged[box.start + 4 : box.start + 8] = b"free"
            tagged[box.body : box.end] = bytes(box.end - box.body)
    size = 8 + len(XMP_UUID) + len(packet)
    return bytes(tagged) + struct.pack(">I", size) + b"uuid" + XMP_UUID + packet


class _Box(NamedTuple):
    start: int
    end: int
    kind: bytes
    to_end: bool
    """Size 0: the box runs to the end of the file."""
    body: int
    """Where the payload starts, after the header."""


def _top_level_boxes(data: bytes | bytearray) -> list[_Box]:
    """Each top-level ISO BMFF box (ISO/IEC 14496-12, section 4.2: size 1 means a 64-bit size
    follows, 0 that the box runs to the end of the file)."""
    out: list[_Box] = []
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > len(data):
                raise StampError("a box header is cut short")
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        to_end = size == 0
        end = len(data) if to_end else pos + size
        if end > len(data) or end < pos + header:
            raise StampError("a box runs past the end of the file")
        out.append(_Box(pos, end, bytes(kind), to_end, pos + header))
        pos = end
    if pos != len(data):
        raise StampError("trailing bytes after the last box")
    return out


def stamp_vorbis_bytes(data: bytes, plan: StampPlan) -> bytes:
    """``data`` (FLAC or Ogg) with the Vorbis comments ``DATAMINING`` (replaced), ``COPYRIGHT``
    and ``LICENSE`` (where absent) stamped; the audio packets are copied as they were."""
    import mutagen
    from mutagen._vorbis import VComment

    from heedful.policies.signals.media.audio import VORBIS_DATA_MINING

    buffer = io.BytesIO(data)
    try:
        audio: Any = mutagen.File(buffer)
        if audio is None:
            raise StampError("not an audio file mutagen reads")
        if audio.tags is None:
            audio.add_tags()
        if not isinstance(audio.tags, VComment):
            raise StampError(f"its tags are {type(audio.tags).__name__}, not Vorbis comments")
        tags: Any = audio.tags  # mutagen's VCommentDict: keys case-insensitive, values lists
        tags[VORBIS_DATA_MINING] = [plan.data_mining]
        if plan.rights and "COPYRIGHT" not in tags:
            tags["COPYRIGHT"] = [plan.rights]
        licence = plan.linked_rights or plan.web_statement
        if licence and "LICENSE" not in tags:
            tags["LICENSE"] = [licence]
        buffer.seek(0)
        audio.save(buffer)
    except StampError:
        raise
    except Exception as exc:  # noqa: BLE001 - mutagen raises many kinds on bad input
        raise StampError(f"not writable Vorbis comments ({type(exc).__name__})") from None
    return buffer.getvalue()


def stamp_pdf_bytes(data: bytes, plan: StampPlan) -> bytes:
    """``data`` with its catalogue's XMP metadata stream stamped (IPTC ``plus:DataMining`` and
    TDMRep's ``tdm:reservation``/``tdm:policy``), written uncompressed so that a packet scanner
    finds it (XMP Specification Part 3, PDF). The document is copied object by object (pypdf);
    the information dictionary is kept as it was (PDF 2.0 deprecates it for XMP). Encrypted and
    signed documents are not stamped: a rewrite would break a signature."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject, StreamObject

    from heedful.policies.signals.media.pdf import PDF_ERRORS

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise StampError("an encrypted PDF")
            catalogue: Any = reader.trailer["/Root"].get_object()
            form = catalogue.get("/AcroForm")
            if form is not None and int(form.get_object().get("/SigFlags", 0)) & 1:
                raise StampError("a signed PDF: rewriting it would break the signature")
            writer = PdfWriter(clone_from=reader)
            root = writer.root_object
            existing = root.get("/Metadata")
            current = existing.get_object().get_data() if existing is not None else b""
            packet = stamp_xmp_bytes(current or _EMPTY_PACKET, plan, tdmrep=True)
            stream: Any = existing.get_object() if existing is not None else None
            if isinstance(stream, StreamObject):
                # The packet is replaced in its own object: a second, stale packet left in the
                # file would still be found by a reader that scans for packets.
                for key in ("/Filter", "/DecodeParms"):
                    stream.pop(NameObject(key), None)
                StreamObject.set_data(stream, packet)  # raw bytes, whatever filter it had
            else:
                stream = DecodedStreamObject()
                stream.set_data(packet)
                stream.update(
                    {
                        NameObject("/Type"): NameObject("/Metadata"),
                        NameObject("/Subtype"): NameObject("/XML"),
                    }
                )
                root[NameObject("/Metadata")] = writer._add_object(stream)
            out = io.BytesIO()
            writer.write(out)
    except StampError:
        raise
    except PDF_ERRORS as exc:
        raise StampError(f"pypdf cannot rewrite this PDF ({type(exc).__name__})") from None
    return out.getvalue()


_META: Final = re.compile(
    r"""<(?P<p>[\w.-]+:)?meta\b[^>]*\b(?:property|name)\s*=\s*["']tdm:(?:reservation|policy)["']"""
    r"""[^>]*?(?:/>|>[^<]*</(?P=p)?meta\s*>)\s*"""
)
_METADATA_END: Final = re.compile(r"</(?P<p>[\w.-]+:)?metadata\s*>")
_PACKAGE: Final = re.compile(r"<(?:[\w.-]+:)?package\b[^>]*>")
_PREFIX: Final = re.compile(r"""\bprefix\s*=\s*(["'])(.*?)\1""", re.DOTALL)


def stamp_opf(opf: bytes, plan: StampPlan) -> bytes:
    """The package document with TDMRep's pair (TDMRep, section TDM Reservation in EPUB):
    EPUB 3 ``<meta property="tdm:reservation">`` with the ``tdm:`` prefix declared on
    ``<package>``, EPUB 2 ``<meta name="tdm:reservation" content="..."/>``. Edited as text, so
    every other byte of the document stays as it was; earlier TDMRep metas are replaced."""
    from heedful.policies.signals.media.epub import OPF_NS
    from heedful.policies.signals.media.safexml import parse_xml

    if parse_xml(opf, kind="epub", what="package document", out=[]) is None:
        raise StampError("its package document is not well-formed XML")
    try:
        text = opf.decode("utf-8")
    except UnicodeDecodeError:
        raise StampError("its package document is not UTF-8") from None
    package = _PACKAGE.search(text)
    end = _METADATA_END.search(text)
    if package is None or end is None or OPF_NS not in text:
        raise StampError("no OPF <package> with <metadata> found")
    version = re.search(r"""\bversion\s*=\s*["'](\d)""", package.group())
    epub3 = version is None or version.group(1) != "2"
    prefix = end.group("p") or ""
    pairs = [("reservation", plan.tdm_reservation)]
    if plan.tdm_policy:
        pairs.append(("policy", plan.tdm_policy))
    if epub3:
        metas = "".join(
            f'<{prefix}meta property="tdm:{k}">{_escape(v)}</{prefix}meta>' for k, v in pairs
        )
    else:
        metas = "".join(f'<{prefix}meta name="tdm:{k}" content="{_escape(v)}"/>' for k, v in pairs)
    body = _META.sub("", text[: end.start()]) + metas + text[end.start() :]
    if epub3:
        body = _declare_prefix(body)
    return body.encode("utf-8")


def _declare_prefix(text: str) -> str:
    package = _PACKAGE.search(text)
    assert package is not None  # found by the caller; the edit is after it
    tag = package.group()
    declared = _PREFIX.search(tag)
    if declared is not None and re.search(r"(^|\s)tdm:\s", declared.group(2)):
        return text
    if declared is not None:
        quote, value = declared.group(1), declared.group(2)
        joined = f"{value.rstrip()} {TDM_EPUB_PREFIX}" if value.strip() else TDM_EPUB_PREFIX
        tag = tag[: declared.start()] + f"prefix={quote}{joined}{quote}" + tag[declared.end() :]
    else:
        close = len(tag) - (2 if tag.endswith("/>") else 1)
        tag = f'{tag[:close]} prefix="{TDM_EPUB_PREFIX}"{tag[close:]}'
    return text[: package.start()] + tag + text[package.end() :]


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def stamp_epub_bytes(data: bytes, plan: StampPlan) -> bytes:
    """``data`` with only its package document (OPF) rewritten: every other member is copied
    with its name, order, dates, attributes, compression and content (EPUB 3.3 OCF: ``mimetype``
    stays first and stored). Members are streamed, and their inflated total is bounded, so a
    ZIP bomb is refused rather than inflated."""
    from heedful.policies.signals.media.epub import CONTAINER_NS, MAX_MEMBERS, MAX_OPF_BYTES
    from heedful.policies.signals.media.safexml import parse_xml

    out = io.BytesIO()
    inflated = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise StampError(f"more than {MAX_MEMBERS} members")
            container = archive.read("META-INF/container.xml")
            root = parse_xml(container, kind="epub", what="container.xml", out=[])
            rootfile = root.find(f".//{{{CONTAINER_NS}}}rootfile") if root is not None else None
            path = rootfile.get("full-path", "") if rootfile is not None else ""
            opf_info = archive.getinfo(path) if path else None
            if opf_info is None or opf_info.file_size > MAX_OPF_BYTES:
                raise StampError("no package document (OPF) of readable size")
            opf = stamp_opf(archive.read(opf_info), plan)
            with zipfile.ZipFile(out, "w") as rewritten:
                rewritten.comment = archive.comment
                for info in members:
                    # Writing fills in offsets and sizes: the copy's, not the entry being read.
                    entry = copy.copy(info)
                    if info.filename == path or info.is_dir():
                        rewritten.writestr(entry, opf if info.filename == path else b"")
                        continue
                    large = info.file_size > MAX_INFLATED
                    with (
                        archive.open(info) as source,
                        rewritten.open(entry, "w", force_zip64=large) as sink,
                    ):
                        while chunk := source.read(COPY_CHUNK):
                            inflated += len(chunk)
                            if inflated > MAX_INFLATED:
                                raise StampError(f"its members inflate past {MAX_INFLATED} bytes")
                            sink.write(chunk)
    except StampError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        KeyError,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
        IndexError,  # zipfile on a member with an empty name
        zlib.error,
    ) as exc:
        raise StampError(f"not a readable EPUB container ({type(exc).__name__})") from None
    return out.getvalue()


WRITERS: Final[dict[str, Callable[[bytes, StampPlan], bytes]]] = {
    **dict.fromkeys(EXIV2_WRITES, stamp_xmp_bytes),
    **dict.fromkeys(ID3_WRITES, stamp_mp3_bytes),
    **dict.fromkeys(MP4_WRITES, stamp_mp4_bytes),
    **dict.fromkeys(VORBIS_WRITES, stamp_vorbis_bytes),
    PDF: stamp_pdf_bytes,
    EPUB: stamp_epub_bytes,
}


def expected_rules(media_type: str, plan: StampPlan) -> list[str]:
    """What the stamped file must say when read back: the PLUS value (every format but EPUB,
    whose binding is TDMRep's alone) and, in PDF and EPUB, TDMRep's pair."""
    tdm = f"tdm:reservation={plan.tdm_reservation}" + (
        f" tdm:policy={plan.tdm_policy}" if plan.tdm_policy else ""
    )
    if media_type == EPUB:
        return [tdm]
    if media_type == PDF:
        return [plan.data_mining, tdm]
    return [plan.data_mining]


def stamp_bytes(data: bytes, media_type: str, plan: StampPlan) -> bytes:
    """The stamped bytes, checked: read back, the file must say what the plan says."""
    from heedful.policies.model import Signal
    from heedful.policies.signals.media import read_media

    writer = WRITERS.get(media_type)
    if writer is None:
        why = NOT_WRITTEN.get(media_type, f"cannot write metadata into {media_type or 'it'}")
        raise StampError(why)
    out = writer(data, plan)
    said = [
        s.rule
        for s in read_media(out, media_type).statements
        if s.signal in (Signal.IPTC, Signal.TDMREP)
    ]
    if said != expected_rules(media_type, plan):
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
