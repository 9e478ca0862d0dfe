"""The provenance ledger: what was considered, what was decided and why, and what was kept.

SQLModel tables (style.md section 6), SQLite by default and PostgreSQL by URL, through the async
drivers the project already ships (aiosqlite, asyncpg) so writes share the crawl's event loop.
History is never rewritten (issue 4 section 2): every table is append-only, a later re-check of
an item adds a :class:`UrlEvent` row with ``event="recheck"`` rather than updating one. Rows are
buffered and written in batches with one executemany, which keeps the ledger off the crawl's
critical path (issue 4 section 6).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Column, Text, inspect, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import Field, SQLModel, select

log = logging.getLogger(__name__)

DEFAULT_DB_NAME: Final = "ledger.sqlite"
JSON_FIELDS: Final = (
    "reasons",
    "offers",
    "license",
    "attribution",
    "snapshots",
    "redirected_from",
    "headers",
    "seeds",
    "detail",
    "uses",
)


def _text() -> Any:
    return Field(default="", sa_column=Column(Text, nullable=False, default=""))


class CrawlRun(SQLModel, table=True):
    """One worker's part of one crawl (several workers share a ``crawl_id``)."""

    __tablename__ = "heedful_crawl"
    id: int | None = Field(default=None, primary_key=True)
    crawl_id: str = Field(index=True)
    worker: str
    started_at: datetime
    agent: str
    user_agent: str
    use: str
    mode: str
    strict: bool
    seeds: str = _text()


class SignalSnapshot(SQLModel, table=True):
    """One fetch of a site-level signal file: the evidence a decision was based on."""

    __tablename__ = "heedful_signal_snapshot"
    id: str = Field(primary_key=True)
    crawl_id: str = Field(index=True)
    origin: str = Field(index=True)
    kind: str
    url: str
    final_url: str
    status: int | None = None
    headers: str = _text()
    sha256: str
    size: int
    error: str = ""
    redirects: int = 0
    truncated: bool = False
    not_modified: bool = False
    outcome: str = _text()
    fetched_at: datetime
    fresh_seconds: int = 0
    warc_file: str = ""
    warc_offset: int | None = None


class UrlEvent(SQLModel, table=True):
    """One decision about one URL: kept, refused or failed, with every reason."""

    __tablename__ = "heedful_url_event"
    id: int | None = Field(default=None, primary_key=True)
    crawl_id: str = Field(index=True)
    event: str = "crawl"
    """``crawl`` when decided during a crawl; a later re-check appends ``recheck`` rows."""
    url: str = Field(index=True)
    origin: str
    status: str
    """``kept``, ``refused`` or ``failed``."""
    stage: str
    """``before-fetch`` (never requested) or ``after-fetch``."""
    verdict: str
    access: str = ""
    use: str
    mode: str
    reasons: str = _text()
    offers: str = _text()
    http_status: int | None = None
    error: str = ""
    decided_at: datetime
    fetched_at: datetime | None = None
    sha256: str = ""
    size: int | None = None
    content_type: str = ""
    warc_file: str = ""
    warc_offset: int | None = None
    license: str = _text()
    attribution: str = _text()
    snapshots: str = _text()
    redirected_from: str = _text()
    images_reserved: bool = False
    aipref_draft: str = ""
    """The draft-ietf-aipref-vocab revision ``Content-Usage`` was read under (``08``, ``07``);
    empty when no decision was made. Added after the first ledgers: :meth:`Ledger.upgrade`
    adds the column to a ledger written before it."""
    uses: str = _text()
    """The decision's answer per use (``{"ai-train": "deny", ...}``, before the mode's default):
    what the site allowed and reserved at collection time, for the dataset manifest. Added after
    the first ledgers, like ``aipref_draft``."""


class RecheckRun(SQLModel, table=True):
    """One ``heedful recheck``: when it ran and what it found (its events are ``UrlEvent`` rows
    with ``event="recheck"``; its signal fetches are ``SignalSnapshot`` rows under its id)."""

    __tablename__ = "heedful_recheck"
    id: int | None = Field(default=None, primary_key=True)
    recheck_id: str = Field(index=True)
    started_at: datetime
    finished_at: datetime
    pages: bool = False
    items: int = 0
    kept: int = 0
    withdrawn: int = 0
    unverified: int = 0
    origins: int = 0
    purge_list: str = ""
    detail: str = _text()


class PurgeAction(SQLModel, table=True):
    """One ``heedful purge`` action (``apply`` or ``delete-old``) and what it touched."""

    __tablename__ = "heedful_purge"
    id: int | None = Field(default=None, primary_key=True)
    purge_id: str = Field(index=True)
    action: str
    at: datetime
    records_removed: int = 0
    files_rewritten: int = 0
    detail: str = _text()


class PurgedItem(SQLModel, table=True):
    """One kept item whose WARC record a purge removed (the history rows stay as they are)."""

    __tablename__ = "heedful_purged_item"
    id: int | None = Field(default=None, primary_key=True)
    purge_id: str = Field(index=True)
    url: str = Field(index=True)
    sha256: str
    warc_file: str
    warc_offset: int
    reasons: str = _text()
    purged_at: datetime


class WarcRelocation(SQLModel, table=True):
    """Where a record that a purge copied now lives: ``(old file, offset) -> (new file, offset)``."""

    __tablename__ = "heedful_warc_relocation"
    id: int | None = Field(default=None, primary_key=True)
    purge_id: str = Field(index=True)
    old_file: str = Field(index=True)
    old_offset: int
    new_file: str
    new_offset: int


def database_url(url: str, out_dir: Path) -> str:
    """The async SQLAlchemy URL: ``sqlite:///x`` -> aiosqlite, ``postgresql://`` -> asyncpg."""
    if not url:
        return f"sqlite+aiosqlite:///{(out_dir / DEFAULT_DB_NAME).resolve()}"
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


class Ledger:
    """Buffered, append-only writer and reader of the ledger tables."""

    def __init__(self, url: str, *, batch: int = 500) -> None:
        self.url = url
        self._engine: AsyncEngine = create_async_engine(url)
        self._batch = batch
        self._pending: dict[type[SQLModel], list[dict[str, Any]]] = {}
        self._count = 0
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._upgraded = False

    async def upgrade(self) -> None:
        """Add the columns :data:`ADDED_COLUMNS` lists to tables written before them.

        The ledger has no migration tool (style.md section 6: SQLModel ships none); a column is
        only ever added, with a default, so every older ledger still opens and its rows read as
        "not recorded" ('').
        """
        if self._upgraded:
            return
        async with self._engine.begin() as conn:
            missing = await conn.run_sync(_missing_columns)
            for table, column, ddl in missing:
                await conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}"))
        self._upgraded = True

    async def create(self) -> None:
        """Create missing tables (``create_all`` after every table class is imported).

        Workers starting together race to create the same tables; the loser sees "already
        exists" and simply looks again, finding them made.
        """
        for attempt in range(3):
            try:
                async with self._engine.begin() as conn:
                    await conn.run_sync(SQLModel.metadata.create_all)
                await self.upgrade()
                return
            except (OperationalError, ProgrammingError, IntegrityError):
                if attempt == 2:
                    raise
                await asyncio.sleep(0.1 * (attempt + 1))

    def add(self, table: type[SQLModel], row: Mapping[str, Any]) -> None:
        """Queue one row; JSON fields may be given as Python values."""
        values = dict(_defaults(table))
        values.update(
            (key, dumps(value) if key in JSON_FIELDS and not isinstance(value, str) else value)
            for key, value in row.items()
        )
        self._pending.setdefault(table, []).append(values)
        self._count += 1
        if self._count >= self._batch and not self._tasks:
            # One flush in flight at a time; rows added meanwhile wait for the next batch.
            task = asyncio.ensure_future(self.flush())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def flush(self) -> None:
        """Write every queued row (one executemany per table)."""
        async with self._lock:
            pending, self._pending, self._count = self._pending, {}, 0
            if not pending:
                return
            async with self._engine.begin() as conn:
                # Snapshots first: events point at them.
                for table in sorted(pending, key=lambda t: t is UrlEvent):
                    await conn.execute(table.__table__.insert(), pending[table])  # type: ignore[attr-defined]

    async def close(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.flush()
        await self._engine.dispose()

    async def events(self, *, crawl_id: str | None = None) -> AsyncIterator[dict[str, Any]]:
        """Every URL event, oldest first, JSON fields decoded."""
        await self.upgrade()
        query = select(UrlEvent).order_by(UrlEvent.id)  # type: ignore[arg-type]
        if crawl_id:
            query = query.where(UrlEvent.crawl_id == crawl_id)
        async with self._engine.connect() as conn:
            result = await conn.stream(query)
            async for row in result:
                yield _decoded(dict(row._mapping))

    async def snapshots(self) -> dict[str, dict[str, Any]]:
        async with self._engine.connect() as conn:
            result = await conn.execute(select(SignalSnapshot))
            return {row.id: _decoded(dict(row._mapping)) for row in result}

    async def rows(self, table: type[SQLModel]) -> list[dict[str, Any]]:
        """Every row of ``table`` in insertion order, JSON fields decoded."""
        await self.upgrade()
        order = table.id  # type: ignore[attr-defined]
        async with self._engine.connect() as conn:
            result = await conn.execute(select(table).order_by(order))
            return [_decoded(dict(row._mapping)) for row in result]

    async def crawls(self) -> list[dict[str, Any]]:
        async with self._engine.connect() as conn:
            result = await conn.execute(select(CrawlRun).order_by(CrawlRun.id))  # type: ignore[arg-type]
            return [_decoded(dict(row._mapping)) for row in result]


ADDED_COLUMNS: Final = (
    ("heedful_url_event", "aipref_draft", "TEXT NOT NULL DEFAULT ''"),
    ("heedful_url_event", "uses", "TEXT NOT NULL DEFAULT ''"),
)
"""Columns added after the first ledgers were written: table, column, SQL type and default."""


def _missing_columns(conn: Any) -> list[tuple[str, str, str]]:
    found = inspect(conn)
    tables = set(found.get_table_names())
    return [
        (table, column, ddl)
        for table, column, ddl in ADDED_COLUMNS
        if table in tables and column not in {c["name"] for c in found.get_columns(table)}
    ]


_DEFAULTS: dict[type[SQLModel], dict[str, Any]] = {}


def _defaults(table: type[SQLModel]) -> dict[str, Any]:
    """Every column with its default, so one executemany sees the same keys in each row."""
    found = _DEFAULTS.get(table)
    if found is None:
        found = {
            name: (None if info.is_required() else info.get_default(call_default_factory=True))
            for name, info in table.model_fields.items()
            if name != "id" or table is SignalSnapshot
        }
        _DEFAULTS[table] = found
    return found


def utcnow() -> datetime:
    """Aware UTC: every ledger time is stored with its zone."""
    return datetime.now(UTC)


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    for key in JSON_FIELDS:
        if key in row and isinstance(row[key], str):
            row[key] = json.loads(row[key]) if row[key] else None
    return row
