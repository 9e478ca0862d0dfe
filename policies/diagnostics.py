"""What a reader noticed while parsing: skipped lines, typos, malformed values.

Readers are total (style.md B.2): third-party bytes never raise, they become diagnostics that
``heedful lint`` prints and that the evaluator ignores.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class Severity(StrEnum):
    """How much a finding matters: ``error`` makes ``heedful lint`` exit 1."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, kw_only=True, slots=True)
class Diagnostic:
    """One finding about one file, with a line (1-based, 0 when it concerns the whole file)."""

    severity: Severity
    kind: str
    """The file kind: ``robots.txt``, ``ai.txt``, ``tdmrep.json``, ``rsl``, or a header name."""
    line: int
    code: str
    """A stable identifier such as ``unknown-directive``, used by tests and snapshots."""
    message: str

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of ``heedful lint --json``."""
        return {
            "severity": str(self.severity),
            "kind": self.kind,
            "line": self.line,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class ParseResult(Generic[T]):
    """A reader's value plus what it noticed on the way."""

    value: T
    diagnostics: tuple[Diagnostic, ...] = ()
