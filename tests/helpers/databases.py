"""Throw-away PostgreSQL databases for tests: made beside the test database, dropped after.

A new database is named after the one ``HEEDFUL_TEST_DATABASE_URL`` gives (``test`` becomes
``test_<random>``), so tests sharing a server with other runs keep to their own names. A copy is
made with ``CREATE DATABASE ... TEMPLATE``, which needs no other session on the template: copy
only a database no process still holds open.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any
from urllib.parse import urlsplit, urlunsplit


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def create_database(base: str, *, template: str = "") -> str:
    """A new, empty database (or a copy of the one ``template`` names) beside ``base``'s."""
    import asyncpg

    parts = urlsplit(base)
    name = f"{database_name(base) or 'heedful_test'}_{secrets.token_hex(6)}"
    copy = f" TEMPLATE {_quoted(database_name(template))}" if template else ""
    admin = await asyncpg.connect(base)
    try:
        await admin.execute(f"CREATE DATABASE {_quoted(name)}{copy}")
    finally:
        await admin.close()
    return urlunsplit(parts._replace(path=f"/{name}"))


async def drop_database(base: str, url: str) -> None:
    """Drop the database ``url`` names, closing whatever sessions it still has."""
    import asyncpg

    admin = await asyncpg.connect(base)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {_quoted(database_name(url))} WITH (FORCE)")
    finally:
        await admin.close()


async def fetch(url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of ``query`` as tuples; ``?`` placeholders as in sqlite3 (made ``$1``, ``$2``...)."""
    import asyncpg

    pieces = query.split("?")
    numbered = pieces[0] + "".join(f"${n}{rest}" for n, rest in enumerate(pieces[1:], 1))
    conn = await asyncpg.connect(url)
    try:
        return [tuple(row) for row in await conn.fetch(numbered, *params)]
    finally:
        await conn.close()


def create_database_sync(base: str, *, template: str = "") -> str:
    return asyncio.run(create_database(base, template=template))


def drop_database_sync(base: str, url: str) -> None:
    asyncio.run(drop_database(base, url))


def fetch_sync(url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    return asyncio.run(fetch(url, query, *params))
