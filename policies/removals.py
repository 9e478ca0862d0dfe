"""Approved removal requests a site publishes at ``/.well-known/heedful/removals.json``.

A creator asks the site to have a work removed; once the site approves, the work's URLs (or a
URL prefix) appear here with the approval time, and nothing else: never who asked (the signal
server keeps that private). A crawler that honours the list denies every use of a listed URL.

Format (version 1)::

    {"version": 1, "generated": "2026-11-25T12:00:00Z",
     "removals": [{"url": "https://site.example/photos/42", "prefix": false,
                   "approved_at": "2026-11-24T09:30:00Z"}]}
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from policies.diagnostics import Diagnostic, ParseResult, Severity
from policies.model import Permission, Signal, Statement, Use

REMOVALS_PATH: Final = "/.well-known/heedful/removals.json"
MAX_REMOVALS_BYTES: Final = 5 * 1024 * 1024
KIND: Final = "removals.json"


@dataclass(frozen=True, kw_only=True, slots=True)
class Removal:
    """One approved removal: an exact URL, or every URL starting with it when ``prefix``."""

    url: str
    prefix: bool = False
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
        """Every use of a removed work is denied; the first covering entry is the reason."""
        for index, removal in enumerate(self.entries):
            if removal.covers(url):
                return Statement(
                    signal=Signal.REMOVALS,
                    source=self.source,
                    location=f"$.removals[{index}]",
                    rule=json.dumps(_entry(removal), separators=(", ", ": ")),
                    uses=dict.fromkeys(Use, Permission.DENY),
                    note=f"removal approved {removal.approved_at}".strip(),
                )
        return None


def parse_removals(data: str | bytes, *, source: str = REMOVALS_PATH) -> ParseResult[Removals]:
    """Read a removals list; malformed entries are skipped with a diagnostic, never guessed."""
    if not isinstance(data, str | bytes):
        raise TypeError(f"parse_removals expects str or bytes, got {type(data).__name__}")
    diagnostics: list[Diagnostic] = []

    def note(code: str, message: str) -> None:
        diagnostics.append(
            Diagnostic(severity=Severity.ERROR, kind=KIND, line=0, code=code, message=message)
        )

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
                approved_at=str(item.get("approved_at", "")),
            )
        )
    return ParseResult(Removals(entries=tuple(entries), source=source), tuple(diagnostics))


def render_removals(removals: Sequence[Removal], *, generated_at: str) -> str:
    """The published list; ``generated_at`` is passed in because the core reads no clock."""
    document = {"version": 1, "generated": generated_at, "removals": [_entry(r) for r in removals]}
    return json.dumps(document, indent=2) + "\n"


def _entry(removal: Removal) -> dict[str, object]:
    return {"url": removal.url, "prefix": removal.prefix, "approved_at": removal.approved_at}
