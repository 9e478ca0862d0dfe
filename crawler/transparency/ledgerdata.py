"""The ledger as plain rows, read once, and the few definitions every report shares.

What counts (docs/transparency.md): a *considered item* is one ``crawl`` event (a URL decided
during a crawl); a *kept item* is a ``crawl`` event with status ``kept`` and is identified by
where its WARC record was first written (``warc_file``, ``warc_offset``), which never changes in
the ledger even after a purge moves the record (see :class:`~heedful.crawler.ledger.WarcRelocation`).
A kept item's *current state* is its latest ``recheck`` event (or ``kept`` when never
re-checked), or ``purged`` once a purge removed its record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

ItemKey = tuple[str, int]
"""``(warc_file, warc_offset)`` of a kept item as the crawl wrote it."""

BLOCKING_EFFECTS: Final = ("deny", "license", "access deny", "access license", "default deny")
"""Reason effects that refuse (the crawl summary's labels use the same, crawler.evidence)."""
PERMITTING_EFFECTS: Final = ("allow", "default allow")
LICENSING_EFFECTS: Final = ("license", "access license")
"""What a kept item's licence was bought for (the crawler keeps one only with its token)."""


class LedgerMissing(LookupError):
    """No ledger where one was expected."""


@dataclass(frozen=True, kw_only=True, slots=True)
class LedgerData:
    """Every row a report needs, oldest first."""

    crawls: Sequence[Mapping[str, Any]]
    events: Sequence[Mapping[str, Any]]
    rechecks: Sequence[Mapping[str, Any]] = ()
    purges: Sequence[Mapping[str, Any]] = ()
    purged: Sequence[Mapping[str, Any]] = ()
    relocations: Sequence[Mapping[str, Any]] = ()
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def crawl_events(self) -> list[Mapping[str, Any]]:
        found = self._cache.get("crawl")
        if found is None:
            found = self._cache["crawl"] = [e for e in self.events if e["event"] == "crawl"]
        return found

    @property
    def kept(self) -> list[Mapping[str, Any]]:
        """Kept items, one per WARC record written."""
        found = self._cache.get("kept")
        if found is None:
            seen: set[ItemKey] = set()
            found = []
            for event in self.crawl_events:
                if event["status"] == "kept" and (key := item_key(event)) not in seen:
                    seen.add(key)
                    found.append(event)
            self._cache["kept"] = found
        return found

    def latest_rechecks(self) -> dict[ItemKey, Mapping[str, Any]]:
        """The newest ``recheck`` event per kept item."""
        found: dict[ItemKey, Mapping[str, Any]] = {}
        for event in self.events:
            if event["event"] == "recheck":
                found[item_key(event)] = event
        return found

    def purged_keys(self) -> set[ItemKey]:
        return {(row["warc_file"], int(row["warc_offset"])) for row in self.purged}

    def state(self) -> dict[ItemKey, str]:
        """Each kept item's current state: ``kept``, ``withdrawn``, ``unverified`` or ``purged``."""
        latest = self.latest_rechecks()
        purged = self.purged_keys()
        out: dict[ItemKey, str] = {}
        for event in self.kept:
            key = item_key(event)
            if key in purged:
                out[key] = "purged"
            elif key in latest:
                out[key] = str(latest[key]["status"])
            else:
                out[key] = "kept"
        return out


def item_key(event: Mapping[str, Any]) -> ItemKey:
    return (str(event.get("warc_file") or ""), int(event.get("warc_offset") or 0))


def deciding_reason(
    reasons: Iterable[Mapping[str, Any]] | None, *, refused: bool
) -> tuple[str, str]:
    """``(signal, "signal effect")`` of the reason that decided: the first refusing reason for a
    refusal, the first permitting one for a kept item (robots.txt ``access allow`` only lets the
    crawler in; it does not say anything about the use), else the one that asked for the
    licence it was kept under."""
    items = list(reasons or ())
    # A kept item nothing permits outright was kept under the licence a signal asked for.
    for wanted in (BLOCKING_EFFECTS,) if refused else (PERMITTING_EFFECTS, LICENSING_EFFECTS):
        for reason in items:
            if reason.get("effect") in wanted:
                signal = str(reason.get("signal") or "unknown")
                effect = str(reason.get("effect"))
                return signal, effect if effect.startswith(signal) else f"{signal} {effect}"
    if refused and not items:
        return "error", "error"
    return "other", "other"


def as_utc(value: Any) -> datetime | None:
    """Ledger times come back naive from SQLite; they were written in UTC (ledger.utcnow)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def resolve_db(directory: Path, db: str = "") -> str:
    """The ledger URL for ``directory`` (``DIRECTORY/ledger.sqlite`` unless ``db`` names one)."""
    from heedful.crawler.ledger import DEFAULT_DB_NAME, database_url

    if not db and not (directory / DEFAULT_DB_NAME).is_file():
        raise LedgerMissing(f"no ledger at {directory / DEFAULT_DB_NAME}")
    return database_url(db, directory)


async def load_async(url: str) -> LedgerData:
    # Imported here: the table classes register on SQLModel's shared metadata, which the
    # pure helpers above (and whoever imports them) have no reason to touch.
    from heedful.crawler.ledger import (
        CrawlRun,
        Ledger,
        PurgeAction,
        PurgedItem,
        RecheckRun,
        WarcRelocation,
    )

    store = Ledger(url)
    try:
        await store.create()  # ledgers written before re-checks existed lack those tables
        crawls = await store.rows(CrawlRun)
        events = [event async for event in store.events()]
        return LedgerData(
            crawls=crawls,
            events=events,
            rechecks=await store.rows(RecheckRun),
            purges=await store.rows(PurgeAction),
            purged=await store.rows(PurgedItem),
            relocations=await store.rows(WarcRelocation),
        )
    finally:
        await store.close()


def load(url: str) -> LedgerData:
    """Read the whole ledger (synchronous wrapper for the commands)."""
    return asyncio.run(load_async(url))
