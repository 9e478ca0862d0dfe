"""IETF aipref ``Content-Usage`` values (draft-ietf-aipref-vocab-08 section 6, and -07 on request;
older labels from vocab-01 to -04).

The same value appears as an HTTP response header and inside robots.txt ``Content-Usage`` rules;
this module reads and writes the value, the robots reader handles the path and the group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final

from http_sfv.dictionary import Dictionary
from http_sfv.types import Token

from heedful.policies.diagnostics import Diagnostic, ParseResult, Severity
from heedful.policies.model import (
    DEFAULT_AIPREF_DRAFT,
    AiprefDraft,
    Permission,
    Signal,
    Statement,
    Use,
)

_TRAIN_AI: Final[Mapping[str, Mapping[Use, Permission]]] = {
    # vocab-07 and -08 (section 4.1, on section 2's "generative AI model") define train-ai as
    # training a *generative* model. Heedful's ``ai-train`` is training any model, generative ones
    # included, so a reservation reaches it; an allow only reaches ``genai-train``: ``n`` broadly,
    # ``y`` narrowly (docs/decisions.md, aipref revisions).
    "n": {Use.AI_TRAIN: Permission.DENY},
    "y": {Use.GENAI_TRAIN: Permission.ALLOW},
}
_SEARCH: Final[Mapping[str, Mapping[Use, Permission]]] = {
    "n": {Use.SEARCH: Permission.DENY},
    "y": {Use.SEARCH: Permission.ALLOW},
}
_AI_USE: Final[Mapping[str, Mapping[Use, Permission]]] = {
    # vocab-08 section 4.2: input to a generative model where the user did not directly provide
    # the asset -- Heedful's ``ai-input`` (RAG, grounding, AI answers). Whether a URL the user
    # pasted is "directly provided" is open (aipref issue 249): ``ai-input`` covers it, so a
    # reservation binds it too (docs/decisions.md, aipref revisions).
    "n": {Use.AI_INPUT: Permission.DENY},
    "y": {Use.AI_INPUT: Permission.ALLOW},
}

LABELS_BY_DRAFT: Final[
    Mapping[AiprefDraft, Mapping[str, Mapping[str, Mapping[Use, Permission]]]]
] = {
    AiprefDraft.VOCAB_07: {"train-ai": _TRAIN_AI, "search": _SEARCH},
    AiprefDraft.VOCAB_08: {"train-ai": _TRAIN_AI, "ai-use": _AI_USE, "search": _SEARCH},
}
"""Revision -> label -> token value -> what it says about each use (vocab-07 and -08 section 6.1)."""

CURRENT_LABELS: Final = LABELS_BY_DRAFT[DEFAULT_AIPREF_DRAFT]
"""The current revision's labels."""

_LEGACY_BEFORE_08: Final[Mapping[str, Mapping[Use, Permission]]] = {
    # Older drafts' labels, honoured only when they deny (the labels of draft-ietf-aipref-vocab-01
    # to -04): a publisher who
    # copied an old example is respected, and an allow is never inferred from one.
    "bots": {Use.TDM: Permission.DENY, Use.SEARCH: Permission.DENY},
    "all": {Use.TDM: Permission.DENY, Use.SEARCH: Permission.DENY},
    "tdm": {Use.TDM: Permission.DENY, Use.SEARCH: Permission.DENY},
    "ai": {Use.AI_TRAIN: Permission.DENY},
    "genai": {Use.AI_TRAIN: Permission.DENY},
    "train-genai": {Use.AI_TRAIN: Permission.DENY},
    "ai-use": {Use.AI_INPUT: Permission.DENY},
    "inference": {Use.AI_INPUT: Permission.DENY},
    "ai-output": {Use.AI_INPUT: Permission.DENY, Use.SEARCH: Permission.DENY},
}
LEGACY_BY_DRAFT: Final[Mapping[AiprefDraft, Mapping[str, Mapping[Use, Permission]]]] = {
    AiprefDraft.VOCAB_07: _LEGACY_BEFORE_08,
    # vocab-08 made ``ai-use`` a current category again (section 4.2): no longer legacy.
    AiprefDraft.VOCAB_08: {k: v for k, v in _LEGACY_BEFORE_08.items() if k != "ai-use"},
}
LEGACY_LABELS: Final = LEGACY_BY_DRAFT[DEFAULT_AIPREF_DRAFT]
"""Legacy label -> what its ``n`` denies, under the current revision."""

NOT_IN_VOCABULARY: Final[Mapping[str, str]] = {
    # Labels publishers copy that no revision defines (closed proposals, other vocabularies'
    # spellings): vocab-08 section 6.4 says unknown labels MUST be ignored, so each reads as
    # nothing; the linter says what was probably meant.
    "rag-ground": "ai-use (closed proposal; vocab-08 section 4.2 covers grounding)",
    "infer-user": "ai-use (closed proposal; vocab-08 has no user-directed category, issue 249)",
    "infer-system": "ai-use (closed proposal; vocab-08 section 4.2)",
    "ai-train": "train-ai (ai-train is the Content Signals spelling)",
    "ai-input": "ai-use (ai-input is the Content Signals spelling)",
    "train_ai": "train-ai",
    "trainai": "train-ai",
    "ai_use": "ai-use",
    "ai-training": "train-ai",
    "noai": "train-ai=n, ai-use=n",
}
"""Label -> what the publisher probably meant."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ContentUsage:
    """One parsed preference: what it says per use, and the labels as written."""

    uses: Mapping[Use, Permission] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    """Every member's key and value as serialised (``{"train-ai": "n"}``)."""


def parse_content_usage(
    value: str | bytes,
    *,
    kind: str = "Content-Usage",
    draft: AiprefDraft = DEFAULT_AIPREF_DRAFT,
) -> ParseResult[ContentUsage]:
    """Read one ``Content-Usage`` value under revision ``draft``; a parse failure means every use
    is unknown (vocab-08 section 6.5.1)."""
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
    current = LABELS_BY_DRAFT[draft]
    legacy = LEGACY_BY_DRAFT[draft]
    uses: dict[Use, Permission] = {}
    labels: dict[str, str] = {}
    for key, member in members.items():
        token = member.value
        labels[key] = str(token).lower() if isinstance(token, bool) else str(token)
        is_token = isinstance(token, Token)
        if key in current:
            meaning = current[key].get(str(token)) if is_token else None
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
        elif key in legacy:
            if is_token and str(token) == "n":
                uses.update(legacy[key])
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
        elif key in NOT_IN_VOCABULARY:
            diagnostics.append(
                _diag(
                    kind,
                    Severity.WARNING,
                    "content-usage-not-in-vocabulary",
                    f"label {key!r} is in no aipref vocabulary revision and is ignored"
                    f" (draft-ietf-aipref-vocab-08 section 6.4); probably meant:"
                    f" {NOT_IN_VOCABULARY[key]}",
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
    """Write the vocab-08 value that says what ``uses`` says, as far as it can.

    The vocabulary has no label for ``tdm``: a ``tdm`` deny is written as ``train-ai=n`` and
    ``ai-use=n`` (the reservation covers training and AI input). ``ai-input`` is ``ai-use``
    (vocab-08 section 4.2), written only when the policy says something about it.
    """
    train = uses.get(Use.AI_TRAIN, Permission.UNKNOWN)
    tdm = uses.get(Use.TDM, Permission.UNKNOWN)
    genai = uses.get(Use.GENAI_TRAIN, Permission.UNKNOWN)
    members: list[str] = []
    if Permission.DENY in (train, tdm, genai) or Permission.LICENSE in (train, tdm, genai):
        members.append("train-ai=n")
    elif genai is Permission.ALLOW or train is Permission.ALLOW or tdm is Permission.ALLOW:
        members.append("train-ai=y")
    ai_input = uses.get(Use.AI_INPUT, Permission.UNKNOWN)
    if Permission.DENY in (ai_input, tdm) or Permission.LICENSE in (ai_input, tdm):
        members.append("ai-use=n")
    elif ai_input is Permission.ALLOW:
        members.append("ai-use=y")
    search = uses.get(Use.SEARCH, Permission.UNKNOWN)
    if search is Permission.ALLOW:
        members.append("search=y")
    elif search in (Permission.DENY, Permission.LICENSE):
        members.append("search=n")
    return ", ".join(members)


def preference_of(rule: str) -> str:
    """The preference a ``Content-Usage`` statement's ``rule`` holds: the header value itself,
    or a robots.txt line's value after its label and optional path (draft-ietf-aipref-attach-05
    section 3)."""
    text = rule.split("#", 1)[0].strip()
    label, sep, rest = text.partition(":")
    if sep and label.strip().lower() == "content-usage":
        text = rest.strip(" \t")
        if text.startswith("/"):
            cut = min((i for i in (text.find(" "), text.find("\t")) if i >= 0), default=len(text))
            text = text[cut:].strip(" \t")
    return text


def under_draft(stmt: Statement, draft: AiprefDraft) -> Statement:
    """``stmt`` as revision ``draft`` reads it; any statement but a ``Content-Usage`` one, and
    every statement under the current revision (readers parse with it), is returned as is.
    The evaluator's prepared decider calls this once per rule, so nothing is kept here."""
    if draft is DEFAULT_AIPREF_DRAFT or stmt.signal is not Signal.CONTENT_USAGE:
        return stmt
    value = preference_of(stmt.rule)
    uses = parse_content_usage(value, draft=draft).value.uses if value else {}
    return replace(stmt, uses=dict(uses))


def _diag(kind: str, severity: Severity, code: str, message: str) -> Diagnostic:
    return Diagnostic(severity=severity, kind=kind, line=0, code=code, message=message)
