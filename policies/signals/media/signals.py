"""What one media file says about itself: statements, attribution, and what could not be read.

A photo, a recording or a document leaves the site it was published on; the reservation written
into the file travels with it. Every media reader returns the same shape so that the crawler, the
checker and the ledger can layer a file's own statements over the site's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from heedful.policies.diagnostics import Diagnostic, Severity
from heedful.policies.model import Statement

MAX_MEDIA_BYTES: Final = 256 * 1024 * 1024
"""Larger inputs are not read at all: a reader that is handed more is told so by a diagnostic."""
MAX_XMP_BYTES: Final = 4 * 1024 * 1024
"""One XMP packet larger than this is not parsed (real packets are a few KiB; Adobe pads to 2-4 KiB)."""
MAX_PACKETS: Final = 8
"""At most this many XMP packets are read from one file (a JPEG holds one, a PDF one per object)."""
MAX_XML_DEPTH: Final = 64
"""Deeper XML is refused: real XMP nests about 8 levels (struct in array in property)."""


class ManifestState(StrEnum):
    """The validation state of a C2PA manifest store (C2PA Technical Specification 2.1,
    Validation): ``trusted`` signer on the trust list, ``valid`` signature intact but the signer
    is not on any trust list Heedful was given, ``invalid`` failed validation."""

    NONE = ""
    TRUSTED = "trusted"
    VALID = "valid"
    INVALID = "invalid"


@dataclass(frozen=True, kw_only=True, slots=True)
class Credit:
    """One attribution field as the file states it: what a taker owes the creator."""

    field: str
    """``creator``, ``copyright``, ``credit``, ``licensor``, ``web-statement``, ``usage-terms``."""
    value: str
    location: str
    """Where it was read: ``XMP dc:creator``, ``EXIF Artist``, ``ID3 TCOP``..."""

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "value": self.value, "location": self.location}


@dataclass(frozen=True, kw_only=True, slots=True)
class MediaSignals:
    """Everything read from one file. ``statements`` feed the evaluator like a page's."""

    media_type: str
    """The type the bytes were read as (sniffed, not taken from the name): ``image/jpeg``..."""
    statements: tuple[Statement, ...] = ()
    credits: tuple[Credit, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    manifest: ManifestState = ManifestState.NONE

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of ``heedful check --json`` on a media file."""
        return {
            "media_type": self.media_type,
            "manifest": str(self.manifest) or None,
            "statements": [
                {
                    "signal": str(s.signal),
                    "location": s.location,
                    "rule": s.rule,
                    "uses": {str(use): str(perm) for use, perm in s.uses.items()},
                    **({"note": s.note} if s.note else {}),
                    **({"offer": s.offer.as_dict()} if s.offer else {}),
                }
                for s in self.statements
            ],
            "credits": [c.as_dict() for c in self.credits],
            "diagnostics": [d.as_dict() for d in self.diagnostics],
        }


def diagnostic(
    kind: str, code: str, message: str, *, severity: Severity = Severity.WARNING
) -> Diagnostic:
    """A finding about the whole file (media have no lines: ``line`` is 0)."""
    return Diagnostic(severity=severity, kind=kind, line=0, code=code, message=message)
