"""Signing a crawler's requests for Web Bot Auth: what the signer writes, the verifier accepts.

The verifier (policies.identity.webbotauth) is tested against RFC 9421's own vectors; these tests
check the signer against it, for both forms of ``Signature-Agent``.
"""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from heedful.policies.identity.signing import (
    RequestSigner,
    SigningKeyError,
    key_directory,
    key_id,
    load_private_key,
    private_pem,
)
from heedful.policies.identity.webbotauth import verify_web_bot_auth

NOW = 1_796_000_000
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
SIGNER = RequestSigner(key=KEY, signature_agent="https://bot.example")
DIRECTORY = key_directory([KEY.public_key()])


def _verify(url: str, headers: dict[str, str], *, now: int = NOW, directory: bytes = DIRECTORY):
    return verify_web_bot_auth(
        method="GET", url=url, headers=list(headers.items()), directory=directory, now=now
    )


@pytest.mark.parametrize("legacy", [False, True], ids=["dictionary", "legacy-string"])
def test_what_the_signer_writes_verifies(legacy: bool) -> None:
    headers = SIGNER.headers("GET", "https://news.example/a?b=1", now=NOW, legacy=legacy)
    result = _verify("https://news.example/a?b=1", dict(headers))
    assert result.valid, result.reason
    assert result.keyid == key_id(KEY.public_key())
    assert result.agent is not None
    assert result.agent.legacy is legacy
    assert 'tag="web-bot-auth"' in headers["Signature-Input"]


def test_a_signature_is_bound_to_its_authority_and_time() -> None:
    headers = dict(SIGNER.headers("GET", "https://news.example/a", now=NOW))
    assert not _verify("https://other.example/a", headers).valid
    assert not _verify("https://news.example/a", headers, now=NOW + 3600).valid
    other = key_directory([Ed25519PrivateKey.generate().public_key()])
    assert not _verify("https://news.example/a", headers, directory=other).valid


def test_the_directory_holds_public_keys_only() -> None:
    (entry,) = json.loads(DIRECTORY)["keys"]
    assert set(entry) == {"kty", "crv", "x", "kid"}
    assert entry["kid"] == key_id(KEY.public_key())


def test_keys_load_and_other_kinds_are_refused() -> None:
    assert key_id(load_private_key(private_pem(KEY)).public_key()) == key_id(KEY.public_key())
    ec = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(SigningKeyError, match="not an Ed25519 key"):
        load_private_key(ec)
    with pytest.raises(SigningKeyError, match="PEM"):
        load_private_key(b"not a key")
    with pytest.raises(SigningKeyError, match="https://"):
        RequestSigner(key=KEY, signature_agent="http://bot.example")


@given(
    st.from_regex(r"[a-z]{1,10}(\.[a-z]{1,5}){1,2}", fullmatch=True),
    st.from_regex(r"(/[A-Za-z0-9._~-]{0,8}){0,4}", fullmatch=True),
)
def test_any_url_signs_and_verifies(host: str, path: str) -> None:
    url = f"https://{host}{path or '/'}"
    assert _verify(url, dict(SIGNER.headers("GET", url, now=NOW))).valid
