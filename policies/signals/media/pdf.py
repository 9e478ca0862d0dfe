"""PDF: the document's XMP metadata stream and its document information dictionary (pypdf).

TDMRep, section TDM Reservation in PDF, puts ``tdm:reservation`` and ``tdm:policy`` in the XMP
packet of the document catalogue's ``/Metadata`` stream (ISO 32000-1, section 14.3.2, Metadata Streams); the
packet is usually Flate-compressed, so it is decoded by pypdf rather than found by a byte scan.
The information dictionary's ``/Author`` (ISO 32000-1, section 14.3.3, Document Information Dictionary) is a credit.
"""

from __future__ import annotations

import io
import warnings
import zlib
from typing import Final

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from heedful.policies.diagnostics import Diagnostic, Severity
from heedful.policies.signals.media.signals import MAX_XMP_BYTES, Credit, diagnostic

PDF_ERRORS: Final = (
    PyPdfError,
    OSError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    RecursionError,
    NotImplementedError,  # a filter pypdf does not decode
    zlib.error,
)
"""What pypdf raises on a damaged or hostile PDF (found by fuzzing real files): a reader turns
them into a diagnostic, the stamp writer into a refusal; neither lets one escape."""

KIND: Final = "pdf"


def read_pdf(data: bytes) -> tuple[list[bytes], list[Credit], list[Diagnostic]]:
    """The catalogue's XMP packet, the information dictionary's credits, and diagnostics."""
    packets: list[bytes] = []
    credits: list[Credit] = []
    out: list[Diagnostic] = []
    # pypdf reports repairs of damaged files as warnings (and log records, left to the
    # application's logging setup); the reader's diagnostics say what matters.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            root = reader.trailer.get("/Root")
            root = root.get_object() if root is not None else None
            metadata = root.get("/Metadata") if root is not None else None
            if metadata is not None:
                stream = metadata.get_object()
                raw = stream.get_data() if hasattr(stream, "get_data") else b""
                if len(raw) > MAX_XMP_BYTES:
                    out.append(
                        diagnostic(
                            KIND,
                            "pdf-xmp-too-large",
                            f"PDF XMP stream of {len(raw)} bytes; not read",
                            severity=Severity.ERROR,
                        )
                    )
                elif raw:
                    packets.append(bytes(raw))
            info = reader.metadata
            author = info.get("/Author") if info is not None else None
            if isinstance(author, str) and author.strip():
                credits.append(
                    Credit(
                        field="creator", value=author.strip()[:1000], location="PDF Info /Author"
                    )
                )
    except PDF_ERRORS as exc:
        out.append(
            diagnostic(
                KIND,
                "pdf-unreadable",
                f"PDF structure not readable ({type(exc).__name__}); only XMP scanned",
                severity=Severity.INFO,
            )
        )
    return packets, credits, out
