"""The service helpers find PostgreSQL and Redis at their default local addresses.

A real listening socket on 127.0.0.1 stands in for the service's port: the helpers only decide
whether a connection opens, so a port that answers is all they can tell apart.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.helpers import services


@pytest.fixture
def listening() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def unset(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for variable in (services.DATABASE_VAR, services.REDIS_VAR, services.REQUIRE_VAR):
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_defaults_are_the_documented_local_addresses() -> None:
    assert services.DEFAULT_DATABASE_URL == "postgresql://postgres@127.0.0.1:5432/test"
    assert services.DEFAULT_REDIS_URL == "redis://127.0.0.1:6379/0"


def test_unset_variables_use_the_default_address_when_it_answers(
    unset: pytest.MonkeyPatch, listening: int
) -> None:
    database = f"postgresql://postgres@127.0.0.1:{listening}/test"
    redis = f"redis://127.0.0.1:{listening}/0"
    unset.setattr(services, "DEFAULT_DATABASE_URL", database)
    unset.setattr(services, "DEFAULT_REDIS_URL", redis)
    assert services.database_url() == database
    assert services.redis_url() == redis


def test_the_variable_overrides_the_default(unset: pytest.MonkeyPatch, listening: int) -> None:
    url = f"postgresql://postgres@127.0.0.1:{listening}/mine"
    unset.setattr(services, "DEFAULT_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/test")
    unset.setenv(services.DATABASE_VAR, url)
    assert services.database_url() == url


def test_a_silent_default_skips_and_names_the_address(
    unset: pytest.MonkeyPatch, closed_port: int
) -> None:
    url = f"redis://127.0.0.1:{closed_port}/0"
    unset.setattr(services, "DEFAULT_REDIS_URL", url)
    with pytest.raises(pytest.skip.Exception, match=f"127.0.0.1:{closed_port}"):
        services.redis_url()


def test_a_silent_service_fails_when_services_are_required(
    unset: pytest.MonkeyPatch, closed_port: int
) -> None:
    unset.setattr(services, "DEFAULT_DATABASE_URL", f"postgresql://127.0.0.1:{closed_port}/test")
    unset.setenv(services.REQUIRE_VAR, "1")
    with pytest.raises(pytest.fail.Exception, match="HEEDFUL_REQUIRE_SERVICES=1"):
        services.database_url()
