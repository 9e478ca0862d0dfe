"""The signing middleware reuses a second's signature per authority and never changes it."""

from __future__ import annotations

import re
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from scrapy import Request
from scrapy.utils.test import get_crawler

from heedful.crawler.signing import WebBotAuthMiddleware
from heedful.policies.identity.signing import RequestSigner, private_pem

AGENT = "https://bot.example"


def _middleware(tmp_path: Path) -> tuple[WebBotAuthMiddleware, RequestSigner]:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "key.pem"
    path.write_bytes(private_pem(key))
    crawler = get_crawler(
        settings_dict={"HEEDFUL_SIGNING_KEY": str(path), "HEEDFUL_SIGNATURE_AGENT": AGENT}
    )
    return WebBotAuthMiddleware.from_crawler(crawler), RequestSigner(key=key, signature_agent=AGENT)


def test_each_request_carries_exactly_what_signing_it_afresh_gives(tmp_path: Path) -> None:
    middleware, signer = _middleware(tmp_path)
    urls = [f"http://{host}/p/{n}" for n in range(20) for host in ("a.test", "b.test:8080")]
    signatures: dict[str, set[str]] = {}
    for url in urls:
        request = Request(url)
        middleware.process_request(request)
        sent = {
            name: request.headers[name].decode()
            for name in ("Signature-Agent", "Signature-Input", "Signature")
        }
        created = re.search(r";created=(\d+)", sent["Signature-Input"])
        assert created is not None
        assert sent == dict(signer.headers("GET", url, now=int(created.group(1))))
        signatures.setdefault(url.split("/")[2], set()).add(sent["Signature"])
    # Each authority is signed for itself: a signature for one never travels to the other.
    assert not signatures["a.test"] & signatures["b.test:8080"]
