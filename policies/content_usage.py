"""IETF aipref ``Content-Usage`` values (draft-ietf-aipref-vocab-07 section 6;
older labels from vocab-01 to -04).

The same value appears as an HTTP response header and inside robots.txt ``Content-Usage`` rules;
this module reads and writes the value, the robots reader handles the path and the group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from http_sfv.dictionary import Dictionary
from http_sfv.types import Token

from policies.diagnostics import Diagnostic, ParseResult, Severity
from policies.model import Permission, Use

_DENY, _ALLOW = Permission.DENY, Permission.ALLOW

CURRENT_LABELS: Final[Mapping[str, Mapping[str, Mapping[Use, Permission]]]] = {
    # vocab-07 defines train-ai as training a *generative* model; publishers mean all training
    # (docs/decisions.md, Each mechanism's own rules): apply ``n`` broadly and ``y`` narrowly.
    "train-ai": {"n": {Use.AI_TRAIN: _DENY}, "y": {Use.GENAI_TRAIN: _ALLOW}},
    "search": {"n": {Use.SEARCH: _DENY}, "y": {Use.SEARCH: _ALLOW}},
}
"""Label -> token value -> what it says about each use."""

LEGACY_LABELS: Final[Mapping[str, Mapping[Use, Permission]]] = {
    # Older drafts' labels, honoured only when they deny (the labels of draft-ietf-aipref-vocab-01
    # to -04): a publisher who
    # copied an old example is respected, and an allow is never inferred from one.
    "bots": {Use.TDM: _DENY, Use.SEARCH: _DENY},
    "all": {Use.TDM: _DENY, Use.SEARCH: _DENY},
    "tdm": {Use.TDM: _DENY, Use.SEARCH: _DENY},
    "ai": {Use.AI_TRAIN: _DENY},
    "genai": {Use.AI_TRAIN: _DENY},
    "train-genai": {Use.AI_TRAIN: _DENY},
    "ai-use": {Use.AI_INPUT: _DENY},
    "inference": {Use.AI_INPUT: _DENY},
    "ai-output": {Use.AI_INPUT: _DENY, Use.SEARCH: _DENY},
}
"""Legacy label -> what its ``n`` denies."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ContentUsage:
    """One parsed preference: what it says per use, and the labels as written."""

    uses: Mapping[Use, Permission] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    """Every member's key and value as serialised (``{"train-ai": "n"}``)."""


def parse_content_usage(
    value: str | bytes, *, kind: str = "Content-Usage"
) -> ParseResult[ContentUsage]:
    """Read one ``Content-Usage`` value; a parse failure means every use is unknown (vocab 6)."""
    if isinstance(value, str):
        raw = value.encode("utf-8", "replace")
    elif isinstance(value, bytes):
        raw = value
    else:
        raise TypeError(f"parse_content_usage expects str or bytes, got {type(value).__name__}")
    diagnostics: list[Diagnostic] = []
    members = Dictionary()
    try:
        members.parse(raw.strip())
    except ValueError:
        diagnostics.append(
            _diag(
                kind,
                Severity.ERROR,
                "content-usage-syntax",
                f"not a structured-field dictionary (RFC 9651): {value!r}; every use is unknown",
            )
        )
        return ParseResult(ContentUsage(), tuple(diagnostics))
    uses: dict[Use, Permission] = {}
    labels: dict[str, str] = {}
    for key, member in members.items():
        token = member.value
        labels[key] = str(token).lower() if isinstance(token, bool) else str(token)
        is_token = isinstance(token, Token)
        if key in CURRENT_LABELS:
            meaning = CURRENT_LABELS[key].get(str(token)) if is_token else None
            if meaning is None:
                diagnostics.append(
                    _diag(
                        kind,
                        Severity.WARNING,
                        "content-usage-value",
                        f"{key}: value {labels[key]!r} is neither token y nor n; unknown",
                    )
                )
                continue
            uses.update(meaning)
        elif key in LEGACY_LABELS:
            if is_token and str(token) == "n":
                uses.update(LEGACY_LABELS[key])
                note = "honoured as a reservation"
            else:
                note = "ignored: a legacy label never grants"
            diagnostics.append(
                _diag(
                    kind,
                    Severity.WARNING,
                    "content-usage-legacy",
                    f"legacy aipref label {key}={labels[key]} ({note})",
                )
            )
        else:
            diagnostics.append(
                _diag(
                    kind,
                    Severity.INFO,
                    "content-usage-unknown-label",
                    f"unknown label {key!r} ignored",
                )
            )
    return ParseResult(ContentUsage(uses=uses, labels=labels), tuple(diagnostics))


def render_content_usage(uses: Mapping[Use, Permission]) -> str:
    """Write the current-vocabulary value that says what ``uses`` says, as far as it can.

    The vocabulary has no label for ``tdm`` or ``ai-input``: a ``tdm`` deny is written as
    ``train-ai=n`` (the reservation covers training), and ``ai-input`` is left to other formats.
    """
    train = uses.get(Use.AI_TRAIN, Permission.UNKNOWN)
    tdm = uses.get(Use.TDM, Permission.UNKNOWN)
    genai = uses.get(Use.GENAI_TRAIN, Permission.UNKNOWN)
    members: list[str] = []
    if Permission.DENY in (train, tdm, genai) or Permission.LICENSE in (train, tdm, genai):
        members.append("train-ai=n")
    elif genai is Permission.ALLOW or train is Permission.ALLOW or tdm is Permission.ALLOW:
        members.append("train-ai=y")
    search = uses.get(Use.SEARCH, Permission.UNKNOWN)
    if search is Permission.ALLOW:
        members.append("search=y")
    elif search in (Permission.DENY, Permission.LICENSE):
        members.append("search=n")
    return ", ".join(members)


def _diag(kind: str, severity: Severity, code: str, message: str) -> Diagnostic:
    return Diagnostic(severity=severity, kind=kind, line=0, code=code, message=message)
