"""EPUB: TDMRep and rights in the package document (OPF) metadata.

TDMRep, section TDM Reservation in EPUB: EPUB 3 writes ``<meta property="tdm:reservation">1``
and ``<meta property="tdm:policy">URL`` (prefix ``tdm: http://www.w3.org/ns/tdmrep#``), EPUB 2
``<meta name="tdm:reservation" content="1"/>``. ``dc:creator`` and ``dc:rights`` are credits
(EPUB 3.3, DCMES required and optional elements). The container is a ZIP read with bounds on the
number of members and the size of what is read (a ZIP bomb inflates nothing here).
"""

from __future__ import annotations

import io
import zipfile
from typing import Final
from xml.etree.ElementTree import Element

from heedful.policies.diagnostics import Diagnostic, Severity
from heedful.policies.model import Statement
from heedful.policies.signals.media.safexml import parse_xml
from heedful.policies.signals.media.signals import Credit, diagnostic
from heedful.policies.signals.media.xmp import tdm_statement

KIND: Final = "epub"
MAX_MEMBERS: Final = 10_000
MAX_OPF_BYTES: Final = 2 * 1024 * 1024
"""container.xml and the OPF are a few KiB; larger ones are not read."""
CONTAINER_NS: Final = "urn:oasis:names:tc:opendocument:xmlns:container"
OPF_NS: Final = "http://www.idpf.org/2007/opf"
DC_NS: Final = "http://purl.org/dc/elements/1.1/"


def read_epub(
    data: bytes, *, source: str
) -> tuple[list[Statement], list[Credit], list[Diagnostic]]:
    statements: list[Statement] = []
    credits: list[Credit] = []
    out: list[Diagnostic] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if len(archive.infolist()) > MAX_MEMBERS:
                out.append(
                    diagnostic(
                        KIND,
                        "epub-too-many-members",
                        f"more than {MAX_MEMBERS} members; not read",
                        severity=Severity.ERROR,
                    )
                )
                return statements, credits, out
            container = _member(archive, "META-INF/container.xml", out)
            root = (
                parse_xml(container, kind=KIND, what="container.xml", out=out)
                if container
                else None
            )
            if root is None:
                return statements, credits, out
            rootfile = root.find(f".//{{{CONTAINER_NS}}}rootfile")
            path = rootfile.get("full-path", "") if rootfile is not None else ""
            opf = _member(archive, path, out) if path else None
            if not opf:
                out.append(
                    diagnostic(
                        KIND, "epub-no-package", "no package document (OPF) found; nothing read"
                    )
                )
                return statements, credits, out
            package = parse_xml(opf, kind=KIND, what="package document", out=out)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        out.append(
            diagnostic(
                KIND,
                "epub-unreadable",
                f"EPUB container not readable ({type(exc).__name__}); nothing read",
                severity=Severity.ERROR,
            )
        )
        return statements, credits, out
    if package is not None:
        _read_package(package, path, source=source, statements=statements, credits=credits, out=out)
    return statements, credits, out


def _member(archive: zipfile.ZipFile, name: str, out: list[Diagnostic]) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_OPF_BYTES:
        out.append(
            diagnostic(
                KIND,
                "epub-member-too-large",
                f"{name} is {info.file_size} bytes; not read",
                severity=Severity.ERROR,
            )
        )
        return None
    with archive.open(info) as handle:
        body = handle.read(MAX_OPF_BYTES + 1)
    if len(body) > MAX_OPF_BYTES:
        out.append(
            diagnostic(
                KIND,
                "epub-member-too-large",
                f"{name} inflates past {MAX_OPF_BYTES} bytes; not read",
                severity=Severity.ERROR,
            )
        )
        return None
    return body


def _read_package(
    package: Element,
    path: str,
    *,
    source: str,
    statements: list[Statement],
    credits: list[Credit],
    out: list[Diagnostic],
) -> None:
    reservation: list[str] = []
    policy: list[str] = []
    for meta in package.iter(f"{{{OPF_NS}}}meta"):
        key = meta.get("property") or meta.get("name") or ""
        value = (meta.text or "") if meta.get("property") else meta.get("content", "")
        if key == "tdm:reservation":
            reservation.append(value.strip())
        elif key == "tdm:policy":
            policy.append(value.strip())
    if reservation or policy:
        location = f"OPF {path} meta tdm:reservation"
        first = policy[0] if policy else ""
        statements.extend(
            tdm_statement(raw, first, source=source, location=location, out=out)
            for raw in reservation or [""]
        )
    for local, name in (("creator", "creator"), ("rights", "copyright")):
        for element in package.iter(f"{{{DC_NS}}}{local}"):
            text = "".join(element.itertext()).strip()[:1000]
            if text:
                credits.append(Credit(field=name, value=text, location=f"OPF {path} dc:{local}"))
