"""``heedful licence-client add|list|revoke``: register the licensees of ``heedful serve``'s
licence server (RSL Open License Protocol clients; docs/server.md, Licence server).

``add`` prints the ``client_id`` and ``client_secret`` once; only the secret's salted scrypt hash
is stored. Exit status 2 for a bad option or database.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import click

from heedful.cli.common import Failure

DB_HELP = "The database heedful serve uses: sqlite:///path/file.db or postgresql://user@host/db."


def _database(url: str) -> str:
    from heedful.cli.database import prepare_database
    from heedful.signalserver.config import ConfigError, async_database_url

    try:
        async_url = async_database_url(url)
    except ConfigError as exc:
        raise Failure(str(exc)) from None
    prepare_database(async_url, create=True)
    return async_url


async def _with_db(url: str, work: Any) -> Any:
    from heedful.signalserver.db import Database, make_engine, migrate

    engine = make_engine(url)
    try:
        await migrate(engine)
        return await work(Database(engine))
    finally:
        await engine.dispose()


@click.group("licence-client")
def licence_client() -> None:
    """Register, list and revoke the clients allowed to obtain licence tokens."""


@licence_client.command("add")
@click.argument("name")
@click.option("--db", "database", required=True, help=DB_HELP)
@click.option(
    "--key",
    "key_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The client's Web Bot Auth key (JWK or PEM): its tokens are bound to it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def add(name: str, database: str, key_file: Path | None, as_json: bool) -> None:
    """Register NAME; print its client_id and client_secret (shown once, stored hashed)."""
    from heedful.signalserver.licence_clients import KeyFormatError, register

    url = _database(database)
    try:
        key_text = key_file.read_text(encoding="utf-8") if key_file else None
    except (OSError, UnicodeDecodeError) as exc:
        raise Failure(f"cannot read {key_file}: {exc}") from None
    try:
        made = asyncio.run(_with_db(url, lambda db: register(db, name, key_text)))
    except (KeyFormatError, ValueError) as exc:
        raise Failure(str(exc)) from None
    out = {
        "client_id": made.row.client_id,
        "client_secret": made.client_secret,
        "name": made.row.name,
        "key_thumbprint": made.row.key_thumbprint or None,
    }
    if as_json:
        click.echo(json.dumps(out))
        return
    click.echo(f"client_id: {out['client_id']}")
    click.echo(f"client_secret: {out['client_secret']}  (shown once; only its hash is stored)")
    if out["key_thumbprint"]:
        click.echo(f"bound to Web Bot Auth key: {out['key_thumbprint']}")


@licence_client.command("list")
@click.option("--db", "database", required=True, help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def list_clients(database: str, as_json: bool) -> None:
    """The registered clients (never their secrets)."""
    from heedful.signalserver import licence_store
    from heedful.signalserver.licence_clients import client_view

    rows = asyncio.run(_with_db(_database(database), licence_store.clients))
    views = [client_view(row) for row in rows]
    if as_json:
        click.echo(json.dumps(views))
        return
    for view in views:
        state = f"revoked {view['revoked_at']}" if view["revoked_at"] else "active"
        key = f" key {view['key_thumbprint']}" if view["key_thumbprint"] else ""
        click.echo(f"{view['client_id']}  {view['name']}  {state}{key}")


@licence_client.command("revoke")
@click.argument("client_id")
@click.option("--db", "database", required=True, help=DB_HELP)
def revoke(client_id: str, database: str) -> None:
    """Revoke CLIENT_ID: its tokens stop working and it gets no new ones."""
    from heedful.signalserver import licence_store
    from heedful.signalserver.errors import NotFound

    try:
        asyncio.run(
            _with_db(_database(database), lambda db: licence_store.revoke_client(db, client_id))
        )
    except NotFound as exc:
        raise Failure(exc.message) from None
    click.echo(f"revoked {client_id}")
