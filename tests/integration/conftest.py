"""Fixtures that serve the demo sites on 127.0.0.1 and a hardened client session."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from heedful.client.fetch import make_session
from heedful.demo.sites import ServedSites, serve_sites
from tests.helpers.servers import USER_AGENT


@pytest.fixture
async def sites() -> AsyncIterator[ServedSites]:
    """Every demo site, each on its own free port, for one test."""
    async with serve_sites() as served:
        yield served


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A session built the way Heedful builds its own."""
    async with make_session(user_agent=USER_AGENT) as client:
        yield client
