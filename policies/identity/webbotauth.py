"""Web Bot Auth: is this request signed by the key directory it names? (sans-IO, no clock)

Web Bot Auth (draft-ietf-webbotauth-httpsig-protocol-01) profiles HTTP Message Signatures
(RFC 9421) for crawlers. A signed request carries three fields:

* ``Signature-Agent``: where the signer's keys are. The current form is a Structured Field
  Dictionary (RFC 9651 section 3.2) whose member key is the signature's label and whose value is
  an ``https://`` URL String, with an optional ``type`` parameter (``directory``, the default:
  the URL is an origin and the keys are at its ``/.well-known/http-message-signatures-directory``;
  ``jwks_uri``: the URL is the JWKS itself). Earlier drafts, still deployed (and the form
  Cloudflare documents), send a bare String; both are read.
* ``Signature-Input``: the covered components and parameters. The profile requires ``created``,
  ``expires``, ``keyid`` (the key's JWK SHA-256 thumbprint, RFC 7638; RFC 8037 appendix A.3 for
  Ed25519) and ``tag="web-bot-auth"``, components covering ``@authority`` or ``@target-uri``
  and the ``Signature-Agent`` member itself.
* ``Signature``: the Ed25519 signature (RFC 9421 section 3.3.6) over the signature base.

The work is split so no I/O happens here: :func:`signature_agent` says which directory to
fetch; the caller fetches it (HTTPS, ``200`` only, no redirects) and passes its bytes and the
current time to :func:`verify_web_bot_auth`. The signature base (RFC 9421 section 2.5) is built
and checked by the ``http-message-signatures`` library; this module adds the profile's rules,
the key directory and the clock.

Every outcome is a :class:`WebBotAuthResult`; bad third-party content never raises.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final
from urllib.parse import urlsplit

import http_sf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)

TAG: Final = "web-bot-auth"
DIRECTORY_PATH: Final = "/.well-known/http-message-signatures-directory"
DIRECTORY_MEDIA_TYPE: Final = "application/http-message-signatures-directory+json"
MAX_VALIDITY: Final = 24 * 3600
"""The protocol draft RECOMMENDS signatures valid for at most 24 hours; longer ones are refused."""
MAX_SKEW: Final = 5
"""Seconds of clock difference tolerated on ``created`` and ``expires``."""
MAX_DIRECTORY_BYTES: Final = 64 * 1024
MAX_FIELD_BYTES: Final = 8 * 1024

Headers = Mapping[str, str] | Iterable[tuple[str, str]]


@dataclass(frozen=True, kw_only=True, slots=True)
class SignatureAgent:
    """Where one signature's keys are, as its ``Signature-Agent`` field says."""

    label: str
    url: str
    """The ``Signature-Agent`` value: the signer's identity."""
    directory_url: str
    """The JWKS to fetch: the well-known URI of ``url``'s origin, or ``url`` (``jwks_uri``)."""
    legacy: bool
    """True for the bare-String form of earlier drafts (covered as ``"signature-agent"``)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class WebBotAuthResult:
    """The verdict on one request's Web Bot Auth signature, with why."""

    valid: bool
    reason: str
    """``"verified"``, or what failed (``"expired"``, ``"unknown key"``...)."""
    agent: SignatureAgent | None = None
    keyid: str | None = None
    created: int | None = None
    expires: int | None = None
    components: tuple[str, ...] = ()


class _HeaderView:
    """Header lines as the library reads them: ``items()`` keeps every line, in order."""

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        self._lines = lines

    def items(self) -> Iterable[tuple[str, str]]:
        return self._lines

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name for name, _ in self._lines))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(n.lower() == name.lower() for n, _ in self._lines)


@dataclass(frozen=True, slots=True)
class _Message:
    method: str
    url: str
    headers: _HeaderView


def _lines(headers: Headers) -> list[tuple[str, str]]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(name), str(value)) for name, value in pairs]


def _field(lines: list[tuple[str, str]], name: str) -> str | None:
    """One field's combined value (RFC 9110 section 5.3), ``None`` when absent."""
    values = [v for n, v in lines if n.lower() == name]
    return ", ".join(values) if values else None


def _dictionary(value: str) -> dict[str, Any] | None:
    if len(value) > MAX_FIELD_BYTES:
        return None
    try:
        parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary")
    except (ValueError, UnicodeEncodeError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _selected(lines: list[tuple[str, str]]) -> tuple[str, list[Any], dict[str, Any]] | None:
    """The first ``Signature-Input`` member tagged ``web-bot-auth``: label, components, params."""
    raw = _field(lines, "signature-input")
    inputs = _dictionary(raw) if raw is not None else None
    for label, member in (inputs or {}).items():
        members, params = member
        if isinstance(members, list) and params.get("tag") == TAG:
            return str(label), members, params
    return None


def _directory_of(url: str, kind: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return None  # the draft: the directory is fetched over HTTPS only
    if kind == "jwks_uri":
        return url
    if kind != "directory":
        return None  # ``cimd`` (OAuth client metadata) is not read here
    return f"https://{parts.netloc}{DIRECTORY_PATH}"


def signature_agent(headers: Headers) -> SignatureAgent | None:
    """Which key directory a request's ``web-bot-auth`` signature names, or ``None``.

    ``None`` when the request carries no such signature or its ``Signature-Agent`` cannot be
    read; :func:`verify_web_bot_auth` then says why.
    """
    lines = _lines(headers)
    selected = _selected(lines)
    raw = _field(lines, "signature-agent")
    if selected is None or raw is None or len(raw) > MAX_FIELD_BYTES:
        return None
    label = selected[0]
    member = _dictionary(raw)
    if member is not None and label in member:
        value, params = member[label]
        kind = str(params.get("type", "directory"))
        legacy = False
    else:
        try:
            item: Any = http_sf.parse(raw.encode("ascii"), tltype="item")
        except (ValueError, UnicodeEncodeError):
            return None
        value = item[0]
        kind, legacy = "directory", True
    if not isinstance(value, str):
        return None
    directory = _directory_of(value, kind)
    if directory is None:
        return None
    return SignatureAgent(label=label, url=value, directory_url=directory, legacy=legacy)


def _b64url(text: object) -> bytes | None:
    if not isinstance(text, str):
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def jwk_thumbprint(jwk: Mapping[str, object]) -> str:
    """RFC 7638 section 3: SHA-256 over the required members (``crv``, ``kty``, ``x`` for OKP,
    RFC 8037 appendix A.3) in lexical order without whitespace, base64url without padding.
    """
    canonical = json.dumps(
        {k: jwk[k] for k in ("crv", "kty", "x")}, separators=(",", ":"), sort_keys=True
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def directory_keys(directory: bytes, *, now: int) -> dict[str, Ed25519PublicKey]:
    """The usable Ed25519 keys of a key directory (a JWKS), by thumbprint.

    A key with ``kid`` not equal to its thumbprint, outside its ``nbf``/``exp``, with a private
    part ``d`` (never to be published), or not Ed25519 is left out; a directory that is not a
    JWKS has no keys.
    """
    if len(directory) > MAX_DIRECTORY_BYTES:
        return {}
    try:
        data = json.loads(directory.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    keys = data.get("keys") if isinstance(data, dict) else None
    out: dict[str, Ed25519PublicKey] = {}
    for jwk in keys if isinstance(keys, list) else ():
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        raw = _b64url(jwk.get("x"))
        if raw is None or len(raw) != 32 or "d" in jwk:
            continue
        nbf, exp = jwk.get("nbf"), jwk.get("exp")
        if (isinstance(nbf, int) and now < nbf) or (isinstance(exp, int) and now >= exp):
            continue
        thumbprint = jwk_thumbprint(jwk)
        if "kid" in jwk and jwk["kid"] != thumbprint:
            continue
        out[thumbprint] = Ed25519PublicKey.from_public_bytes(raw)
    return out


class _Keys(HTTPSignatureKeyResolver):
    def __init__(self, keys: Mapping[str, Ed25519PublicKey]) -> None:
        self._keys = keys

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        return self._keys.get(key_id)


class _ClockFreeVerifier(HTTPMessageVerifier):
    """The library's verifier without its own clock: times are checked before, against ``now``."""

    def validate_created_and_expires(self, sig_input: object, max_age: object = None) -> None:
        return None


def _covers(components: list[Any], agent: SignatureAgent) -> tuple[bool, tuple[str, ...]]:
    names = tuple(
        f'"{name}"' + "".join(f";{k}={json.dumps(v)}" for k, v in params.items())
        for name, params in components
    )
    target = any(name in ("@authority", "@target-uri") for name, _ in components)
    wanted: dict[str, object] = {} if agent.legacy else {"key": agent.label}
    agent_covered = any(
        name == "signature-agent" and dict(params) == wanted for name, params in components
    )
    return target and agent_covered, names


def verify_web_bot_auth(
    *,
    method: str,
    url: str,
    headers: Headers,
    directory: bytes,
    now: int,
    max_skew: int = MAX_SKEW,
    max_validity: int = MAX_VALIDITY,
) -> WebBotAuthResult:
    """Verify a request's ``web-bot-auth`` signature against its key directory's bytes.

    ``url`` is the absolute URL the request was made to (``@authority``, ``@path`` and
    ``@target-uri`` come from it), ``directory`` the body fetched from
    :attr:`SignatureAgent.directory_url` (``b""`` when the fetch failed), ``now`` the current
    Unix time. Valid means: one signature tagged ``web-bot-auth`` whose parameters hold
    ``created``, ``expires`` and ``keyid``; ``created <= now + max_skew``, ``expires > now -
    max_skew``, ``expires - created <= max_validity``; the components cover ``@authority`` or
    ``@target-uri`` and the ``Signature-Agent`` member; the key is in the directory; and the
    Ed25519 signature over the RFC 9421 section 2.5 signature base verifies.
    """
    for name, value in (("method", method), ("url", url)):
        if not isinstance(value, str):
            raise TypeError(
                f"verify_web_bot_auth expects {name} as str, got {type(value).__name__}"
            )
    if not isinstance(directory, bytes) or not isinstance(now, int):
        raise TypeError("verify_web_bot_auth expects directory as bytes and now as int")
    lines = _lines(headers)
    selected = _selected(lines)
    if selected is None:
        return WebBotAuthResult(valid=False, reason="no signature tagged web-bot-auth")
    label, components, params = selected
    agent = signature_agent(lines)
    if agent is None:
        return WebBotAuthResult(valid=False, reason="missing or unreadable Signature-Agent")
    created, expires, keyid = params.get("created"), params.get("expires"), params.get("keyid")
    result = WebBotAuthResult(
        valid=False, reason="", agent=agent, keyid=keyid if isinstance(keyid, str) else None
    )
    if not isinstance(created, int) or not isinstance(expires, int) or not isinstance(keyid, str):
        return replace(result, reason="created, expires and keyid are required")
    covered, names = _covers(components, agent)
    result = replace(result, created=created, expires=expires, components=names)
    problem = None
    if params.get("alg", "ed25519") != "ed25519":
        problem = "only alg ed25519 is accepted"
    elif not covered:
        problem = "components must cover @authority (or @target-uri) and Signature-Agent"
    elif created > now + max_skew:
        problem = "created is in the future"
    elif expires <= now - max_skew:
        problem = "expired"
    elif expires < created or expires - created > max_validity:
        problem = f"validity window is not within 0..{max_validity} seconds"
    if problem is not None:
        return replace(result, reason=problem)
    keys = directory_keys(directory, now=now)
    if keyid not in keys:
        return replace(result, reason="unknown key")
    verifier = _ClockFreeVerifier(signature_algorithm=algorithms.ED25519, key_resolver=_Keys(keys))
    try:
        verifier.verify(
            _Message(method, url, _HeaderView(lines)),
            max_age=None,
            expect_tag=TAG,
            expect_label=label,
        )
    except (HTTPMessageSignaturesException, ValueError, TypeError, KeyError):
        return replace(result, reason="signature does not verify")
    return replace(result, valid=True, reason="verified")
