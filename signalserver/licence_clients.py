"""Registering licensees (OLP client registration happens out of band, by the site's admin).

A client gets a random ``client_id`` and ``client_secret``; the secret is shown once and stored
only as its salted scrypt hash (signalserver/security.py). An optional Web Bot Auth public key
(a JWK, or a PEM public or private key of which only the public half is kept) binds every token
the client obtains to that key (RFC 7800 ``cnf.jkt``), whether or not its token requests are signed.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from heedful.policies.identity import jwk_thumbprint
from heedful.signalserver import licence_store
from heedful.signalserver.db import Database
from heedful.signalserver.models import LicenceClient
from heedful.signalserver.security import hash_secret, new_token
from heedful.signalserver.store import iso


class KeyFormatError(ValueError):
    """A client key that is not an Ed25519 public JWK or PEM key; the message says why."""


@dataclass(frozen=True, slots=True)
class NewClient:
    """A registration as shown once: the only time the secret exists outside the client."""

    row: LicenceClient
    client_secret: str


def public_jwk(text: str) -> dict[str, str]:
    """The Ed25519 public JWK (``kty``, ``crv``, ``x``) of a JWK or PEM key text."""
    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            raise KeyFormatError("the key is neither JSON (a JWK) nor PEM") from None
        if not isinstance(data, dict) or data.get("kty") != "OKP" or data.get("crv") != "Ed25519":
            raise KeyFormatError('the JWK must be an Ed25519 key ("kty": "OKP", "crv": "Ed25519")')
        x = data.get("x")
        if not isinstance(x, str):
            raise KeyFormatError('the JWK has no "x"')
        return {"kty": "OKP", "crv": "Ed25519", "x": x}
    raw = text.encode()
    key: object
    try:
        key = serialization.load_pem_public_key(raw)
    except ValueError:
        try:
            key = serialization.load_pem_private_key(raw, password=None).public_key()
        except (ValueError, TypeError):
            raise KeyFormatError("the key is neither a JWK nor a PEM Ed25519 key") from None
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFormatError("only Ed25519 keys are used by Web Bot Auth here")
    x = base64.urlsafe_b64encode(
        key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return {"kty": "OKP", "crv": "Ed25519", "x": x.rstrip(b"=").decode()}


async def register(db: Database, name: str, key_text: str | None = None) -> NewClient:
    """Store a new client (committed before this returns); its secret, shown once."""
    name = name.strip()
    if not name or len(name) > 200 or not name.isprintable():
        raise ValueError("a client name is 1 to 200 printable characters")
    jwk = public_jwk(key_text) if key_text else None
    secret = new_token()
    hashed = await asyncio.to_thread(hash_secret, secret)
    row = await licence_store.add_client(
        db,
        client_id="lc_" + secrets.token_hex(12),
        name=name,
        hashed=hashed,
        key_thumbprint=jwk_thumbprint(jwk) if jwk else "",
        key_jwk=json.dumps(jwk) if jwk else "",
    )
    return NewClient(row, secret)


def client_view(row: LicenceClient) -> dict[str, object]:
    """A client as listed (never its secret or hash)."""

    return {
        "client_id": row.client_id,
        "name": row.name,
        "key_thumbprint": row.key_thumbprint or None,
        "created_at": iso(row.created_at),
        "revoked_at": iso(row.revoked_at) if row.revoked_at is not None else None,
    }
