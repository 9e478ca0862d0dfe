"""Secrets: the admin token, removal receipts, browser sessions and CSRF tokens.

The admin token is generated on first start, printed once and stored only as a salted scrypt
hash; it is checked in constant time (``hmac.compare_digest``). A receipt is 256 random bits,
so a plain SHA-256 of it is enough to look it up without storing it. Browser sessions and CSRF
tokens are signed with a key made at process start and never stored: a restart signs everyone
out, which costs an admin one login and leaves nothing secret in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Final

TOKEN_BYTES: Final = 32
SCRYPT_N: Final = 2**14
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
SCHEME: Final = f"scrypt:n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}"
SESSION_SECONDS: Final = 8 * 3600
CSRF_SECONDS: Final = 2 * 3600


def new_token() -> str:
    """A fresh URL-safe secret (admin token, receipt)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_id() -> str:
    """A public, unguessable identifier for a removal request."""
    return secrets.token_hex(12)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, kw_only=True, slots=True)
class HashedSecret:
    scheme: str
    salt: str
    digest: str


def hash_secret(secret: str) -> HashedSecret:
    """A salted scrypt hash of ``secret``."""
    salt = secrets.token_bytes(16)
    return HashedSecret(scheme=SCHEME, salt=salt.hex(), digest=_scrypt(secret, salt).hex())


def verify_secret(secret: str, stored: HashedSecret) -> bool:
    """Whether ``secret`` hashes to ``stored``; the comparison takes constant time."""
    if stored.scheme != SCHEME:
        return False
    candidate = _scrypt(secret, bytes.fromhex(stored.salt))
    return hmac.compare_digest(candidate, bytes.fromhex(stored.digest))


def _scrypt(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        secret.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )


class Signer:
    """HMAC-signed, expiring tokens for one purpose each (``session``, ``csrf``)."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def _mac(self, purpose: str, payload: str) -> str:
        message = f"{purpose}|{payload}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def sign(self, purpose: str, *, seconds: int, now: float | None = None) -> str:
        expires = int((time.time() if now is None else now) + seconds)
        payload = f"{expires}.{secrets.token_hex(8)}"
        return f"{payload}.{self._mac(purpose, payload)}"

    def valid(self, purpose: str, token: str, *, now: float | None = None) -> bool:
        expires, _, rest = token.partition(".")
        nonce, _, mac = rest.partition(".")
        if not expires.isdigit() or not nonce or not mac:
            return False
        expected = self._mac(purpose, f"{expires}.{nonce}")
        fresh = int(expires) >= (time.time() if now is None else now)
        return hmac.compare_digest(expected, mac) and fresh
