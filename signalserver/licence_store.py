"""Every query of the licence server, in one place (style.md D: handlers never write SQL).

The usage ledger (``licence_issued``, ``licensed_fetch``) is append-only: nothing here updates or
deletes a row of it, and each insert is committed before the function returns, so the HTTP answer
that acknowledges a licence or a charge is sent only once it is on disk (issue 14 section 5).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final

from sqlmodel import col, select

from heedful.signalserver.db import Database
from heedful.signalserver.errors import NotFound
from heedful.signalserver.models import LicenceClient, LicenceIssued, LicenceKey, LicensedFetch
from heedful.signalserver.security import HashedSecret
from heedful.signalserver.store import naive, utcnow

# --- clients ----------------------------------------------------------------------------------


async def add_client(
    db: Database,
    *,
    client_id: str,
    name: str,
    hashed: HashedSecret,
    key_thumbprint: str = "",
    key_jwk: str = "",
) -> LicenceClient:
    row = LicenceClient(
        client_id=client_id,
        name=name,
        scheme=hashed.scheme,
        salt=hashed.salt,
        digest=hashed.digest,
        key_thumbprint=key_thumbprint,
        key_jwk=key_jwk,
        created_at=naive(utcnow()),
    )
    async with db.write() as session:
        session.add(row)
    return row


async def client(db: Database, client_id: str) -> LicenceClient | None:
    async with db.read() as session:
        return await session.get(LicenceClient, client_id)


async def clients(db: Database) -> list[LicenceClient]:
    async with db.read() as session:
        query = select(LicenceClient).order_by(col(LicenceClient.created_at))
        return list((await session.exec(query)).all())


async def revoke_client(db: Database, client_id: str) -> LicenceClient:
    """Mark a client revoked (once); its tokens stop working and it gets no new ones."""
    async with db.write() as session:
        row = await session.get(LicenceClient, client_id)
        if row is None:
            raise NotFound(f"no licence client {client_id!r}")
        if row.revoked_at is None:
            row.revoked_at = naive(utcnow())
            session.add(row)
    return row


def hashed_secret(row: LicenceClient) -> HashedSecret:
    return HashedSecret(scheme=row.scheme, salt=row.salt, digest=row.digest)


# --- the signing key --------------------------------------------------------------------------


async def signing_key(db: Database) -> LicenceKey | None:
    async with db.read() as session:
        query = (
            select(LicenceKey).order_by(col(LicenceKey.created_at), col(LicenceKey.kid)).limit(1)
        )
        return (await session.exec(query)).first()


async def set_signing_key_once(db: Database, kid: str, private_jwk: str) -> LicenceKey:
    """Store the key unless one exists (another process may have won the race); the kept one."""
    async with db.write() as session:
        query = (
            select(LicenceKey).order_by(col(LicenceKey.created_at), col(LicenceKey.kid)).limit(1)
        )
        existing = (await session.exec(query)).first()
        if existing is not None:
            return existing
        row = LicenceKey(kid=kid, private_jwk=private_jwk, created_at=naive(utcnow()))
        session.add(row)
    return row


# --- the usage ledger -------------------------------------------------------------------------


async def record_issue(db: Database, row: LicenceIssued) -> None:
    async with db.write() as session:
        session.add(row)


async def issued(db: Database, token_id: str) -> LicenceIssued | None:
    async with db.read() as session:
        return await session.get(LicenceIssued, token_id)


async def record_fetch(db: Database, row: LicensedFetch) -> None:
    async with db.write() as session:
        session.add(row)


GATHER_TURNS: Final = 16
"""The most event-loop turns a group of fetches waits for more to join it."""


class FetchRecorder:
    """Commits licensed fetches in groups: each caller returns once its own row is committed.

    A row is the :class:`LicensedFetch` columns as a mapping, inserted with one Core
    ``INSERT`` per group through :meth:`Database.append` (the ORM's per-object bookkeeping is
    not needed for an append-only table).

    Under load many fetches wait for a commit at once; one transaction holds all that are
    waiting when it starts (group commit), so a busy server pays for one durable commit per
    group rather than per fetch, and every answer still leaves only after its charge is on disk.
    Before a group is taken the fetches already received are let in (:meth:`_gather`).
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._waiting: list[tuple[Mapping[str, object], asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def record(self, row: Mapping[str, object]) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((row, done))
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush())
        await done

    async def _gather(self) -> None:
        """Let the event loop turn while the group still grows, at most :data:`GATHER_TURNS`.

        A request the server has received needs about two turns to reach its commit (one to
        read it, one to run its handler), so the group is taken after two turns that added
        nothing: on an idle server at once, under load with the fetches already in flight.
        No timer: the wait is a few loop turns, microseconds, never a fixed delay.
        """
        quiet = 0
        for _ in range(GATHER_TURNS):
            size = len(self._waiting)
            await asyncio.sleep(0)
            quiet = quiet + 1 if len(self._waiting) == size else 0
            if quiet == 2:
                return

    async def _flush(self) -> None:
        try:
            while self._waiting:
                await self._gather()
                group, self._waiting = self._waiting, []
                try:
                    await self.db.append(LicensedFetch, [row for row, _ in group])
                except Exception as exc:  # noqa: BLE001 - every waiter hears of the failure
                    for _, done in group:
                        if not done.done():
                            done.set_exception(exc)
                else:
                    for _, done in group:
                        if not done.done():
                            done.set_result(None)
        finally:
            self._flushing = None


async def ledger(
    db: Database, *, since: datetime | None = None, until: datetime | None = None
) -> tuple[Sequence[LicenceIssued], Sequence[LicensedFetch]]:
    """The licences issued and the fetches made in ``[since, until)`` (all when ``None``)."""
    async with db.read() as session:
        issues = select(LicenceIssued).order_by(col(LicenceIssued.issued_at))
        fetches = select(LicensedFetch).order_by(col(LicensedFetch.id))
        if since is not None:
            issues = issues.where(col(LicenceIssued.issued_at) >= naive(since))
            fetches = fetches.where(col(LicensedFetch.time) >= naive(since))
        if until is not None:
            issues = issues.where(col(LicenceIssued.issued_at) < naive(until))
            fetches = fetches.where(col(LicensedFetch.time) < naive(until))
        return list((await session.exec(issues)).all()), list((await session.exec(fetches)).all())


def creators_json(creators: Sequence[str]) -> str:
    return json.dumps(list(creators), ensure_ascii=False)


async def issued_for(db: Database, token_ids: set[str]) -> list[LicenceIssued]:
    """The issue rows of these tokens, whenever they were issued (a fetch in December may use
    a token issued in November)."""
    if not token_ids:
        return []
    async with db.read() as session:
        query = select(LicenceIssued).where(col(LicenceIssued.token_id).in_(sorted(token_ids)))
        return list((await session.exec(query)).all())
