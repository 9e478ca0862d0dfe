"""Cloudflare Content Signals (``Content-Signal: search=yes, ai-input=no, ai-train=no``).

The policy is prose, not a grammar (Cloudflare's Content Signals Policy): keys and values compare
case-insensitively, values other than ``yes``/``no`` are unknown, unknown keys are ignored and a
key given twice keeps its most restrictive value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from policies.diagnostics import Diagnostic, ParseResult, Severity
from policies.model import Permission, Use, most_restrictive

SIGNAL_USES: Final[Mapping[str, Use]] = {
    "search": Use.SEARCH,
    "ai-input": Use.AI_INPUT,
    "ai-train": Use.AI_TRAIN,
}
"""The three defined signals and the use each speaks about."""

_VALUES: Final = {"yes": Permission.ALLOW, "no": Permission.DENY}
USE_LEVELS: Final = ("immediate", "reference", "full")
"""The 2026 ``use=`` levels; recorded, not mapped onto uses (Cloudflare's Content Signals Policy)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ContentSignal:
    """One parsed ``Content-Signal`` value."""

    uses: Mapping[Use, Permission] = field(default_factory=dict)
    use_level: str = ""


def parse_content_signal(
    value: str, *, kind: str = "Content-Signal", line: int = 0
) -> ParseResult[ContentSignal]:
    """Read one ``Content-Signal`` value; never raises on content."""
    if not isinstance(value, str):
        raise TypeError(f"parse_content_signal expects str, got {type(value).__name__}")
    uses: dict[Use, Permission] = {}
    level = ""
    diagnostics: list[Diagnostic] = []

    def note(severity: Severity, code: str, message: str) -> None:
        diagnostics.append(
            Diagnostic(severity=severity, kind=kind, line=line, code=code, message=message)
        )

    for member in value.split(","):
        member = member.strip()
        if not member:
            continue
        key, sep, raw = member.partition("=")
        key, raw = key.strip().lower(), raw.strip().lower()
        if not sep:
            note(Severity.WARNING, "content-signal-syntax", f"{member!r} is not key=value; ignored")
        elif key == "use":
            if raw in USE_LEVELS:
                level = raw
            else:
                note(Severity.WARNING, "content-signal-value", f"unknown use level {raw!r}")
        elif key not in SIGNAL_USES:
            note(Severity.INFO, "content-signal-unknown-key", f"unknown signal {key!r} ignored")
        elif raw not in _VALUES:
            note(
                Severity.WARNING,
                "content-signal-value",
                f"{key}={raw!r}: only yes or no mean something",
            )
        else:
            use = SIGNAL_USES[key]
            uses[use] = most_restrictive(uses.get(use, Permission.UNKNOWN), _VALUES[raw])
    if not uses and not level and not diagnostics:
        note(Severity.WARNING, "content-signal-empty", "empty Content-Signal value")
    return ParseResult(ContentSignal(uses=uses, use_level=level), tuple(diagnostics))


def render_content_signal(uses: Mapping[Use, Permission]) -> str:
    """Write the signals ``uses`` determines; a licence requirement is written as ``no``."""
    members = []
    for key, use in SIGNAL_USES.items():
        permission = uses.get(use, Permission.UNKNOWN)
        if permission is Permission.ALLOW:
            members.append(f"{key}=yes")
        elif permission in (Permission.DENY, Permission.LICENSE):
            members.append(f"{key}=no")
    return ", ".join(members)
