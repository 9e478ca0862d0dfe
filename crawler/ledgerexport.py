"""The ledger's public shape: what ``heedful ledger`` prints for each considered URL.

Defined here, beside the tables it is read from, so the CLI only prints: one
:class:`LedgerEntry` per URL event (the signal files it was decided on inlined as
:class:`SignalRef`, and what was kept only for kept items), or every
:class:`~heedful.crawler.ledger.SignalSnapshot` as stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import SQLModel

from heedful.crawler.ledger import Ledger


class SignalRef(SQLModel):
    """One signal-file fetch a decision was based on."""

    id: str
    kind: str
    url: str
    status: int | None
    sha256: str
    fetched_at: datetime


class WarcLocation(SQLModel):
    """Where a kept item's record was written."""

    file: str
    offset: int | None


class LedgerEntry(SQLModel):
    """One decision about one URL, as exported; the fields after ``signals`` only when kept."""

    url: str
    status: str
    verdict: str
    access: str
    use: str
    mode: str
    stage: str
    reasons: list[dict[str, Any]] | None
    offers: list[dict[str, Any]] | None
    http_status: int | None
    error: str
    fetched_at: datetime | None
    decided_at: datetime
    crawl_id: str
    event: str
    redirected_from: list[str] | None
    signals: list[SignalRef]
    licensing: dict[str, Any] | None = None
    sha256: str | None = None
    size: int | None = None
    content_type: str | None = None
    warc: WarcLocation | None = None
    attribution: dict[str, str] | None = None
    license: list[dict[str, Any]] | None = None
    images_reserved: bool | None = None

    @classmethod
    def of(
        cls, event: Mapping[str, Any], snapshots: Mapping[str, Mapping[str, Any]]
    ) -> LedgerEntry:
        """The entry for one :class:`~heedful.crawler.ledger.UrlEvent` row (as plain values)."""
        fields = {name: event[name] for name in cls.model_fields if name in event}
        fields["signals"] = [
            SignalRef.model_validate(snapshot)
            for sid in event.get("snapshots") or ()
            if (snapshot := snapshots.get(sid)) is not None
        ]
        if event["status"] == "kept":
            fields.update(
                warc=WarcLocation(file=event["warc_file"], offset=event["warc_offset"]),
                attribution=event["attribution"] or {},
                license=event["license"] or [],
            )
        else:
            for name in KEPT_ONLY:
                fields.pop(name, None)
        return cls.model_validate(fields)

    def public(self) -> dict[str, Any]:
        """The exported object: kept-only fields are left out of other entries."""
        return self.model_dump(exclude=None if self.status == "kept" else set(KEPT_ONLY))


KEPT_ONLY = frozenset(
    ("sha256", "size", "content_type", "warc", "attribution", "license", "images_reserved")
)
"""What only a kept item says: its content, where it is stored, who made it, its licence."""


async def export(url: str, *, crawl_id: str = "", signals: bool = False) -> list[dict[str, Any]]:
    """Every entry of the ledger at ``url`` (of one crawl when ``crawl_id`` is given), oldest
    first; with ``signals``, every signal-file snapshot instead."""
    store = Ledger(url)
    try:
        snapshots = await store.snapshots()
        if signals:
            return [s for s in snapshots.values() if not crawl_id or s["crawl_id"] == crawl_id]
        return [
            LedgerEntry.of(event, snapshots).public()
            async for event in store.events(crawl_id=crawl_id or None)
        ]
    finally:
        await store.close()
