"""The provenance ledger: what was considered, what was decided and why, and what was kept.

SQLModel tables (style.md section 6), SQLite by default and PostgreSQL by URL, through the async
drivers the project already ships (aiosqlite, asyncpg) so writes share the crawl's event loop.
Structured values (reasons, offers, licences, attribution, headers...) are JSON columns; the
ledger's own encoder writes them (:class:`JsonEncoding`), so the same reason list shared by every
page of an origin is encoded once. History is never rewritten (issue 4 section 2): every table is
append-only, a later re-check of an item adds a :class:`UrlEvent` row with ``event="recheck"``
rather than updating one. Rows are buffered and written in batches, one ORM bulk insert per
table, which keeps the ledger off the crawl's critical path.

Ledgers written before the JSON columns (structured values as text, ``''`` for "not recorded")
are migrated in place when first opened (:meth:`Ledger.upgrade`); nothing in them is lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import JSON, Column, Text, insert, inspect, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

log = logging.getLogger(__name__)

DEFAULT_DB_NAME: Final = "ledger.sqlite"
SCHEMA_VERSION: Final = 3
"""1: structured values as JSON text in TEXT columns; 2: JSON columns; 3: ``licensing``."""
ENCODED_CACHE_SIZE: Final = 4096
"""Distinct tuples (reason lists, snapshot ids) kept encoded; most pages of an origin share one."""


def _json(default: Any = None) -> Any:
    """A JSON column; ``None`` is stored as JSON ``null`` ("not recorded"), never SQL NULL, so
    the NOT NULL text columns of a migrated older ledger take new rows too."""
    return Field(default=default, sa_column=Column(JSON, nullable=True))


def _text() -> Any:
    return Field(default="", sa_column=Column(Text, nullable=False, default=""))


class LedgerSchema(SQLModel, table=True):
    """Which layout the ledger's tables have (one row per version reached)."""

    __tablename__ = "heedful_ledger_schema"
    version: int = Field(primary_key=True)
    applied_at: datetime


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
    seeds: list[str] | None = _json()


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
    headers: list[list[str]] | None = _json()
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
    reasons: list[dict[str, Any]] | None = _json()
    offers: list[dict[str, Any]] | None = _json()
    http_status: int | None = None
    error: str = ""
    decided_at: datetime
    fetched_at: datetime | None = None
    sha256: str = ""
    size: int | None = None
    content_type: str = ""
    warc_file: str = ""
    warc_offset: int | None = None
    license: list[dict[str, Any]] | None = _json()
    attribution: dict[str, str] | None = _json()
    snapshots: list[str] | None = _json()
    redirected_from: list[str] | None = _json()
    images_reserved: bool = False
    aipref_draft: str = ""
    """The draft-ietf-aipref-vocab revision ``Content-Usage`` was read under (``08``, ``07``);
    empty when no decision was made. Added after the first ledgers: :meth:`Ledger.upgrade`
    adds the column to a ledger written before it."""
    uses: dict[str, str] | None = _json()
    """The decision's answer per use (``{"ai-train": "deny", ...}``, before the mode's default):
    what the site allowed and reserved at collection time, for the dataset manifest. Added after
    the first ledgers, like ``aipref_draft``."""
    licensing: dict[str, Any] | None = _json()
    """The licence a URL was fetched under, or why none was obtained (issue 14 section 2): the
    terms (scope, payment, usage, price, rightsholder, duties, creators' consent), the licence
    server, the token id (``jti``), the licensee (``client_id``), what was charged, and in
    consent mode which of licence and creator consent was missing. Never a secret or a token.
    Added in schema 3."""


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
    detail: dict[str, Any] | None = _json()


class PurgeAction(SQLModel, table=True):
    """One ``heedful purge`` action (``apply`` or ``delete-old``) and what it touched."""

    __tablename__ = "heedful_purge"
    id: int | None = Field(default=None, primary_key=True)
    purge_id: str = Field(index=True)
    action: str
    at: datetime
    records_removed: int = 0
    files_rewritten: int = 0
    detail: dict[str, Any] | None = _json()


class PurgedItem(SQLModel, table=True):
    """One kept item whose WARC record a purge removed (the history rows stay as they are)."""

    __tablename__ = "heedful_purged_item"
    id: int | None = Field(default=None, primary_key=True)
    purge_id: str = Field(index=True)
    url: str = Field(index=True)
    sha256: str
    warc_file: str
    warc_offset: int
    reasons: list[dict[str, Any]] | None = _json()
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


TABLES: Final[tuple[type[SQLModel], ...]] = (
    CrawlRun,
    SignalSnapshot,
    UrlEvent,
    RecheckRun,
    PurgeAction,
    PurgedItem,
    WarcRelocation,
)
JSON_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    str(table.__tablename__): tuple(
        c.name
        for c in table.__table__.columns  # type: ignore[attr-defined]
        if isinstance(c.type, JSON)
    )
    for table in TABLES
}
"""Every table's JSON columns (held as JSON text in TEXT columns by schema 1)."""
JSON_COLUMN_NAMES: Final[dict[type[SQLModel], frozenset[str]]] = {
    table: frozenset(JSON_COLUMNS[str(table.__tablename__)]) for table in TABLES
}
ROW_DEFAULTS: Final[dict[type[SQLModel], dict[str, Any]]] = {
    table: {
        name: None if info.is_required() else info.get_default(call_default_factory=True)
        for name, info in table.model_fields.items()
        if name != "id" or table is SignalSnapshot
    }
    for table in TABLES
}
"""Every column with its default, so one bulk insert sees the same keys in each row (the
database numbers the rows; a snapshot's id is its own)."""
ADDED_COLUMNS: Final = (
    ("heedful_url_event", "aipref_draft", "TEXT NOT NULL DEFAULT ''"),
    ("heedful_url_event", "uses", "JSON DEFAULT 'null'"),
    ("heedful_url_event", "licensing", "JSON DEFAULT 'null'"),
)
"""Columns added after the first ledgers were written: table, column, SQL type and default
(the same DDL on SQLite and PostgreSQL)."""


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


def _plain(value: Any) -> Any:
    """What JSON cannot say natively: a value with ``as_dict`` (a ``Reason``), or its text."""
    as_dict = getattr(value, "as_dict", None)
    return as_dict() if callable(as_dict) else str(value)


dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_plain).encode
"""The ledger's JSON text for a value (one encoder, built once)."""


class JsonEncoding:
    """JSON text for the ledger's JSON columns: tuples (immutable: a decision's reasons, snapshot
    ids) are encoded once and remembered, since every page of an origin repeats the same few."""

    def __init__(self, size: int = ENCODED_CACHE_SIZE) -> None:
        self._size = size
        self._known: dict[tuple[Any, ...], str] = {}

    def __call__(self, value: Any) -> str:
        if type(value) is not tuple:
            return dumps(value)
        try:
            found = self._known.get(value)
        except TypeError:  # a tuple holding something unhashable: encoded every time
            return dumps(value)
        if found is None:
            if len(self._known) >= self._size:
                self._known.clear()
            found = self._known[value] = dumps(value)
        return found


def _prepared(value: Any) -> str:
    """The engine's JSON serialiser: :meth:`Ledger.add` has already made every JSON value its
    text (a JSON string value included, as ``'"..."'``), so text passes as it is."""
    return value if type(value) is str else dumps(value)


class Ledger:
    """Buffered, append-only writer and reader of the ledger tables."""

    def __init__(self, url: str, *, batch: int = 500) -> None:
        self.url = url
        self._engine: AsyncEngine = create_async_engine(url, json_serializer=_prepared)
        self._encode = JsonEncoding()
        self._batch = batch
        self._pending: dict[type[SQLModel], list[dict[str, Any]]] = {}
        self._count = 0
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._upgraded = False

    def _session(self) -> AsyncSession:
        return AsyncSession(self._engine, expire_on_commit=False)

    async def upgrade(self) -> None:
        """Bring a ledger written by an earlier version to :data:`SCHEMA_VERSION`, in place.

        The ledger has no migration tool (style.md section 6: SQLModel ships none) and needs
        little: columns are only ever added, with a default (:data:`ADDED_COLUMNS`), and schema 1's
        JSON text becomes JSON (``''``, "not recorded", becomes JSON ``null``; on PostgreSQL the
        TEXT column becomes a JSON column). Every older ledger still opens, nothing is lost.
        """
        if self._upgraded:
            return
        async with self._engine.begin() as conn:
            await conn.run_sync(lambda sync: LedgerSchema.__table__.create(sync, checkfirst=True))  # type: ignore[attr-defined]
            done = await conn.scalar(
                select(LedgerSchema.version).where(col(LedgerSchema.version) >= SCHEMA_VERSION)
            )
            if done is None:
                for statement in await conn.run_sync(_migration):
                    await conn.execute(text(statement))
                await conn.execute(
                    insert(LedgerSchema).values(version=SCHEMA_VERSION, applied_at=utcnow())
                )
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
        """Queue one row of ``table``; JSON columns take Python values (lists, dicts, tuples,
        values with ``as_dict``).

        JSON values are encoded here, so a queued row holds only strings, numbers and times: the
        garbage collector does not track such a dict, and a batch waiting to be written costs
        its passes nothing."""
        values = dict(ROW_DEFAULTS[table])
        encode = self._encode
        for key, value in row.items():
            values[key] = encode(value) if key in JSON_COLUMN_NAMES[table] else value
        self._pending.setdefault(table, []).append(values)
        self._count += 1
        if self._count >= self._batch and not self._tasks:
            # One flush in flight at a time; rows added meanwhile wait for the next batch.
            task = asyncio.ensure_future(self.flush())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def flush(self) -> None:
        """Write every queued row: one ORM bulk insert per table, in one transaction."""
        async with self._lock:
            pending, self._pending, self._count = self._pending, {}, 0
            if not pending:
                return
            async with self._session() as session, session.begin():
                # Snapshots first: events point at them.
                for table in sorted(pending, key=lambda t: t is UrlEvent):
                    await session.exec(insert(table), params=pending[table])

    async def close(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.flush()
        await self._engine.dispose()

    async def events(self, *, crawl_id: str | None = None) -> AsyncIterator[dict[str, Any]]:
        """Every URL event, oldest first, as plain values."""
        await self.upgrade()
        query = select(UrlEvent).order_by(col(UrlEvent.id))
        if crawl_id:
            query = query.where(UrlEvent.crawl_id == crawl_id)
        async with self._session() as session:
            async for event in await session.stream_scalars(query):
                yield values(event)

    async def snapshots(self) -> dict[str, dict[str, Any]]:
        """Every signal-file snapshot by id."""
        await self.upgrade()
        async with self._session() as session:
            found = await session.exec(select(SignalSnapshot))
            return {snapshot.id: values(snapshot) for snapshot in found}

    async def rows(self, table: type[SQLModel]) -> list[dict[str, Any]]:
        """Every row of ``table`` in insertion order, as plain values."""
        await self.upgrade()
        order = table.id  # type: ignore[attr-defined]
        async with self._session() as session:
            found = await session.exec(select(table).order_by(order))
            return [values(row) for row in found]

    async def crawls(self) -> list[dict[str, Any]]:
        return await self.rows(CrawlRun)


def values(row: SQLModel) -> dict[str, Any]:
    """A row as plain values, in its table's column order."""
    return {name: getattr(row, name) for name in type(row).model_fields}


def _migration(conn: Any) -> list[str]:
    """The SQL that takes the ledger behind ``conn`` from any earlier layout to this one."""
    found = inspect(conn)
    tables = set(found.get_table_names())
    columns = {table: {c["name"]: c["type"] for c in found.get_columns(table)} for table in tables}
    statements = [
        f"ALTER TABLE {table} ADD COLUMN {column} {ddl}"
        for table, column, ddl in ADDED_COLUMNS
        if table in tables and column not in columns[table]
    ]
    postgres = conn.dialect.name == "postgresql"
    for table, names in JSON_COLUMNS.items():
        for name in names:
            if table not in tables or name not in columns[table]:
                continue
            if postgres and not isinstance(columns[table][name], JSON):
                statements += [
                    f"ALTER TABLE {table} ALTER COLUMN {name} DROP DEFAULT",
                    (
                        f"ALTER TABLE {table} ALTER COLUMN {name} TYPE JSON USING"
                        f" (CASE WHEN {name} = '' THEN 'null' ELSE {name} END)::json"
                    ),
                ]
            elif not postgres:
                # SQLite keeps whatever a column holds: the JSON text stays, '' becomes null.
                # Names come from this module's tables, never from input.
                statements.append(f"UPDATE {table} SET {name} = 'null' WHERE {name} = ''")  # noqa: S608
    return statements


def utcnow() -> datetime:
    """Aware UTC: every ledger time is stored with its zone."""
    return datetime.now(UTC)
