"""Real media files made with the libraries that write them, for the media readers' tests.

``python -m tests.helpers.media_files`` rewrites the shipped corpus in ``tests/data/media``
(its README says what each file holds); the C2PA tests sign fresh files with a throwaway CA.
"""

from __future__ import annotations

import datetime
import io
import json
import struct
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from mutagen.flac import FLAC
from mutagen.id3 import ID3, PRIV, TCOP, TPE1, WCOP
from mutagen.mp4 import MP4
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "media"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def xmp_packet(
    data_mining: str = "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING",
    *,
    constraints: str = "",
    creator: str = "Ann Artist",
    extra: str = "",
    as_attribute: bool = False,
) -> bytes:
    """An XMP packet in the shape ExifTool and Adobe tools write (IPTC Photo Metadata Standard
    2023.1 properties Data Mining, Other Constraints, Creator, Copyright Notice, Credit Line,
    Licensor and Web Statement of Rights)."""
    dm_attr = f' plus:DataMining="{data_mining}"' if as_attribute and data_mining else ""
    dm_elem = (
        f"<plus:DataMining>{data_mining}</plus:DataMining>"
        if data_mining and not as_attribute
        else ""
    )
    other = (
        "<plus:OtherConstraints><rdf:Alt>"
        f'<rdf:li xml:lang="x-default">{constraints}</rdf:li></rdf:Alt></plus:OtherConstraints>'
        if constraints
        else ""
    )
    creator_xml = (
        f"<dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>" if creator else ""
    )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        f' <rdf:RDF xmlns:rdf="{RDF}">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/"\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"\n'
        '    xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/"\n'
        '    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"\n'
        '    xmlns:tdm="http://www.w3.org/ns/tdmrep/"\n'
        f'    photoshop:Credit="Studio Example"{dm_attr}>\n'
        f"   {dm_elem}{other}{creator_xml}\n"
        '   <dc:rights><rdf:Alt><rdf:li xml:lang="x-default">© 2025 Ann Artist</rdf:li></rdf:Alt></dc:rights>\n'
        "   <xmpRights:WebStatement>https://studio.example/rights</xmpRights:WebStatement>\n"
        '   <plus:Licensor><rdf:Seq><rdf:li rdf:parseType="Resource">'
        "<plus:LicensorName>Studio Example</plus:LicensorName>"
        "<plus:LicensorURL>https://studio.example/licensing</plus:LicensorURL>"
        "</rdf:li></rdf:Seq></plus:Licensor>\n"
        f"   {extra}\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode()


def tdm_packet(reservation: str = "1", policy: str = "") -> bytes:
    """XMP with TDMRep's PDF properties (TDMRep, section TDM Reservation in PDF)."""
    extra = f"<tdm:reservation>{reservation}</tdm:reservation>"
    if policy:
        extra += f"<tdm:policy>{policy}</tdm:policy>"
    return xmp_packet("", creator="", extra=extra)


def image(fmt: str, packet: bytes, *, size: tuple[int, int] = (8, 8)) -> bytes:
    """A real image with ``packet`` where that format keeps XMP (JPEG APP1, PNG iTXt, WebP
    ``XMP `` chunk, TIFF tag 700, AVIF ``mime`` item)."""
    buffer = io.BytesIO()
    picture = Image.new("RGB", size, (180, 40, 40))
    if fmt == "PNG":
        info = PngInfo()
        info.add_itxt("XML:com.adobe.xmp", packet.decode("utf-8"))
        picture.save(buffer, fmt, pnginfo=info)
    elif fmt == "TIFF":
        picture.save(buffer, fmt, tiffinfo={700: packet})
    else:
        picture.save(buffer, fmt, xmp=packet)
    return buffer.getvalue()


def jpeg_with_exif_and_iim() -> bytes:
    """A JPEG whose credits are only in EXIF (Artist, Copyright) and IPTC-IIM (APP13)."""
    exif = Image.Exif()
    exif[0x013B] = "Exif Artist"
    exif[0x8298] = "(c) 2024 Exif Artist"  # EXIF Copyright is ASCII (EXIF 2.32)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "JPEG", exif=exif)
    jpeg = buffer.getvalue()
    iim = b"".join(
        b"\x1c\x02" + bytes([dataset]) + struct.pack(">H", len(value)) + value
        for dataset, value in ((80, b"IIM Byline"), (116, b"(c) IIM Notice"), (110, b"IIM Credit"))
    )
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iim)) + iim
    if len(iim) % 2:
        resource += b"\x00"
    app13 = b"Photoshop 3.0\x00" + resource
    segment = b"\xff\xed" + struct.pack(">H", len(app13) + 2) + app13
    return jpeg[:2] + segment + jpeg[2:]


def mp3(packet: bytes | None = None) -> bytes:
    """An MPEG-1 Layer III file of silent frames with an ID3v2.4 tag (TCOP, WCOP, TPE1 and, when
    given, a ``PRIV`` frame owned by ``XMP``)."""
    frame = b"\xff\xfb\x90\x64" + bytes(413)  # 128 kbit/s, 44.1 kHz: 417 bytes per frame
    buffer = io.BytesIO(frame * 8)
    tags = ID3()
    tags.add(TCOP(encoding=3, text="2025 Ann Artist"))
    tags.add(WCOP(url="https://studio.example/rights"))
    tags.add(TPE1(encoding=3, text="Ann Artist"))
    if packet is not None:
        tags.add(PRIV(owner="XMP", data=packet))
    tags.save(buffer)
    return buffer.getvalue()


def flac(frames: bytes = b"") -> bytes:
    """A FLAC stream with a STREAMINFO block and Vorbis comments, then ``frames`` (stand-in
    audio: mutagen copies what follows the metadata blocks without reading it)."""
    info = struct.pack(">HH", 4096, 4096) + b"\x00\x00\x00" * 2
    # 44100 Hz, 1 channel, 16 bits, 0 samples: 20 + 3 + 5 + 36 bits, then the MD5.
    packed = (44100 << 44) | (0 << 41) | (15 << 36) | 0
    info += packed.to_bytes(8, "big") + bytes(16)
    data = b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info
    buffer = io.BytesIO(data)
    audio = FLAC(buffer)
    audio["ARTIST"] = "Ann Artist"
    audio["COPYRIGHT"] = "2025 Ann Artist"
    audio["LICENSE"] = "https://studio.example/licence"
    buffer.seek(0)
    audio.save(buffer)
    return buffer.getvalue() + frames


def ogg_vorbis(packets: tuple[bytes, ...] = (b"\x00" * 40, b"\x00" * 90)) -> bytes:
    """An Ogg Vorbis stream (Vorbis I specification, section 4.2: identification, comment and
    setup headers) with ARTIST and COPYRIGHT comments, then ``packets`` as audio packets; the
    setup header and audio are stand-ins, which mutagen copies without decoding."""
    from mutagen.ogg import OggPage
    from mutagen.oggvorbis import OggVorbis

    ident = b"\x01vorbis" + struct.pack("<IBIiii", 0, 1, 44100, 0, 128000, 0) + bytes([0xB8, 1])
    comment = b"\x03vorbis" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0) + b"\x01"
    setup = b"\x05vorbis" + bytes(32) + b"\x01"
    pages = [
        *OggPage.from_packets([ident], 0),
        *OggPage.from_packets([comment, setup], 1),
        *OggPage.from_packets(list(packets), 2),
    ]
    for page in pages:
        page.serial = 7
    pages[0].first = True
    pages[-1].last = True
    pages[-1].position = 1024
    buffer = io.BytesIO(b"".join(page.write() for page in pages))
    audio = OggVorbis(buffer)
    audio["ARTIST"] = "Ann Artist"
    audio["COPYRIGHT"] = "2025 Ann Artist"
    buffer.seek(0)
    audio.save(buffer)
    return buffer.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
"""XMP Specification Part 3, Storage in Files (MPEG-4): the top-level ``uuid`` box holding XMP."""


def m4a(packet: bytes | None = None, *, mdat: bytes = b"") -> bytes:
    """An ISO BMFF audio file (``ftyp M4A``, a movie header, no tracks) tagged by mutagen with
    iTunes-style ``cprt`` and ``©ART`` atoms, and the XMP ``uuid`` box when given a packet."""
    matrix = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
    mvhd = _box(
        b"mvhd",
        bytes(4) + struct.pack(">IIII", 0, 0, 1000, 0) + struct.pack(">IH", 0x00010000, 0x0100)
        + bytes(10) + matrix + bytes(24) + struct.pack(">I", 2),
    )  # fmt: skip
    data = _box(b"ftyp", b"M4A \x00\x00\x02\x00M4A mp42isom") + _box(b"moov", mvhd)
    if packet is not None:
        data += _box(b"uuid", XMP_UUID + packet)
    buffer = io.BytesIO(data + _box(b"mdat", mdat))
    audio = MP4(buffer)
    audio.add_tags()
    assert audio.tags is not None
    audio.tags["cprt"] = ["2025 Ann Artist"]
    audio.tags["\xa9ART"] = ["Ann Artist"]
    buffer.seek(0)
    audio.save(buffer)
    return buffer.getvalue()


def pdf(packet: bytes, *, author: str = "Ann Artist") -> bytes:
    """A one-page PDF whose catalogue ``/Metadata`` stream is ``packet`` (Flate-compressed,
    as most writers store it) and whose information dictionary names ``author``."""
    writer = PdfWriter()
    writer.add_blank_page(72, 72)
    stream = DecodedStreamObject()
    stream.set_data(packet)
    stream.update(
        {NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")}
    )
    stream = stream.flate_encode()
    writer._root_object[NameObject("/Metadata")] = writer._add_object(stream)
    writer.add_metadata({"/Author": author})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def epub(*, version: int = 3, reservation: str = "1", policy: str = "") -> bytes:
    """A minimal EPUB with TDMRep in its package metadata (TDMRep, section TDM Reservation in
    EPUB): EPUB 3 ``meta property``, EPUB 2 ``meta name/content``."""
    if version == 3:
        meta = f'<meta property="tdm:reservation">{reservation}</meta>'
        if policy:
            meta += f'<meta property="tdm:policy">{policy}</meta>'
        package = '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" prefix="tdm: http://www.w3.org/ns/tdmrep#" unique-identifier="id">'
    else:
        meta = f'<meta name="tdm:reservation" content="{reservation}"/>'
        if policy:
            meta += f'<meta name="tdm:policy" content="{policy}"/>'
        package = (
            '<package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="id">'
        )
    opf = (
        f'<?xml version="1.0" encoding="UTF-8"?>{package}'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<dc:identifier id="id">urn:uuid:0</dc:identifier><dc:title>T</dc:title>'
        "<dc:creator>Ann Author</dc:creator><dc:rights>© 2025 Ann Author</dc:rights>"
        f"{meta}</metadata><manifest/><spine/></package>"
    )
    container = (
        '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # Fixed dates, so that rewriting the corpus changes nothing (EPUB 3.3 OCF, the mimetype file:
        # mimetype first and stored).
        when = (2025, 1, 1, 0, 0, 0)
        archive.writestr(
            zipfile.ZipInfo("mimetype", when), "application/epub+zip", zipfile.ZIP_STORED
        )
        archive.writestr(
            zipfile.ZipInfo("META-INF/container.xml", when), container, zipfile.ZIP_DEFLATED
        )
        archive.writestr(zipfile.ZipInfo("OEBPS/content.opf", when), opf, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


@dataclass(frozen=True)
class ManifestSigner:
    """A throwaway CA and an end-entity certificate the C2PA SDK accepts (EKU emailProtection,
    not a CA, key usage digitalSignature: C2PA Technical Specification 2.1,
    Certificate Profile)."""

    ca_pem: str
    chain_pem: bytes
    key_pem: bytes

    @classmethod
    def make(cls) -> ManifestSigner:
        start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
        end = datetime.datetime(2045, 1, 1, tzinfo=datetime.UTC)

        def name(common: str) -> x509.Name:
            return x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, common),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Heedful tests"),
                ]
            )

        def usage(*, ca: bool) -> x509.KeyUsage:
            return x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            )

        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = (
            x509.CertificateBuilder()
            .subject_name(name("Heedful test CA"))
            .issuer_name(name("Heedful test CA"))
            .public_key(ca_key.public_key())
            .serial_number(1)
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(usage(ca=True), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = (
            x509.CertificateBuilder()
            .subject_name(name("Heedful test signer"))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(2)
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage(ca=False), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        pem = serialization.Encoding.PEM
        return cls(
            ca_pem=ca.public_bytes(pem).decode(),
            chain_pem=leaf.public_bytes(pem) + ca.public_bytes(pem),
            key_pem=key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        )

    def sign(self, asset: bytes, media_type: str, assertions: list[dict[str, object]]) -> bytes:
        """``asset`` with a signed manifest holding ``assertions`` after a ``c2pa.created``
        action (C2PA 2.x requires the first action to be created or opened)."""
        manifest = {
            "claim_generator_info": [{"name": "heedful-tests", "version": "1"}],
            "title": "heedful test asset",
            "assertions": [
                {
                    "label": "c2pa.actions",
                    "data": {
                        "actions": [
                            {
                                "action": "c2pa.created",
                                "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
                            }
                        ]
                    },
                },
                *assertions,
            ],
        }
        info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, self.chain_pem, self.key_pem, None)
        context = c2pa.Context(
            c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})
        )
        out = io.BytesIO()
        with c2pa.Signer.from_info(info) as signer, c2pa.Builder(manifest, context) as builder:
            builder.sign(signer, media_type, io.BytesIO(asset), out)
        return out.getvalue()


def training_mining(label: str = "cawg.training-mining", **uses: object) -> dict[str, object]:
    """A training-and-data-mining assertion: ``ai_training="notAllowed"`` becomes the entry
    ``{label prefix}.ai_training: {"use": "notAllowed"}``; a dict value is the entry itself."""
    prefix = label.split(".")[0]
    entries = {
        f"{prefix}.{category}": value if isinstance(value, dict) else {"use": value}
        for category, value in uses.items()
    }
    return {"label": label, "data": {"entries": entries}}


D, A, L = "deny", "allow", "license"
CORPUS_CA: list[str] = []
"""The CA that signed the shipped C2PA file (written beside it as ``c2pa-test-ca.pem``)."""
ALL_DENY = dict.fromkeys(("tdm", "ai-train", "genai-train", "ai-input", "search"), D)
ALL_ALLOW = dict.fromkeys(ALL_DENY, A)


def corpus() -> dict[str, tuple[bytes, dict[str, object]]]:
    """Every shipped file with what reading it must give (the ``expected.json`` rows): the
    file's own answer per use (uses not listed are unknown), how many credits it states, and
    the C2PA manifest state. Written by hand from the specifications, not from the reader."""
    signer = ManifestSigner.make()
    vocab = "http://ns.useplus.org/ldf/vocab/"
    aiml = image("JPEG", xmp_packet())
    c2pa_jpeg = signer.sign(
        _plain_jpeg(),
        "image/jpeg",
        [
            training_mining(
                ai_generative_training="notAllowed", ai_training="allowed", data_mining="allowed"
            )
        ],
    )
    CORPUS_CA.append(signer.ca_pem)
    rows: dict[str, tuple[bytes, dict[str, str], int, str]] = {
        "plus-aiml.jpg": (aiml, {"ai-train": D, "genai-train": D}, 6, ""),
        "plus-genai.png": (
            image("PNG", xmp_packet(vocab + "DMI-PROHIBITED-GENAIMLTRAINING")),
            {"genai-train": D},
            6,
            "",
        ),
        "plus-prohibited.webp": (
            image("WEBP", xmp_packet("DMI-PROHIBITED", as_attribute=True)),
            ALL_DENY,
            6,
            "",
        ),
        "plus-except-search.tif": (
            image("TIFF", xmp_packet(vocab + "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING")),
            {**ALL_DENY, "search": A},
            6,
            "",
        ),
        "plus-genai.avif": (
            image("AVIF", xmp_packet(vocab + "DMI-PROHIBITED-GENAIMLTRAINING")),
            {"genai-train": D},
            6,
            "",
        ),
        "plus-allowed.xmp": (xmp_packet(vocab + "DMI-ALLOWED"), ALL_ALLOW, 6, ""),
        "exif-iim.jpg": (jpeg_with_exif_and_iim(), {}, 5, ""),
        "id3-xmp.mp3": (mp3(xmp_packet(vocab + "DMI-PROHIBITED")), ALL_DENY, 9, ""),
        "vorbis.flac": (flac(), {}, 3, ""),
        "mp4-xmp.m4a": (
            m4a(xmp_packet(vocab + "DMI-PROHIBITED-GENAIMLTRAINING", creator="")),
            {"genai-train": D},
            7,
            "",
        ),
        "tdm-policy.pdf": (
            pdf(tdm_packet("1", "https://publisher.example/tdm-policy.json")),
            {"tdm": L, "ai-train": L, "genai-train": L, "ai-input": L},
            6,
            "",
        ),
        "tdm-epub3.epub": (
            epub(version=3, reservation="1"),
            {"tdm": D, "ai-train": D, "genai-train": D, "ai-input": D},
            2,
            "",
        ),
        "tdm-epub2.epub": (epub(version=2, reservation="0"), ALL_ALLOW, 2, ""),
        "c2pa-cawg.jpg": (c2pa_jpeg, {"genai-train": D, "ai-train": D, "tdm": A}, 0, "valid"),
    }
    return {
        name: (data, {"uses": uses, "credits": credits, "manifest": manifest})
        for name, (data, uses, credits, manifest) in rows.items()
    }


def _plain_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def write_corpus(folder: Path = CORPUS) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for name, (data, row) in corpus().items():
        (folder / name).write_bytes(data)
        expected[name] = row
    (folder / "c2pa-test-ca.pem").write_text(CORPUS_CA[-1])
    (folder / "expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    write_corpus(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)
