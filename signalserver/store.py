"""Every query the server makes, in one place (style.md D: handlers never write SQL).

Times are stored as naive UTC and handed out as aware UTC. Policy versions are only inserted:
nothing here updates or deletes one, so the history is the audit trail.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import text as sql_text
from sqlmodel import col, select

from heedful.policies.model import Use
from heedful.policies.signals.removals import EVERY_USE, Removal, withdrawn_uses
from heedful.signalserver.db import Database
from heedful.signalserver.errors import Conflict, NotFound
from heedful.signalserver.models import (
    CrawlerDay,
    Credential,
    DecisionIn,
    PolicyVersion,
    RemovalRequest,
    Violation,
)
from heedful.signalserver.removal_input import RemovalIn
from heedful.signalserver.security import HashedSecret, new_id, new_token, sha256_hex

ADMIN_TOKEN = "admin-token"  # noqa: S105 -- the credential's name, not a secret
MAX_LIST = 500
POLICY_LOCK = 0x4EEDF01
"""PostgreSQL advisory lock key held while a policy version is appended."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """A stored (naive UTC) time as an aware one."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def naive(value: datetime) -> datetime:
    return aware(value).replace(tzinfo=None)


def iso_seconds(value: datetime) -> str:
    """``2026-11-25T12:00:00Z`` (the removals list's precision)."""
    return aware(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def aware_iso(text: str) -> datetime:
    """Parse a stored ``...Z`` time back (the inverse of :func:`iso_seconds`)."""
    return aware(datetime.fromisoformat(text))


def iso(value: datetime) -> str:
    """``2026-11-25T12:00:00.123456Z``."""
    return aware(value).isoformat().replace("+00:00", "Z")


# --- policy versions --------------------------------------------------------------------------


async def latest_policy(db: Database) -> PolicyVersion | None:
    async with db.read() as session:
        query = select(PolicyVersion).order_by(col(PolicyVersion.number).desc()).limit(1)
        return (await session.exec(query)).first()


async def policy_at(db: Database, when: datetime) -> PolicyVersion | None:
    """The version that was live at ``when``: the last one created at or before it."""
    async with db.read() as session:
        query = (
            select(PolicyVersion)
            .where(col(PolicyVersion.created_at) <= naive(when))
            .order_by(col(PolicyVersion.number).desc())
            .limit(1)
        )
        return (await session.exec(query)).first()


async def policy_by_number(db: Database, number: int) -> PolicyVersion:
    async with db.read() as session:
        found = await session.get(PolicyVersion, number)
    if found is None:
        raise NotFound(f"no policy version {number}")
    return found


async def policy_history(db: Database) -> list[PolicyVersion]:
    async with db.read() as session:
        query = select(PolicyVersion).order_by(col(PolicyVersion.number))
        return list((await session.exec(query)).all())


async def add_policy(db: Database, text: str, *, origin: str) -> PolicyVersion:
    """Append a version; its time is never before the previous one's, so ``policy_at`` holds."""
    async with db.write() as session:
        if db.engine.dialect.name == "postgresql":
            # Appends queue behind each other (SQLite writers already do, in db.write), so
            # numbers and times grow together even with several server processes.
            connection = await session.connection()
            await connection.execute(
                sql_text("SELECT pg_advisory_xact_lock(:key)"), {"key": POLICY_LOCK}
            )
        query = select(PolicyVersion).order_by(col(PolicyVersion.number).desc()).limit(1)
        previous = (await session.exec(query)).first()
        created = naive(utcnow())
        if previous is not None and created <= previous.created_at:
            created = previous.created_at + timedelta(microseconds=1)
        row = PolicyVersion(text=text, sha256=sha256_hex(text), created_at=created, origin=origin)
        session.add(row)
        await session.flush()
        await session.refresh(row)
    return row


# --- credentials ------------------------------------------------------------------------------


async def credential(db: Database, name: str) -> HashedSecret | None:
    async with db.read() as session:
        row = await session.get(Credential, name)
    if row is None:
        return None
    return HashedSecret(scheme=row.scheme, salt=row.salt, digest=row.digest)


async def set_credential_once(db: Database, name: str, hashed: HashedSecret) -> bool:
    """Store a credential unless one exists; whether it was stored."""
    async with db.write() as session:
        if await session.get(Credential, name) is not None:
            return False
        session.add(
            Credential(
                name=name,
                scheme=hashed.scheme,
                salt=hashed.salt,
                digest=hashed.digest,
                created_at=naive(utcnow()),
            )
        )
    return True


# --- removal requests -------------------------------------------------------------------------


async def add_removal(db: Database, request: RemovalIn) -> tuple[RemovalRequest, str]:
    """Store a request (committed before this returns) and return it with its receipt."""
    receipt = new_token()
    row = RemovalRequest(
        id=new_id(),
        receipt_sha256=sha256_hex(receipt),
        urls=json.dumps(list(request.urls)),
        prefix=request.prefix,
        uses=json.dumps([str(use) for use in request.uses]),
        requester_name=request.name,
        contact=request.contact,
        relation=request.relation,
        message=request.text,
        status="pending",
        reason="",
        created_at=naive(utcnow()),
    )
    async with db.write() as session:
        session.add(row)
    return row, receipt


async def removal(db: Database, removal_id: str) -> RemovalRequest:
    async with db.read() as session:
        found = await session.get(RemovalRequest, removal_id[:64])
    if found is None:
        raise NotFound(f"no removal request {removal_id!r}")
    return found


async def removals(db: Database, *, status: str | None = None) -> list[RemovalRequest]:
    """Requests, newest first (at most ``MAX_LIST``)."""
    async with db.read() as session:
        query = select(RemovalRequest)
        if status is not None:
            query = query.where(col(RemovalRequest.status) == status)
        query = query.order_by(col(RemovalRequest.created_at).desc()).limit(MAX_LIST)
        return list((await session.exec(query)).all())


async def decide_removal(db: Database, removal_id: str, decision: DecisionIn) -> RemovalRequest:
    """Approve or reject a pending request; a decided one stays decided (409)."""
    async with db.write() as session:
        row = await session.get(RemovalRequest, removal_id[:64])
        if row is None:
            raise NotFound(f"no removal request {removal_id!r}")
        if row.status != "pending":
            raise Conflict(f"removal request {removal_id} is already {row.status}")
        row.status = "approved" if decision.decision == "approve" else "rejected"
        row.reason = decision.reason
        row.decided_at = naive(utcnow())
        session.add(row)
    return row


async def approved_removals(db: Database) -> list[Removal]:
    """What the site publishes: URLs, prefix flags and approval times, nothing personal."""
    async with db.read() as session:
        query = (
            select(RemovalRequest)
            .where(col(RemovalRequest.status) == "approved")
            .order_by(col(RemovalRequest.decided_at), col(RemovalRequest.id))
        )
        rows = list((await session.exec(query)).all())
    return [
        Removal(
            url=url,
            prefix=row.prefix,
            uses=removal_uses(row),
            approved_at=iso_seconds(row.decided_at or row.created_at),
        )
        for row in rows
        for url in json.loads(row.urls)
    ]


def removal_urls(row: RemovalRequest) -> list[str]:
    urls = json.loads(row.urls)
    return [str(u) for u in urls] if isinstance(urls, list) else []


def removal_uses(row: RemovalRequest) -> tuple[Use, ...]:
    """The uses a stored request withdraws; a value that cannot be read withdraws every use."""
    try:
        named = json.loads(row.uses)
    except ValueError:
        return EVERY_USE
    known = [Use(v) for v in named if v in set(Use)] if isinstance(named, list) else []
    return withdrawn_uses(known) if known else EVERY_USE


# --- violations and per-day crawler counts ----------------------------------------------------

MAX_PAGE = 1000
IP_KEY = "violation-ip-key"
"""The credential row holding the key of hashed client addresses (never shown)."""


async def add_violations(
    db: Database, rows: list[Violation], days: dict[tuple[str, str, str], list[int]]
) -> None:
    """Append violations and add to the day counters, in one transaction."""
    if not rows and not days:
        return
    async with db.write() as session:
        session.add_all(rows)
        for (day, agent, level), (requests, violations, blocked) in days.items():
            found = await session.get(CrawlerDay, (day, agent, level))
            if found is None:
                found = CrawlerDay(day=day, agent=agent, level=level)
            found.requests += requests
            found.violations += violations
            found.blocked += blocked
            session.add(found)


async def violations(
    db: Database,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    agent: str | None = None,
    level: str | None = None,
    blocked: bool | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[Violation]:
    """Violations newest first, filtered; ``before`` (an id) pages back through them."""
    async with db.read() as session:
        query = select(Violation)
        if since is not None:
            query = query.where(col(Violation.time) >= naive(since))
        if until is not None:
            query = query.where(col(Violation.time) < naive(until))
        if agent is not None:
            query = query.where(col(Violation.agent) == agent)
        if level is not None:
            query = query.where(col(Violation.level) == level)
        if blocked is not None:
            query = query.where(col(Violation.blocked) == blocked)
        if before is not None:
            query = query.where(col(Violation.id) < before)
        query = query.order_by(col(Violation.id).desc()).limit(min(limit, MAX_PAGE))
        return list((await session.exec(query)).all())


async def crawler_days(db: Database, *, since: str | None = None) -> list[CrawlerDay]:
    """Per-day counts from ``since`` (``YYYY-MM-DD``), oldest day first."""
    async with db.read() as session:
        query = select(CrawlerDay)
        if since is not None:
            query = query.where(col(CrawlerDay.day) >= since)
        query = query.order_by(col(CrawlerDay.day), col(CrawlerDay.agent), col(CrawlerDay.level))
        return list((await session.exec(query)).all())


async def ip_key(db: Database) -> bytes:
    """The secret that keys hashed client addresses: made once, kept in the database."""
    found = await credential(db, IP_KEY)
    if found is None:
        key = new_token()
        made = HashedSecret(scheme="hmac-sha256-key", salt=sha256_hex(key), digest="-")
        await set_credential_once(db, IP_KEY, made)
        found = await credential(db, IP_KEY)
    assert found is not None
    return bytes.fromhex(found.salt)
