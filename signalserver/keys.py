"""Typed application state (style.md G.7): every ``app[...]`` key the server uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import aiohttp
from aiohttp import web

from heedful.signalserver.checking import Checker
from heedful.signalserver.config import ServerConfig
from heedful.signalserver.db import Database
from heedful.signalserver.enforcement import Enforcer, KeyDirectories
from heedful.signalserver.licensing import LicenceServer
from heedful.signalserver.live import PolicyState
from heedful.signalserver.ratelimit import RateLimiter
from heedful.signalserver.security import HashedSecret, Signer
from heedful.signalserver.violations import Recorder


@dataclass(slots=True)
class Startup:
    """What the start produced that the launcher must show once (then forget)."""

    new_admin_token: str | None = None
    policy_number: int | None = None
    policy_appended: bool = False


@dataclass(slots=True)
class AdminSecret:
    """The stored hash of the admin token."""

    hashed: HashedSecret


CONFIG: Final = web.AppKey("config", ServerConfig)
DATABASE: Final = web.AppKey("database", Database)
STATE: Final = web.AppKey("state", PolicyState)
LIMITER: Final = web.AppKey("limiter", RateLimiter)
SIGNER: Final = web.AppKey("signer", Signer)
ADMIN: Final = web.AppKey("admin", AdminSecret)
STARTUP: Final = web.AppKey("startup", Startup)
UPSTREAM: Final = web.AppKey("upstream", aiohttp.ClientSession)
CHECKER: Final = web.AppKey("checker", Checker)
ENFORCER: Final = web.AppKey("enforcer", Enforcer)
RECORDER: Final = web.AppKey("recorder", Recorder)
DIRECTORIES: Final = web.AppKey("directories", KeyDirectories)
"""Web Bot Auth key directories, shared by the enforcer and the licence server."""
LICENSING: Final = web.AppKey("licensing", LicenceServer)
OPENAPI: Final = web.AppKey("openapi", bytes)
"""The OpenAPI document, serialised once when the app is made."""
