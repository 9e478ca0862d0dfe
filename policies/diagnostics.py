"""What a reader noticed while parsing: skipped lines, typos, malformed values.

Readers are total (style.md B.2): third-party bytes never raise, they become diagnostics that
``heedful lint`` prints and that the evaluator ignores.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Generic, TypeVar

T = TypeVar("T")


class Severity(StrEnum):
    """How much a finding matters, from ``error`` (part of a file is ignored) down to ``info``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_RANK: Final[Mapping[Severity, int]] = MappingProxyType(
    {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}
)
"""Severities in order, so a threshold reads "at least this severe"."""


def reaches(severities: Iterable[Severity], threshold: Severity) -> bool:
    """Whether some severity is at least ``threshold``: the one test behind every ``--fail-on``
    (``heedful lint`` and ``heedful audit``)."""
    bar = SEVERITY_RANK[threshold]
    return any(SEVERITY_RANK[s] >= bar for s in severities)


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
