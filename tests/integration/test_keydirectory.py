"""A signed request verified against a key directory served over real HTTPS on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from heedful.client.keydirectory import verify_request
from heedful.policies.identity import DIRECTORY_PATH, IpRanges, identify, jwk_thumbprint
from tests.helpers.webbotauth import self_signed


def _tls(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1: the server's context and a client that trusts it."""
    server, cert_path = self_signed(tmp_path)
    return server, ssl.create_default_context(cafile=str(cert_path))


SIGNER = Ed25519PrivateKey.generate()
X = base64.urlsafe_b64encode(SIGNER.public_key().public_bytes_raw()).rstrip(b"=").decode()
JWK = {"kty": "OKP", "crv": "Ed25519", "x": X}
KEYID = jwk_thumbprint(JWK)


@pytest.fixture
async def directory_origin(tmp_path: Path) -> AsyncIterator[tuple[str, ssl.SSLContext]]:
    server_tls, client_tls = _tls(tmp_path)

    async def directory(request: web.Request) -> web.Response:
        return web.Response(
            body=json.dumps({"keys": [JWK]}).encode(),
            content_type="application/http-message-signatures-directory+json",
        )

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/.well-known/http-message-signatures-directory")

    app = web.Application()
    app.router.add_get(DIRECTORY_PATH, directory)
    app.router.add_get("/moved/keys.json", moved)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_tls)
    await site.start()
    port = runner.addresses[0][1]
    yield f"https://127.0.0.1:{port}", client_tls
    await runner.cleanup()


def _signed(agent_field: str, *, created: int) -> dict[str, str]:
    params = (
        f'("@authority" "signature-agent";key="sig1");created={created};expires={created + 60}'
        f';keyid="{KEYID}";alg="ed25519";tag="web-bot-auth"'
    )
    value = agent_field.split("=", 1)[1]
    base = f'"@authority": news.example\n"signature-agent";key="sig1": {value}\n"@signature-params": {params}'
    signature = base64.b64encode(SIGNER.sign(base.encode())).decode()
    return {
        "User-Agent": "SomeAgent/1.0",
        "Signature-Agent": agent_field,
        "Signature-Input": f"sig1={params}",
        "Signature": f"sig1=:{signature}:",
    }


async def test_signed_request_verifies_against_the_fetched_directory(directory_origin) -> None:  # type: ignore[no-untyped-def]
    origin, tls = directory_origin
    now = int(time.time())
    headers = _signed(f'sig1="{origin}"', created=now - 1)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls)) as session:
        result = await verify_request(
            session, method="GET", url="https://news.example/a", headers=headers, now=now
        )
        assert result.valid, result.reason
        identity = identify(
            user_agent=headers["User-Agent"],
            client_ip="10.0.0.1",
            ranges=IpRanges.bundled(),
            signature=result,
        )
        assert identity.level == "signature"
        assert identity.signer == origin

        stale = await verify_request(
            session, method="GET", url="https://news.example/a", headers=headers, now=now + 600
        )
        assert stale.reason == "expired"


async def test_a_redirected_directory_is_not_followed(directory_origin) -> None:  # type: ignore[no-untyped-def]
    origin, tls = directory_origin
    now = int(time.time())
    headers = _signed(f'sig1="{origin}/moved/keys.json";type=jwks_uri', created=now)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls)) as session:
        result = await verify_request(
            session, method="GET", url="https://news.example/a", headers=headers, now=now
        )
    assert not result.valid
    assert result.reason == "unknown key"
