"""``heedful lint``: a reader's diagnostics for one file, whatever its kind.

Linting is parsing with the findings kept: every reader is total and reports what it skipped,
guessed or could not understand (style.md B.2), so lint adds no rules of its own here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Final

from heedful.policies.diagnostics import Diagnostic, Severity
from heedful.policies.errors import PolicyFormatError
from heedful.policies.licensing.consistency import offer_findings
from heedful.policies.signals.aitxt import parse_ai_txt
from heedful.policies.signals.robots.document import parse_robots
from heedful.policies.signals.rsl.document import parse_rsl
from heedful.policies.signals.tdmrep import parse_tdmrep
from heedful.policies.sitepolicy.load import line_finder, load_site_policy


class FileKind(StrEnum):
    """The file kinds ``heedful lint`` reads."""

    ROBOTS = "robots"
    AI_TXT = "ai-txt"
    TDMREP = "tdmrep"
    RSL = "rsl"
    POLICY = "policy"


_READERS: Final[Mapping[FileKind, Callable[[bytes], tuple[Diagnostic, ...]]]] = {
    FileKind.ROBOTS: lambda data: parse_robots(data).diagnostics,
    FileKind.AI_TXT: lambda data: parse_ai_txt(data).diagnostics,
    FileKind.TDMREP: lambda data: parse_tdmrep(data).diagnostics,
    FileKind.RSL: lambda data: parse_rsl(data).diagnostics,
    FileKind.POLICY: lambda data: lint_policy(data),
}

_SUFFIXES: Final = (
    ("robots.txt", FileKind.ROBOTS),
    ("ai.txt", FileKind.AI_TXT),
    ("tdmrep.json", FileKind.TDMREP),
    (".xml", FileKind.RSL),
    (".toml", FileKind.POLICY),
)


def lint_policy(data: bytes) -> tuple[Diagnostic, ...]:
    """A site policy: every load problem as an error, then the offer findings
    (:mod:`heedful.policies.licensing.consistency`)."""
    try:
        policy = load_site_policy(data, filename="policy")
    except PolicyFormatError as exc:
        return tuple(
            Diagnostic(
                severity=Severity.ERROR,
                kind="policy",
                line=problem.line,
                code="policy-invalid",
                message=f"{problem.key}: {problem.message}" if problem.key else problem.message,
            )
            for problem in exc.problems
        )
    text = data.decode("utf-8")
    return tuple(offer_findings(policy, line_finder(text)))


def detect_kind(name: str) -> FileKind | None:
    """The kind a file name implies (``…robots.txt``, ``…ai.txt``, ``…tdmrep.json``, ``….xml``)."""
    lowered = name.lower()
    return next((kind for suffix, kind in _SUFFIXES if lowered.endswith(suffix)), None)


def lint(kind: FileKind, data: bytes) -> tuple[Diagnostic, ...]:
    """Every finding for ``data`` read as ``kind``, ordered by line."""
    if not isinstance(data, bytes):
        raise TypeError(f"lint expects bytes, got {type(data).__name__}")
    return tuple(sorted(_READERS[kind](data), key=lambda d: (d.line, d.code)))
