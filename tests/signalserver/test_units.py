"""Small pure pieces: database URLs, the token bucket, secrets, signed tokens, head injection."""

from __future__ import annotations

import pytest

from heedful.signalserver.config import ConfigError, async_database_url, check_base_url
from heedful.signalserver.content import inject_head, media_type_of
from heedful.signalserver.ratelimit import RateLimiter
from heedful.signalserver.security import Signer, hash_secret, new_token, verify_secret

URLS = [
    ("sqlite file", "sqlite:///data/h.db", "sqlite+aiosqlite:///data/h.db"),
    ("sqlite absolute", "sqlite:////var/h.db", "sqlite+aiosqlite:////var/h.db"),
    ("postgresql", "postgresql://u:p@db/h", "postgresql+asyncpg://u:p@db/h"),
    ("postgres alias", "postgres://u@db/h", "postgresql+asyncpg://u@db/h"),
    ("already async", "postgresql+asyncpg://u@db/h", "postgresql+asyncpg://u@db/h"),
]


@pytest.mark.parametrize(("plain", "driver"), [u[1:] for u in URLS], ids=[u[0] for u in URLS])
def test_database_urls_map_to_async_drivers(plain: str, driver: str) -> None:
    assert async_database_url(plain) == driver


@pytest.mark.parametrize("bad", ["mysql://x/y", "h.db", "", "sqlite+pysqlite:///x.db"])
def test_unsupported_database_urls(bad: str) -> None:
    with pytest.raises(ConfigError):
        async_database_url(bad)


def test_base_url() -> None:
    assert check_base_url("https://Site.example/") == "https://Site.example"
    for bad in ("site.example", "https://s.example/path", "https://s.example/?q"):
        with pytest.raises(ConfigError):
            check_base_url(bad)


def test_token_bucket_burst_then_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(2)] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(1.0)
    assert limiter.take("b") == 0.0  # per client
    now[0] = 1.0
    assert limiter.take("a") == 0.0
    now[0] = 100.0
    assert [limiter.take("a") for _ in range(2)] == [0.0, 0.0]  # never above the burst
    assert limiter.take("a") > 0


def test_secret_hash_verifies_only_the_secret() -> None:
    token = new_token()
    stored = hash_secret(token)
    assert token not in stored.digest
    assert verify_secret(token, stored)
    assert not verify_secret(token + "x", stored)
    assert hash_secret(token).salt != stored.salt


def test_signed_tokens_expire_and_are_bound_to_purpose() -> None:
    signer = Signer(b"k" * 32)
    token = signer.sign("csrf", seconds=60, now=1000)
    assert signer.valid("csrf", token, now=1030)
    assert not signer.valid("csrf", token, now=1061)
    assert not signer.valid("session", token, now=1030)
    assert not Signer(b"j" * 32).valid("csrf", token, now=1030)
    assert not signer.valid("csrf", token[:-1] + ("0" if token[-1] != "0" else "1"), now=1030)
    for junk in ("", "x", "1.2", "a.b.c"):
        assert not signer.valid("csrf", junk)


def test_head_injection() -> None:
    assert inject_head(b"<html><head><title>", "<meta x>") == b"<html><head>\n<meta x><title>"
    assert inject_head(b"<HEAD data-x='1'>", "<m>") == b"<HEAD data-x='1'>\n<m>"
    assert inject_head(b"<header>no head</header>", "<m>") == b"<header>no head</header>"
    assert inject_head(b"<html>", "") == b"<html>"


def test_media_types() -> None:
    assert media_type_of("/a/b.jpg") == "image/jpeg"
    assert media_type_of("/a/") is None
