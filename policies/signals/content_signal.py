"""Cloudflare Content Signals (``Content-Signal: search=yes, ai-input=no, ai-train=no``).

The policy is prose, not a grammar (Cloudflare's Content Signals Policy): keys and values compare
case-insensitively, values other than ``yes``/``no`` are unknown, unknown keys are ignored and a
key given twice keeps its most restrictive value. The same reading applies to the value in a
robots.txt group and in a ``Content-Signal`` response header, which speaks for that response
only (docs/decisions.md, Each mechanism's own rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from heedful.policies.diagnostics import Diagnostic, ParseResult, Severity
from heedful.policies.model import Permission, Use, most_restrictive

SIGNAL_USES: Final[Mapping[str, Use]] = {
    "search": Use.SEARCH,
    "ai-input": Use.AI_INPUT,
    "ai-train": Use.AI_TRAIN,
}
"""The three defined signals and the use each speaks about."""

_VALUES: Final = {"yes": Permission.ALLOW, "no": Permission.DENY}
MEANT_VALUES: Final[Mapping[str, str]] = {
    **dict.fromkeys(("allow", "allowed", "true", "y", "1", "permit", "on", "ok"), "yes"),
    **dict.fromkeys(
        ("disallow", "disallowed", "deny", "denied", "false", "n", "0", "block", "off", "none"),
        "no",
    ),
}
"""Values seen in the wild that are not Content Signals values, and what they probably meant.
They stay unknown -- never a yes, and not guessed into a no either: the policy defines only
``yes`` and ``no`` (Cloudflare's Content Signals Policy) -- but lint says what to write."""
MEANT_KEYS: Final[Mapping[str, str]] = {
    **dict.fromkeys(
        ("ai-training", "ai_train", "aitrain", "train", "training", "ai-train-data"), "ai-train"
    ),
    **dict.fromkeys(
        ("ai-retrieval", "ai_input", "aiinput", "ai-inference", "retrieval", "rag"), "ai-input"
    ),
    **dict.fromkeys(("search-engine", "searchengine", "search-index", "index"), "search"),
}
"""Keys seen in the wild that the policy does not define, and the signal they probably meant."""
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
        elif key in MEANT_KEYS:
            note(
                Severity.WARNING,
                "content-signal-unknown-key",
                f"{key!r} is not a signal of the Content Signals Policy and is ignored (unknown,"
                f" never a yes); probably meant {MEANT_KEYS[key]}=",
            )
        elif key not in SIGNAL_USES:
            note(Severity.INFO, "content-signal-unknown-key", f"unknown signal {key!r} ignored")
        elif raw not in _VALUES:
            hint = f"; probably meant {key}={MEANT_VALUES[raw]}" if raw in MEANT_VALUES else ""
            note(
                Severity.WARNING,
                "content-signal-value",
                f"{key}={raw!r}: only yes or no mean something, so this is unknown, never a"
                f" yes{hint}",
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
