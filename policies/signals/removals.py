"""Approved removal requests a site publishes at ``/.well-known/heedful/removals.json``.

A creator asks the site to have a work removed; once the site approves, the work's URLs (or a
URL prefix) appear here with the uses withdrawn and the approval time, and nothing else: never
who asked (the signal server keeps that private). A crawler that honours the list denies
exactly the listed uses of a listed URL.

Format (version 1)::

    {"version": 1, "generated": "2026-11-25T12:00:00Z",
     "removals": [{"url": "https://site.example/photos/42", "prefix": false,
                   "uses": ["tdm", "ai-train", "genai-train", "ai-input"],
                   "approved_at": "2026-11-24T09:30:00Z"}]}

``uses`` names the withdrawn uses in the vocabulary of docs/decisions.md. A request withdraws
every AI use unless it names fewer (:data:`AI_USES`); search only when it names ``search``.
An entry without ``uses`` (lists written before the field existed) withdraws every use, search
included, as it always did; an entry whose ``uses`` cannot be read withdraws every use too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from heedful.policies.diagnostics import Diagnostic, ParseResult, Severity
from heedful.policies.model import USE_NARROWER, Permission, Signal, Statement, Use

REMOVALS_PATH: Final = "/.well-known/heedful/removals.json"
MAX_REMOVALS_BYTES: Final = 5 * 1024 * 1024
UNREADABLE_CODES: Final = frozenset(
    {"removals-too-large", "removals-invalid-json", "removals-no-list"}
)
"""Diagnostics that mean no removal could be read: the list is unreadable, never "nothing
removed" (docs/decisions.md, Signal files that cannot be read)."""
KIND: Final = "removals.json"
AI_USES: Final = (Use.TDM, Use.AI_TRAIN, Use.GENAI_TRAIN, Use.AI_INPUT)
"""What a removal withdraws unless it names fewer uses: every AI use, search kept."""
EVERY_USE: Final = tuple(Use)


def withdrawn_uses(named: Iterable[Use]) -> tuple[Use, ...]:
    """The uses a removal naming ``named`` withdraws, in vocabulary order.

    A named use takes its narrower uses with it (``tdm`` takes AI training and AI input,
    docs/decisions.md, Uses and their hierarchy), but never ``search``: whether a TDM
    reservation reaches search is contested (draft-ietf-aipref-vocab-00), so a removal
    withdraws search only when it names it.
    """
    out = set(named)
    for broad in (Use.TDM, Use.AI_TRAIN):
        if broad in out:
            out.update(use for use in USE_NARROWER[broad] if use is not Use.SEARCH)
    return tuple(use for use in Use if use in out)


@dataclass(frozen=True, kw_only=True, slots=True)
class Removal:
    """One approved removal: an exact URL, or every URL starting with it when ``prefix``."""

    url: str
    prefix: bool = False
    uses: tuple[Use, ...] = AI_USES
    """The withdrawn uses, narrower ones included (:func:`withdrawn_uses`)."""
    approved_at: str = ""

    def covers(self, url: str) -> bool:
        """Whether ``url`` is this work (fragments never distinguish works)."""
        bare = url.split("#", 1)[0]
        return bare.startswith(self.url) if self.prefix else bare == self.url


@dataclass(frozen=True, kw_only=True, slots=True)
class Removals:
    """A parsed removals list."""

    entries: tuple[Removal, ...] = ()
    source: str = REMOVALS_PATH

    def statement(self, url: str) -> Statement | None:
        """The uses withdrawn from ``url`` are denied, the others left unknown; every covering
        entry counts (two requests may withdraw different uses of one work), the first is
        the reason's location."""
        covering = [(i, r) for i, r in enumerate(self.entries) if r.covers(url)]
        if not covering:
            return None
        index, first = covering[0]
        denied = {use for _, removal in covering for use in removal.uses}
        return Statement(
            signal=Signal.REMOVALS,
            source=self.source,
            location=f"$.removals[{index}]",
            rule=json.dumps(_entry(first), separators=(", ", ": ")),
            uses={use: Permission.DENY if use in denied else Permission.UNKNOWN for use in Use},
            note=_note(first, denied),
            exact=True,
        )


def parse_removals(data: str | bytes, *, source: str = REMOVALS_PATH) -> ParseResult[Removals]:
    """Read a removals list; malformed entries are skipped with a diagnostic, never guessed."""
    if not isinstance(data, str | bytes):
        raise TypeError(f"parse_removals expects str or bytes, got {type(data).__name__}")
    diagnostics: list[Diagnostic] = []

    def note(code: str, message: str, severity: Severity = Severity.ERROR) -> None:
        diagnostics.append(
            Diagnostic(severity=severity, kind=KIND, line=0, code=code, message=message)
        )

    def uses_of(index: int, item: dict[str, object]) -> tuple[Use, ...]:
        if "uses" not in item:
            return EVERY_USE
        named = item["uses"]
        values = [v for v in named if isinstance(v, str)] if isinstance(named, list) else []
        known = [Use(v) for v in values if v in _USE_VALUES]
        if isinstance(named, list) and len(known) < len(named):
            unknown = [v for v in named if v not in known]
            note(
                "removals-unknown-use",
                f"removals[{index}] names unknown uses {unknown}; they are ignored",
                Severity.WARNING,
            )
        if not known:
            note(
                "removals-no-uses",
                f"removals[{index}] names no use it withdraws; read as withdrawing every use",
            )
            return EVERY_USE
        return withdrawn_uses(known)

    if len(data) > MAX_REMOVALS_BYTES:
        note("removals-too-large", f"larger than {MAX_REMOVALS_BYTES} bytes; not read")
        return ParseResult(Removals(source=source), tuple(diagnostics))
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        note("removals-invalid-json", f"not JSON: {exc}")
        return ParseResult(Removals(source=source), tuple(diagnostics))
    items = document.get("removals") if isinstance(document, dict) else None
    if not isinstance(items, list):
        note("removals-no-list", 'expected an object with a "removals" array')
        return ParseResult(Removals(source=source), tuple(diagnostics))
    entries: list[Removal] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("url"), str) or not item["url"]:
            note("removals-bad-entry", f"removals[{index}] has no url; skipped")
            continue
        entries.append(
            Removal(
                url=item["url"],
                prefix=item.get("prefix") is True,
                uses=uses_of(index, item),
                approved_at=str(item.get("approved_at", "")),
            )
        )
    return ParseResult(Removals(entries=tuple(entries), source=source), tuple(diagnostics))


def render_removals(removals: Sequence[Removal], *, generated_at: str) -> str:
    """The published list; ``generated_at`` is passed in because the core reads no clock."""
    document = {"version": 1, "generated": generated_at, "removals": [_entry(r) for r in removals]}
    return json.dumps(document, indent=2) + "\n"


_USE_VALUES: Final = frozenset(str(use) for use in Use)


def _entry(removal: Removal) -> dict[str, object]:
    return {
        "url": removal.url,
        "prefix": removal.prefix,
        "uses": [str(use) for use in removal.uses],
        "approved_at": removal.approved_at,
    }


def _note(removal: Removal, denied: set[Use]) -> str:
    kept = "" if Use.SEARCH in denied else "; search is not withdrawn"
    withdrawn = ", ".join(str(use) for use in Use if use in denied)
    approved = f"removal approved {removal.approved_at}" if removal.approved_at else "removal"
    return f"{approved}: withdraws {withdrawn}{kept}"
