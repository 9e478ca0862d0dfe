"""Real Ed25519 keys, a key directory over real HTTPS on 127.0.0.1, and signed request headers.

Web Bot Auth (draft-ietf-webbotauth-httpsig-protocol-01) over RFC 9421: the signature base is
built here by hand, as a signer would, so the server's verification is checked against an
independent construction.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from heedful.policies.identity import DIRECTORY_PATH, jwk_thumbprint


def self_signed(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    """A certificate for 127.0.0.1: the server's context and the CA file a client trusts."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    return server, cert_path


@dataclass
class Signer:
    """One Ed25519 key and the origin that publishes its directory."""

    origin: str
    ca_file: Path
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    fetches: int = 0

    @property
    def jwk(self) -> dict[str, str]:
        raw = self.key.public_key().public_bytes_raw()
        x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        return {"kty": "OKP", "crv": "Ed25519", "x": x}

    def headers(self, authority: str, *, created: int, user_agent: str) -> dict[str, str]:
        """Signature, Signature-Input and Signature-Agent (dictionary form) for ``authority``."""
        keyid = jwk_thumbprint(self.jwk)
        params = (
            f'("@authority" "signature-agent";key="sig1");created={created};'
            f'expires={created + 60};keyid="{keyid}";alg="ed25519";tag="web-bot-auth"'
        )
        base = (
            f'"@authority": {authority}\n"signature-agent";key="sig1": "{self.origin}"\n'
            f'"@signature-params": {params}'
        )
        signature = base64.b64encode(self.key.sign(base.encode())).decode()
        return {
            "User-Agent": user_agent,
            "Signature-Agent": f'sig1="{self.origin}"',
            "Signature-Input": f"sig1={params}",
            "Signature": f"sig1=:{signature}:",
        }


@asynccontextmanager
async def key_directory(tmp_path: Path) -> AsyncIterator[Signer]:
    """A signer whose directory is served over HTTPS on 127.0.0.1 (``max-age=600``)."""
    server_tls, ca_file = self_signed(tmp_path)
    signer = Signer(origin="", ca_file=ca_file)

    async def directory(request: web.Request) -> web.Response:
        signer.fetches += 1
        return web.Response(
            body=json.dumps({"keys": [signer.jwk]}).encode(),
            content_type="application/http-message-signatures-directory+json",
            headers={"Cache-Control": "max-age=600"},
        )

    app = web.Application()
    app.router.add_get(DIRECTORY_PATH, directory)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_tls)
    await site.start()
    signer.origin = f"https://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield signer
    finally:
        await runner.cleanup()
