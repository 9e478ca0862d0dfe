"""The application factory (style.md D): config in, ``web.Application`` out, nothing at import.

Resources live in one cleanup context: the database (migrated at start), the admin credential
(generated on first start), the live policy, and the upstream client session.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import sys
from collections.abc import AsyncIterator
from typing import Any, Final, TextIO

import aiohttp
from aiohttp import web
from aiohttp.web_log import AccessLogger

from heedful.policies.errors import PolicyFormatError
from heedful.policies.identity import IpRanges, RangeFileError
from heedful.policies.identity.proxies import trusted_networks
from heedful.policies.identity.ranges import parse_snapshot
from heedful.signalserver import store
from heedful.signalserver.access_log import (
    ACCESS_LOG,
    AccessLog,
    access_logger_class,
    flush_on_cleanup,
)
from heedful.signalserver.checking import Checker
from heedful.signalserver.config import ServerConfig
from heedful.signalserver.db import Database, make_engine, migrate
from heedful.signalserver.enforcement import Enforcer, KeyDirectories
from heedful.signalserver.keys import (
    ADMIN,
    CHECKER,
    CONFIG,
    DATABASE,
    DIRECTORIES,
    ENFORCER,
    LICENSING,
    LIMITER,
    OPENAPI,
    RECORDER,
    SIGNER,
    STARTUP,
    STATE,
    UPSTREAM,
    AdminSecret,
    Startup,
)
from heedful.signalserver.licensing import LicenceServer, signing_key
from heedful.signalserver.live import PolicyState
from heedful.signalserver.middlewares import error_middleware
from heedful.signalserver.models import PolicyVersion
from heedful.signalserver.openapi import openapi_document
from heedful.signalserver.publishing import refresh_removals, to_live, validate
from heedful.signalserver.ratelimit import RateLimiter
from heedful.signalserver.routes import admin, api, files, licensing, pages, removals
from heedful.signalserver.routes.content import content
from heedful.signalserver.security import HashedSecret, Signer, hash_secret, new_token, sha256_hex
from heedful.signalserver.violations import IP_MODES, IpMode, Recorder

DIRECTORY_TIMEOUT: Final = aiohttp.ClientTimeout(total=5, connect=3)
DIRECTORY_USER_AGENT: Final = "Heedful key-directory fetcher (+https://github.com/heedful)"
UPSTREAM_TIMEOUT: Final = aiohttp.ClientTimeout(total=60, connect=10)
CATCH_ALL: Final = r"/{tail:[\s\S]*}"
SHUTDOWN_SECONDS: Final = 5.0
MAX_LINE_BYTES: Final = 64 * 1024
"""Request-line limit: a check URL of 4096 characters, percent-encoded, fits."""


log = logging.getLogger(__name__)


class NoPolicy(RuntimeError):
    """The database holds no policy and none was given."""


class StartupError(RuntimeError):
    """The server cannot start; the message says why on one line (the CLI exits 2)."""


def startup_problem(exc: Exception) -> str | None:
    """The one-line reason a start failed with ``exc``, or ``None`` for a bug."""
    if isinstance(exc, NoPolicy | StartupError):
        return str(exc)
    if isinstance(exc, PolicyFormatError):
        return f"the stored policy cannot be loaded: {exc}"
    if isinstance(exc, RangeFileError):
        return f"cannot read the IP ranges: {exc}"
    if isinstance(exc, OSError):
        return f"cannot open the database: {exc}"
    return None


def create_app(config: ServerConfig, *, log_stream: TextIO | None = None) -> web.Application:
    """The signal server for ``config``; resources are made when it starts.

    Access lines go to ``log_stream`` (stderr when ``None``) unless ``config.access_log`` is off.
    """
    app = web.Application(client_max_size=config.max_body_bytes, middlewares=[error_middleware])
    app[CONFIG] = config
    app[STATE] = state = PolicyState(base_url=config.base_url)
    app[STARTUP] = Startup()
    app[LIMITER] = RateLimiter(per_minute=config.rate_per_minute, burst=config.rate_burst)
    app[OPENAPI] = json.dumps(openapi_document()).encode()
    if config.access_log:
        app[ACCESS_LOG] = AccessLog(sys.stderr if log_stream is None else log_stream)
        app.on_cleanup.append(flush_on_cleanup)
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(upstream_ctx)
    app.cleanup_ctx.append(enforcement_ctx)
    app.cleanup_ctx.append(licensing_ctx)
    app.cleanup_ctx.append(sync_ctx)
    app.add_routes(files.routes(state))
    for module in (api, removals, admin, pages, licensing):
        app.add_routes(module.routes)
    # Every path reaches a handler of ours, so what is not published is the site's content
    # (or its 404); [\s\S] because a decoded path may hold a newline (%0A).
    app.router.add_route("*", CATCH_ALL, content)
    return app


def make_runner(app: web.Application, **kwargs: Any) -> web.AppRunner:
    """The runner ``heedful serve`` uses: the JSON access log, a bounded request line.

    ``kwargs`` go to :class:`aiohttp.web.AppRunner` (``handle_signals`` for instance).
    """
    log = app.get(ACCESS_LOG)
    return web.AppRunner(
        app,
        access_log_class=access_logger_class(log) if log is not None else AccessLogger,
        access_log=logging.getLogger("heedful.access") if log is not None else None,
        shutdown_timeout=SHUTDOWN_SECONDS,
        max_line_size=MAX_LINE_BYTES,
        **kwargs,
    )


async def prepare(config: ServerConfig) -> Startup:
    """What happens once per start before any process serves: migrations, the admin token on
    first start, the policy given at start appended when it is new, the address-hashing key,
    the licence server's signing key.

    ``heedful serve --workers N`` runs this in the parent, then starts its workers with
    ``migrate=False`` and no policy text, so they only read what it made.
    """
    startup = Startup()
    engine = make_engine(config.database_url)
    try:
        await migrate(engine)
        db = Database(engine)
        await _admin_secret(startup, db)
        await _initial_policy(config, startup, db)
        await store.ip_key(db)
        await signing_key(db)
    finally:
        await engine.dispose()
    return startup


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    engine = make_engine(config.database_url)
    db = Database(engine)
    try:
        if config.migrate:
            await migrate(engine)
        app[DATABASE] = db
        app[ADMIN] = AdminSecret(await _admin_secret(app[STARTUP], db))
        state = app[STATE]
        state.replace(to_live(await _initial_policy(config, app[STARTUP], db)))
        app[CHECKER] = Checker(
            state, static_dir=config.static_dir, upstream=config.upstream is not None
        )
        app[SIGNER] = Signer(config.session_key)
        await refresh_removals(app)
        yield
    finally:
        await db.dispose()


async def sync_ctx(app: web.Application) -> AsyncIterator[None]:
    """Follow the database: a policy or removal approved through another process is served.

    Only with ``config.sync_seconds`` (several worker processes share one database, each with
    its own rendered files); a single process changes its own state as it writes.
    """
    seconds = app[CONFIG].sync_seconds
    if seconds is None:
        yield
        return
    follower = asyncio.create_task(_follow(app, seconds))
    try:
        yield
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower


async def _follow(app: web.Application, seconds: float) -> None:
    db, state = app[DATABASE], app[STATE]
    while True:
        await asyncio.sleep(seconds)
        try:
            latest = await store.latest_policy(db)
            if latest is not None and latest.number != state.live.number:
                state.replace(to_live(latest))
            if tuple(await store.approved_removals(db)) != state.removals:
                await refresh_removals(app)
        except Exception:  # the next round tries again; serving goes on meanwhile
            log.exception("cannot read the policy and removals from the database")


async def upstream_ctx(app: web.Application) -> AsyncIterator[None]:
    if app[CONFIG].upstream is None:
        yield
        return
    session = aiohttp.ClientSession(
        timeout=UPSTREAM_TIMEOUT, auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar()
    )
    app[UPSTREAM] = session
    yield
    await session.close()


def _ranges(config: ServerConfig) -> IpRanges:
    if config.ranges_dir is None:
        return IpRanges.bundled()
    files = sorted(config.ranges_dir.glob("*.json"))
    return IpRanges.prepare([parse_snapshot(p.stem, p.read_text(encoding="utf-8")) for p in files])


async def enforcement_ctx(app: web.Application) -> AsyncIterator[None]:
    """The violation recorder (always: the admin pages read it) and, when on, the enforcer."""
    config = app[CONFIG]
    db = app[DATABASE]
    ip_mode: IpMode = "full"
    for mode in IP_MODES:
        if mode == config.violation_ip:
            ip_mode = mode
    recorder = Recorder(db, ip_mode=ip_mode, ip_key=await store.ip_key(db))
    app[RECORDER] = recorder
    tls = (
        ssl.create_default_context(cafile=str(config.key_directory_ca))
        if config.key_directory_ca is not None
        else True
    )
    # Key directories serve the enforcer and the licence server (token binding) alike.
    session = aiohttp.ClientSession(
        timeout=DIRECTORY_TIMEOUT,
        connector=aiohttp.TCPConnector(ssl=tls),
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={"User-Agent": DIRECTORY_USER_AGENT},
    )
    directories = app[DIRECTORIES] = KeyDirectories(session)
    if config.enforcement:
        app[ENFORCER] = Enforcer(
            state=app[STATE],
            ranges=await asyncio.to_thread(_ranges, config),
            recorder=recorder,
            directories=directories,
            trusted_proxies=trusted_networks(config.trusted_proxies),
        )
    writer = asyncio.create_task(recorder.run())
    try:
        yield
    finally:
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        await recorder.flush()  # nothing answered for is lost at a clean stop
        await session.close()


async def licensing_ctx(app: web.Application) -> AsyncIterator[None]:
    """The licence server: its signing key (made and stored on first start), the token limiter."""
    config = app[CONFIG]
    app[LICENSING] = await LicenceServer.open(
        app[DATABASE],
        directories=app[DIRECTORIES],
        token_seconds=config.token_seconds,
        leeway=config.token_leeway,
        limiter=RateLimiter(per_minute=config.token_rate_per_minute, burst=config.token_burst),
    )
    yield


async def _admin_secret(startup: Startup, db: Database) -> HashedSecret:
    """The stored hash; on first start a new token is made, hashed, and handed out once."""
    existing = await store.credential(db, store.ADMIN_TOKEN)
    if existing is not None:
        return existing
    token = new_token()
    hashed = await asyncio.to_thread(hash_secret, token)
    if await store.set_credential_once(db, store.ADMIN_TOKEN, hashed):
        startup.new_admin_token = token
        return hashed
    stored = await store.credential(db, store.ADMIN_TOKEN)  # another process won the race
    assert stored is not None
    return stored


async def _initial_policy(config: ServerConfig, startup: Startup, db: Database) -> PolicyVersion:
    """The policy given at start becomes live unless it already is; else the stored one."""
    latest = await store.latest_policy(db)
    text = config.policy_text
    if text is not None and (latest is None or latest.sha256 != sha256_hex(text)):
        validate(text, filename=config.policy_filename)
        latest = await store.add_policy(db, text, origin=f"file {config.policy_filename}")
        startup.policy_appended = True
    if latest is None:
        raise NoPolicy("no policy is stored yet: start with --policy FILE")
    startup.policy_number = latest.number
    return latest
