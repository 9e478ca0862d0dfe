"""What one signal server is started with: plain values, read once, built into nothing.

``heedful serve`` (or a test) builds a :class:`ServerConfig`; :func:`heedful.signalserver.app.create_app`
turns it into an application. Nothing here opens a file, a socket or a database (style.md D:
nothing is built at import time).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from heedful.policies.identity.proxies import trusted_networks

DEFAULT_DB_SUFFIX: Final = ".heedful.db"
"""The SQLite file used when no ``--db`` is given is ``<policy stem>.heedful.db`` beside the policy
file (see docs/server.md): each policy has its own history and admin token, even when several
policies share a folder."""
LEGACY_DB_NAME: Final = "heedful.db"
"""The one default file every policy of a folder shared before; still read when asked by --db."""

MAX_BODY_BYTES: Final = 64 * 1024
"""Largest request body any route accepts (a policy file is far smaller)."""
MAX_POLICY_BYTES: Final = 60 * 1024
RATE_PER_MINUTE: Final = 30.0
"""Writes (removal requests, logins, admin changes) one client may make per minute, sustained."""
RATE_BURST: Final = 20
"""...and in a burst, before the bucket runs dry."""
TOKEN_SECONDS: Final = 3600
"""Lifetime of a licence token (``expires_in``)."""
TOKEN_LEEWAY: Final = 60
"""Clock skew tolerated when a licence token's times are checked, in seconds."""
TOKEN_RATE_PER_MINUTE: Final = 60.0
"""Token and introspection requests one client address may make per minute, sustained."""
TOKEN_BURST: Final = 30

_DRIVERS: Final = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


class ConfigError(ValueError):
    """A setting that cannot work; the CLI reports it on one line."""


def async_database_url(url: str) -> str:
    """Map the plain URL a user writes to the async driver SQLAlchemy needs.

    ``sqlite:///path.db`` -> ``sqlite+aiosqlite:///path.db`` and ``postgresql://u@h/db`` ->
    ``postgresql+asyncpg://u@h/db``; a URL that already names one of those drivers is kept.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in _DRIVERS:
        raise ConfigError(
            f"unsupported database URL {url!r}: use sqlite:///path/to/file.db or "
            "postgresql://user:password@host/database"
        )
    return f"{_DRIVERS[scheme.lower()]}://{rest}"


def default_database_path(policy_path: Path) -> Path:
    """``news.toml`` -> ``news.heedful.db`` in the policy's folder."""
    policy = policy_path.resolve()
    return policy.with_name(policy.stem + DEFAULT_DB_SUFFIX)


def default_database_url(policy_path: Path) -> str:
    """The async URL of :func:`default_database_path`."""
    return f"sqlite+aiosqlite:///{default_database_path(policy_path)}"


def check_base_url(url: str) -> str:
    """A public base URL: absolute http(s), no path, query or fragment; no trailing slash."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ConfigError(f"--base-url must look like https://site.example, not {url!r}")
    if parts.query or parts.fragment:
        raise ConfigError(f"--base-url must not carry a query or fragment: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True, kw_only=True, slots=True)
class ServerConfig:
    """Everything a signal server needs to start."""

    database_url: str
    """An async SQLAlchemy URL (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``)."""
    policy_text: str | None = None
    """The policy to publish at start; appended to the history when it differs from the live one."""
    policy_filename: str = "policy.toml"
    base_url: str | None = None
    """Public origin used in absolute URLs (``License:``, ``Link``); ``None`` = the request's."""
    static_dir: Path | None = None
    upstream: str | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    rate_per_minute: float = RATE_PER_MINUTE
    rate_burst: int = RATE_BURST
    access_log: bool = True
    """One JSON line per request on stderr."""
    enforcement: bool = True
    """Identify crawlers and apply the policy's ``[enforcement]`` table (docs/enforcement.md)."""
    violation_ip: str = "truncated"
    """How violations keep the client address: ``full``, ``truncated`` or ``hashed``."""
    ranges_dir: Path | None = None
    """Published IP range snapshots to use instead of the shipped ones (``*.json``)."""
    key_directory_ca: Path | None = None
    """A CA bundle to trust for Web Bot Auth key directories instead of the system's."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks of the site's own reverse proxies: only a connection from one of
    them has its ``X-Forwarded-For`` believed (policies.identity.proxies)."""
    token_seconds: int = TOKEN_SECONDS
    """How long a licence token is valid (docs/server.md, Licence server)."""
    token_leeway: int = TOKEN_LEEWAY
    token_rate_per_minute: float = TOKEN_RATE_PER_MINUTE
    token_burst: int = TOKEN_BURST
    migrate: bool = True
    """Bring the database schema up to date at start; off in worker processes, whose parent
    migrated once before starting them (:func:`heedful.signalserver.app.prepare`)."""
    session_key: bytes | None = None
    """The key that signs admin sessions and CSRF tokens; ``None`` = a new one per process.
    Worker processes share one, so a login made through one is valid at every other."""
    sync_seconds: float | None = None
    """Re-read the live policy and the removals from the database this often (worker processes:
    a change made through one is served by all); ``None`` = never."""

    def __post_init__(self) -> None:
        if self.static_dir is not None and self.upstream is not None:
            raise ConfigError("--static and --upstream cannot be used together")
        if self.upstream is not None:
            parts = urlsplit(self.upstream)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigError(f"--upstream must be an http(s) URL, not {self.upstream!r}")
        try:
            trusted_networks(self.trusted_proxies)
        except ValueError as exc:
            raise ConfigError(f"--trusted-proxy: {exc}") from None
        if self.violation_ip not in ("full", "truncated", "hashed"):
            raise ConfigError("--violation-ip must be full, truncated or hashed")
        if self.rate_per_minute <= 0 or self.rate_burst < 1:
            raise ConfigError("the rate limit must be positive")
        if self.token_seconds < 1 or self.token_leeway < 0:
            raise ConfigError("--token-seconds must be positive and the leeway not negative")
        if self.token_rate_per_minute <= 0 or self.token_burst < 1:
            raise ConfigError("the token rate limit must be positive")
