"""The licensing statement: what each licensee owes, and to which rightsholder and creators.

Built from the append-only usage ledger for one period (a calendar month, ``2026-12``, or all
time). No money moves anywhere in Heedful: the statement is what a billing system or a
collective management organisation would invoice from (docs/server.md, Statement). It is
reconciled with the tokens issued: every fetch must belong to a token the ledger holds, for the
same licensee, and a fetch that does not is listed under ``reconciliation.unmatched``.

Amounts are :class:`decimal.Decimal`, summed per currency, never converted and never float.
A licence's amount is owed once at issue (``training``, ``purchase``...); a ``crawl`` licence
is charged per fetch served (2xx). A creator is credited the amounts of the licences covering
their works, whole: how a rightsholder or collective splits them is its own rule.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from heedful.signalserver import licence_store
from heedful.signalserver.db import Database
from heedful.signalserver.models import LicenceClient, LicenceIssued, LicensedFetch
from heedful.signalserver.store import iso

NOTE: Final = (
    "No money moves: this statement is what a billing system or a collective would invoice from."
)
_PERIOD: Final = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class PeriodError(ValueError):
    """Not a ``YYYY-MM`` month."""


def period_bounds(period: str | None) -> tuple[datetime | None, datetime | None]:
    """``2026-12`` -> [2026-12-01, 2027-01-01) in UTC; ``None`` -> all time."""
    if period is None:
        return None, None
    match = _PERIOD.fullmatch(period)
    if match is None:
        raise PeriodError(f"--period must be a month such as 2026-12, not {period!r}")
    year, month = int(match.group(1)), int(match.group(2))
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return start, end


@dataclass
class Account:
    """One line of the statement: licences, fetches and amounts per currency."""

    name: str
    licences: int = 0
    fetches: int = 0
    amounts: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def add(self, currency: str, amount: Decimal) -> None:
        if amount:
            self.amounts[currency] += amount

    def as_dict(self, key: str) -> dict[str, object]:
        return {
            key: self.name,
            "licences": self.licences,
            "fetches": self.fetches,
            "amounts": {c: str(a) for c, a in sorted(self.amounts.items())},
        }


def _accounts(table: dict[str, Account], name: str) -> Account:
    found = table.get(name)
    if found is None:
        found = table[name] = Account(name)
    return found


def build(
    issued: Sequence[LicenceIssued],
    fetches: Sequence[LicensedFetch],
    *,
    known_tokens: dict[str, LicenceIssued],
    clients: Iterable[LicenceClient],
    period: str | None,
) -> dict[str, object]:
    """The statement as a JSON-ready dictionary (see the module docstring)."""
    names = {c.client_id: c.name for c in clients}
    licensees: dict[str, Account] = {}
    holders: dict[str, Account] = {}
    creators: dict[str, Account] = {}
    totals = Account("total")

    def parties(row: LicenceIssued) -> list[Account]:
        found = [_accounts(holders, row.rightsholder)]
        found += [_accounts(creators, name) for name in json.loads(row.creators or "[]")]
        return found

    for row in issued:
        amount = Decimal(row.amount or "0")
        for account in [_accounts(licensees, row.licensee), *parties(row), totals]:
            account.licences += 1
            account.add(row.currency, amount)
    unmatched: list[dict[str, object]] = []
    for fetch in fetches:
        token = known_tokens.get(fetch.token_id)
        if token is None or token.licensee != fetch.licensee:
            unmatched.append(
                {
                    "id": fetch.id,
                    "token_id": fetch.token_id,
                    "licensee": fetch.licensee,
                    "path": fetch.path,
                    "time": iso(fetch.time),
                    "reason": "no such token was issued"
                    if token is None
                    else f"the token was issued to {token.licensee}",
                }
            )
        amount = Decimal(fetch.amount or "0")
        accounts = [_accounts(licensees, fetch.licensee), totals]
        if token is not None:
            accounts += parties(token)
        for account in accounts:
            account.fetches += 1
            account.add(fetch.currency, amount)
    start, end = period_bounds(period)
    return {
        "period": period or "all",
        "from": iso(start) if start else None,
        "until": iso(end) if end else None,
        "note": NOTE,
        "licensees": [
            {**a.as_dict("client_id"), "name": names.get(a.name, "(unknown client)")}
            for a in sorted(licensees.values(), key=lambda a: a.name)
        ],
        "rightsholders": [
            a.as_dict("rightsholder") for a in sorted(holders.values(), key=lambda a: a.name)
        ],
        "creators": [a.as_dict("creator") for a in sorted(creators.values(), key=lambda a: a.name)],
        "totals": totals.as_dict("total"),
        "reconciliation": {
            "tokens_issued": len(issued),
            "fetches": len(fetches),
            "unmatched": unmatched,
            "ok": not unmatched,
        },
    }


async def statement(db: Database, period: str | None) -> dict[str, object]:
    """The statement for ``period`` (``YYYY-MM``) or all time, read from ``db``."""
    since, until = period_bounds(period)
    issued, fetches = await licence_store.ledger(db, since=since, until=until)
    known = {
        row.token_id: row
        for row in await licence_store.issued_for(db, {f.token_id for f in fetches})
    }
    return build(
        issued,
        fetches,
        known_tokens=known,
        clients=await licence_store.clients(db),
        period=period,
    )


def _money(amounts: object) -> str:
    assert isinstance(amounts, dict)
    return ", ".join(f"{c} {a}" for c, a in amounts.items()) or "nothing"


def rows(document: dict[str, object]) -> list[dict[str, str]]:
    """One flat row per account (CSV, the HTML tables): section, name, counts, amounts."""
    out: list[dict[str, str]] = []
    for section, key in (
        ("licensee", "client_id"),
        ("rightsholder", "rightsholder"),
        ("creator", "creator"),
    ):
        entries = document[f"{section}s"]
        assert isinstance(entries, list)
        for entry in entries:
            name = str(entry[key]) + (f" ({entry['name']})" if section == "licensee" else "")
            out.append(
                {
                    "section": section,
                    "name": name,
                    "licences": str(entry["licences"]),
                    "fetches": str(entry["fetches"]),
                    "amounts": _money(entry["amounts"]),
                }
            )
    totals = document["totals"]
    assert isinstance(totals, dict)
    out.append(
        {
            "section": "total",
            "name": "total",
            "licences": str(totals["licences"]),
            "fetches": str(totals["fetches"]),
            "amounts": _money(totals["amounts"]),
        }
    )
    return out


def text(document: dict[str, object]) -> str:
    """The statement as plain text, one line per account."""
    lines = [f"Licensing statement, period {document['period']}", str(document["note"]), ""]
    lines += [
        f"{row['section']:<12} {row['name']:<40} {row['licences']:>4} licences "
        f"{row['fetches']:>6} fetches  {row['amounts']}"
        for row in rows(document)
    ]
    recon = document["reconciliation"]
    assert isinstance(recon, dict)
    lines.append("")
    lines.append(
        f"reconciled: {recon['tokens_issued']} tokens issued, {recon['fetches']} fetches, "
        f"{len(recon['unmatched'])} fetches without an issued token"
    )
    lines += [
        f"  UNMATCHED fetch {item['id']} {item['path']}: {item['reason']}"
        for item in recon["unmatched"]
    ]
    return "\n".join(lines) + "\n"
