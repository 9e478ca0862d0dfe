"""External services for tests (PostgreSQL, Redis): one place decides to skip or to fail.

A test that needs a service calls :func:`database_url` or :func:`redis_url`. The variable names
the service; when it is unset, the default local address is tried, so a developer who runs
PostgreSQL and Redis as installed runs their tests with a plain ``make test``. When the service does
not answer, the test skips and says why, unless ``HEEDFUL_REQUIRE_SERVICES=1`` (CI), where it fails
instead: a green CI run must have run them.
"""

from __future__ import annotations

import os
import socket
from typing import Final, NoReturn
from urllib.parse import urlsplit

import pytest

DATABASE_VAR: Final = "HEEDFUL_TEST_DATABASE_URL"
REDIS_VAR: Final = "HEEDFUL_TEST_REDIS_URL"
REQUIRE_VAR: Final = "HEEDFUL_REQUIRE_SERVICES"
CONNECT_SECONDS: Final = 2.0
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def services_required() -> bool:
    return os.environ.get(REQUIRE_VAR, "") == "1"


def _unavailable(reason: str) -> NoReturn:
    if services_required():
        pytest.fail(f"{reason} ({REQUIRE_VAR}=1, so this fails instead of skipping)")
    pytest.skip(reason)


def _reachable(url: str, default_port: int) -> str | None:
    """``None`` when a TCP connection to the URL's host and port opens, else why not."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    try:
        port = parts.port or default_port
    except ValueError:
        return f"bad port in {url!r}"
    try:
        with socket.create_connection((host, port), timeout=CONNECT_SECONDS):
            return None
    except OSError as exc:
        return f"{host}:{port} is unreachable: {exc}"


def _service_url(variable: str, default_url: str, what: str, default_port: int) -> str:
    url = os.environ.get(variable, "").strip()
    where = f"{variable}={url}" if url else f"{default_url} ({variable} is not set)"
    url = url or default_url
    problem = _reachable(url, default_port)
    if problem is not None:
        _unavailable(f"{what} at {where} is not available: {problem}")
    return url


def database_url() -> str:
    """The PostgreSQL URL to test against (plain ``postgresql://`` form), or skip/fail."""
    return _service_url(DATABASE_VAR, DEFAULT_DATABASE_URL, "PostgreSQL", 5432)


def redis_url() -> str:
    """The Redis URL to test against, or skip/fail."""
    return _service_url(REDIS_VAR, DEFAULT_REDIS_URL, "Redis", 6379)
