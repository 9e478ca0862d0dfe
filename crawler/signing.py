"""Sign every request a crawl sends for Web Bot Auth (draft-ietf-webbotauth-httpsig-protocol-01).

Enabled by ``HEEDFUL_SIGNING_KEY`` (a PEM Ed25519 private key, made by ``heedful keys
generate``) and ``HEEDFUL_SIGNATURE_AGENT`` (the ``https://`` origin that publishes the key
directory ``heedful keys directory`` writes). The signer is prepared once per crawl; each
request, Heedful's own signal-file fetches included, gets ``Signature-Agent``,
``Signature-Input`` and ``Signature`` over its authority, signed at the time it leaves. The
signing is :mod:`heedful.policies.identity.signing`'s; this middleware only puts the headers on.

The signature covers the authority and ``Signature-Agent`` only, with ``created`` in whole
seconds, and Ed25519 signatures are deterministic (RFC 8032 section 5.1.6): every request to one
authority within one second gets the same headers. The middleware keeps the last ones per
authority instead of signing them again, which makes signing nearly free on a busy crawl.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured

from heedful.policies.identity.signing import RequestSigner, SigningKeyError, load_private_key

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler

MIDDLEWARE_ORDER = 990
"""Late in the chain, after every middleware that may still change the request."""


class WebBotAuthMiddleware:
    """Adds the Web Bot Auth signature headers to every outgoing request."""

    def __init__(self, signer: RequestSigner, *, legacy: bool) -> None:
        self.signer = signer
        self.legacy = legacy
        self._second = 0
        self._signed: dict[str, Mapping[str, str]] = {}
        """The headers signed for each authority during ``_second``; emptied when it passes."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        path = settings.get("HEEDFUL_SIGNING_KEY") or ""
        if not path:
            raise NotConfigured("HEEDFUL_SIGNING_KEY is not set: requests are not signed")
        agent = str(settings.get("HEEDFUL_SIGNATURE_AGENT") or "")
        try:
            key = load_private_key(Path(path).read_bytes())
            signer = RequestSigner(key=key, signature_agent=agent)
        except OSError as exc:
            raise NotConfigured(f"HEEDFUL_SIGNING_KEY {path}: {exc.strerror or exc}") from None
        except SigningKeyError as exc:
            raise NotConfigured(f"HEEDFUL_SIGNING_KEY / HEEDFUL_SIGNATURE_AGENT: {exc}") from None
        return cls(signer, legacy=settings.getbool("HEEDFUL_SIGNATURE_LEGACY"))

    def process_request(self, request: Request) -> None:
        now = int(time.time())
        if now != self._second:
            self._second, self._signed = now, {}
        authority = urlsplit(request.url).netloc.lower()
        signed = self._signed.get(authority)
        if signed is None:
            signed = self.signer.headers(request.method, request.url, now=now, legacy=self.legacy)
            self._signed[authority] = signed
        for name, value in signed.items():
            request.headers[name] = value
