"""Sign a crawler's requests for Web Bot Auth, and publish the key directory (sans-IO, no clock).

The signing side of :mod:`heedful.policies.identity.webbotauth`: a request carries ``Signature-Agent``
(where the keys are), ``Signature-Input`` and ``Signature`` (RFC 9421), tagged
``web-bot-auth``, with ``created``/``expires`` and ``keyid`` = the key's JWK SHA-256
thumbprint (RFC 7638), covering ``@authority`` and the ``Signature-Agent`` member
(draft-ietf-webbotauth-httpsig-protocol-01). The signature base is built by the
``http-message-signatures`` library; keys are ``cryptography``'s Ed25519 keys. The caller passes
the time, so the same function serves a crawl and a test.

The key directory is the JWKS a site fetches at
``/.well-known/http-message-signatures-directory`` of the ``Signature-Agent`` origin.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import HTTPMessageSigner, HTTPSignatureKeyResolver, algorithms

from heedful.policies.identity.webbotauth import MAX_VALIDITY, TAG, jwk_thumbprint

LABEL: Final = "sig1"
DEFAULT_VALIDITY: Final = 300
"""Seconds a signature is valid for: long enough for a slow fetch, far under the protocol's 24 h."""


class SigningKeyError(ValueError):
    """A key file that is not an Ed25519 private key."""


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """The OKP JWK of an Ed25519 public key (RFC 8037 section 2)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    return {"kty": "OKP", "crv": "Ed25519", "x": x}


def key_id(key: Ed25519PublicKey) -> str:
    """The ``keyid`` a signature names: the key's JWK SHA-256 thumbprint (RFC 7638)."""
    return jwk_thumbprint(public_jwk(key))


def key_directory(keys: Iterable[Ed25519PublicKey]) -> bytes:
    """The JWKS to publish at ``/.well-known/http-message-signatures-directory``: public keys
    only, each with its ``kid`` (the thumbprint the signatures name)."""
    entries = [{**public_jwk(key), "kid": key_id(key)} for key in keys]
    return (json.dumps({"keys": entries}, indent=2) + "\n").encode("utf-8")


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM (PKCS#8, unencrypted)."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(
            f"a {type(key).__name__}, not an Ed25519 key: Web Bot Auth signs with Ed25519"
        )
    return key


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass(slots=True)
class _Request:
    """The message interface ``http-message-signatures`` signs: method, URL, headers."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


class _Resolver(HTTPSignatureKeyResolver):
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        return self._key

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey:
        return self._key.public_key()


@dataclass(frozen=True, slots=True)
class RequestSigner:
    """One crawler's signing key and where its directory is: prepared once, used per request."""

    key: Ed25519PrivateKey
    signature_agent: str
    """The ``https://`` origin whose ``/.well-known/http-message-signatures-directory`` holds
    the public key."""
    validity: int = DEFAULT_VALIDITY

    def __post_init__(self) -> None:
        if not self.signature_agent.startswith("https://"):
            raise SigningKeyError(
                f"Signature-Agent must be an https:// URL, got {self.signature_agent!r}"
            )
        if not 0 < self.validity <= MAX_VALIDITY:
            raise SigningKeyError(f"validity must be 1 to {MAX_VALIDITY} seconds")

    @property
    def key_id(self) -> str:
        return key_id(self.key.public_key())

    def headers(
        self, method: str, url: str, *, now: int, legacy: bool = False
    ) -> Mapping[str, str]:
        """``Signature-Agent``, ``Signature-Input`` and ``Signature`` for one request at ``now``.

        The dictionary form of ``Signature-Agent`` (``sig1="https://..."``) is the working
        group's; ``legacy`` sends the bare String that earlier drafts, and deployed verifiers
        such as Cloudflare's, read.
        """
        agent = f'"{self.signature_agent}"' if legacy else f'{LABEL}="{self.signature_agent}"'
        component = '"signature-agent"' if legacy else f'"signature-agent";key="{LABEL}"'
        message = _Request(method=method.upper(), url=url, headers={"Signature-Agent": agent})
        signer = HTTPMessageSigner(
            signature_algorithm=algorithms.ED25519, key_resolver=_Resolver(self.key)
        )
        signer.sign(
            message,
            key_id=self.key_id,
            created=datetime.fromtimestamp(now, UTC),
            expires=datetime.fromtimestamp(now + self.validity, UTC),
            label=LABEL,
            tag=TAG,
            covered_component_ids=("@authority", component),
        )
        return {
            "Signature-Agent": agent,
            "Signature-Input": message.headers["Signature-Input"],
            "Signature": message.headers["Signature"],
        }
