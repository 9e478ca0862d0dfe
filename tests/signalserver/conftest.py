"""Signal-server fixtures: a real app on 127.0.0.1 over a real database file.

``served`` runs the app with pytest-aiohttp's ``aiohttp_client`` (a real socket on loopback);
``backend`` parametrises storage tests over SQLite (always) and PostgreSQL (at
``HEEDFUL_TEST_DATABASE_URL`` or the default local address, see ``tests.helpers.services``; a
fresh database per test, dropped afterwards).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from heedful.signalserver.app import create_app
from heedful.signalserver.config import ServerConfig, async_database_url
from heedful.signalserver.keys import STARTUP
from tests.helpers.databases import create_database, drop_database
from tests.helpers.services import database_url as postgres_url

POLICY = """\
[site]
name = "Test News"
url = "https://news.example"
contact = "rights@news.example"

[defaults]
search = "allow"
ai-input = "allow"
ai-train = "deny"
tdm = "allow"

[[paths]]
path = "/open/"
ai-train = "allow"
tdm = "allow"
attribution = "Test News, CC BY 4.0"

[[paths]]
path = "/private/"
access = "deny"

[[agents]]
agent = "ResearchBot"
ai-train = "allow"

[[agents]]
agent = "Bytespider"
access = "deny"

[[media]]
name = "images"
types = ["image/*"]
extensions = ["jpg", "png"]
ai-train = "deny"
"""
"""A news site: search allowed, AI training reserved, an open section, per-agent overrides."""

OTHER_POLICY = POLICY.replace(
    'search = "allow"\nai-input = "allow"', 'search = "allow"\nai-input = "deny"'
)
BAD_POLICY = """\
[site]
name = ""
url = "not a url"
contact = "x@y.example"

[defaults]
search = "maybe"
ai-input = "allow"
ai-train = "deny"
tdm = "deny"
"""


@dataclass
class Served:
    """A running server: its client, app and admin token."""

    client: TestClient[web.Request, web.Application]
    app: web.Application
    token: str

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def url(self, path: str) -> str:
        return str(self.client.make_url(path))


async def _create_pg_database(base: str) -> tuple[str, Callable[[], Awaitable[None]]]:
    url = await create_database(base)

    async def drop() -> None:
        await drop_database(base, url)

    return url, drop


@pytest.fixture(params=["sqlite", "postgresql"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database URL (plain form) for each storage backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'heedful.db'}"
        return
    url, drop = await _create_pg_database(postgres_url())
    try:
        yield url
    finally:
        await drop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'heedful.db'}"


ServeFactory = Callable[..., Awaitable[Served]]


@pytest.fixture
def serve(aiohttp_client: Any, sqlite_url: str) -> ServeFactory:
    """Start a server: ``await serve(database=URL, policy=TEXT, **ServerConfig fields)``."""

    async def start(
        *, database: str | None = None, policy: str | None = POLICY, **fields: Any
    ) -> Served:
        config = ServerConfig(
            database_url=async_database_url(database or sqlite_url), policy_text=policy
        )
        config = replace(config, **fields)
        app = create_app(config)
        client = await aiohttp_client(app)
        token = app[STARTUP].new_admin_token or ""
        return Served(client, app, token)

    return start


@pytest.fixture
async def served(serve: ServeFactory) -> Served:
    """The test policy on SQLite."""
    return await serve()


@pytest.fixture
async def served_on(serve: ServeFactory, backend: str) -> Served:
    """The test policy on each storage backend."""
    return await serve(database=backend)


def assert_error(body: dict[str, Any], status: int) -> None:
    """The one error shape (style.md D, G.8)."""
    assert set(body) == {"ok", "status", "error", "errors"}, body
    assert body["ok"] is False
    assert body["status"] == status
    assert isinstance(body["error"], str)
    assert body["error"]
    assert isinstance(body["errors"], list)
    assert body["errors"]
    assert all(isinstance(e, dict) and isinstance(e.get("message"), str) for e in body["errors"])
