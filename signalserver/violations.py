"""The violation log's writer: rows and per-day counts kept in memory briefly, written in batches.

A database write per crawler request would put the database on every request's path (issue 12
section 6 bounds the cost of identification at 1.2x). The :class:`Recorder` appends to a list
and bumps a counter instead; a background task writes both every :data:`FLUSH_SECONDS`, and what
is pending is written when the server stops (the cleanup context) and before any admin read
(:meth:`Recorder.flush`), so the API and ``heedful violations`` never miss a row the server
has already answered for. A hard kill loses at most the last :data:`FLUSH_SECONDS`.

Client addresses are kept as the owner chose (:data:`IP_MODES`, docs/enforcement.md):
``full``, ``truncated`` (IPv4 to its /24, IPv6 to its /48) or ``hashed`` (HMAC-SHA256 under a
key kept in the database, so equal addresses stay comparable without being stored).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import ipaddress
import logging
import time
from datetime import UTC, datetime
from typing import Final, Literal

from heedful.policies.identity import Identity
from heedful.signalserver import store
from heedful.signalserver.db import Database
from heedful.signalserver.models import MAX_USER_AGENT_CHARS, Violation

log = logging.getLogger(__name__)

IpMode = Literal["full", "truncated", "hashed"]
IP_MODES: Final = ("full", "truncated", "hashed")
FLUSH_SECONDS: Final = 1.0
MAX_PENDING: Final = 5000
"""Rows held at most before a write is started at once (memory stays bounded)."""
MAX_PATH_CHARS: Final = 4096


def stored_ip(address: str, mode: IpMode, key: bytes) -> str:
    """``address`` as the owner chose to keep it."""
    if mode == "full":
        return address[:80]
    if mode == "hashed":
        digest = hmac.new(key, address.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
        return f"hmac:{digest[:32]}"
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "unknown"
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


class Recorder:
    """Pending violations and day counts, and the task that writes them."""

    def __init__(self, db: Database, *, ip_mode: IpMode, ip_key: bytes) -> None:
        self._db = db
        self._mode = ip_mode
        self._key = ip_key
        self._rows: list[Violation] = []
        self._days: dict[tuple[str, str, str], list[int]] = {}
        self._today: tuple[float, str] = (0.0, "")
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()

    def _day(self) -> str:
        """Today's UTC date, computed once a day (the counters are per UTC day)."""
        now = time.time()
        start, day = self._today
        if not start <= now < start + 86_400:
            moment = datetime.fromtimestamp(now, UTC)
            day = moment.strftime("%Y-%m-%d")
            midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
            self._today = (midnight, day)
        return day

    def count(self, agent: str, level: str, *, violations: int = 0, blocked: int = 0) -> None:
        """One request from a crawler, on today's counter."""
        key = (self._day(), agent, level)
        found = self._days.get(key)
        if found is None:
            self._days[key] = [1, violations, blocked]
        else:
            found[0] += 1
            found[1] += violations
            found[2] += blocked

    def violation(
        self,
        *,
        when: datetime,
        agent: str,
        identity: Identity,
        client_ip: str,
        user_agent: str,
        method: str,
        path: str,
        policy_number: int,
        policy_version: str,
        denied: str,
        rule: str,
        action: str,
        status: int,
        blocked: bool,
    ) -> None:
        self.count(agent, identity.level, violations=1, blocked=int(blocked))
        self._rows.append(
            Violation(
                time=store.naive(when),
                agent=agent[:100],
                level=identity.level,
                evidence=identity.evidence,
                signer=identity.signer[:300] if identity.signer else None,
                client_ip=stored_ip(client_ip, self._mode, self._key),
                ip_mode=self._mode,
                user_agent=user_agent[:MAX_USER_AGENT_CHARS],
                method=method[:16],
                path=path[:MAX_PATH_CHARS],
                policy_number=policy_number,
                policy_version=policy_version,
                denied=denied,
                rule=rule,
                action=action,
                status=status,
                blocked=blocked,
            )
        )
        if len(self._rows) >= MAX_PENDING:
            self._wake.set()

    async def flush(self) -> None:
        """Write what is pending (one transaction); called by the task, at stop and by readers."""
        async with self._lock:
            rows, days = self._rows, self._days
            self._rows, self._days = [], {}
            if not rows and not days:
                return
            try:
                await store.add_violations(self._db, rows, days)
            except BaseException:
                # Nothing recorded is dropped: the next write tries again.
                self._rows[:0] = rows
                for key, counts in days.items():
                    kept = self._days.setdefault(key, [0, 0, 0])
                    for i, value in enumerate(counts):
                        kept[i] += value
                raise

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_SECONDS)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("could not write the violation log")
