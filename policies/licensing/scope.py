"""Does a licence token grant this fetch? (RSL 1.0 Crawler Authorization Protocol.)

Pure: the caller verifies the signature first and passes the time in. Every refusal names its
reason; the error codes are RFC 6750 section 3.1's: ``invalid_token`` (expired, not yet valid,
another site, another key) and ``insufficient_scope`` (a path or use the token does not grant).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from heedful.policies.licensing.claims import LicenceClaims
from heedful.policies.licensing.offers import covers_usage, usage_token
from heedful.policies.patterns import compile_pattern
from heedful.policies.urlpath import canonical_path

ScopeError = Literal["", "invalid_token", "insufficient_scope"]
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class ScopeCheck:
    ok: bool
    error: ScopeError
    reason: str


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` lower-cased, default port dropped (RFC 6454 section 4)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return ""
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def check_scope(
    claims: LicenceClaims,
    *,
    origin: str,
    path: str,
    usage: str | None,
    now: int,
    key_thumbprint: str | None,
    leeway: int = 60,
) -> ScopeCheck:
    """Whether ``claims`` grant fetching ``path`` on ``origin`` for ``usage`` at ``now``.

    ``usage`` is the RSL token (or Heedful use) the fetch is for, ``None`` when the crawler did
    not say (then any granted usage will do: the token was bought for this scope).
    ``key_thumbprint`` is the verified Web Bot Auth keyid of the request, ``None`` when it was
    not signed; a bound token needs the same key (RFC 7800 section 3.1).
    """
    if now > claims.expires_at + leeway:
        return _refuse("invalid_token", f"the licence expired at {claims.expires_at}")
    if now + leeway < claims.issued_at:
        return _refuse(
            "invalid_token", f"the licence is issued at {claims.issued_at}, beyond the clock skew"
        )
    if not origin_of(claims.audience) or origin_of(claims.audience) != origin_of(origin):
        return _refuse("invalid_token", f"the licence is for {claims.audience}, not {origin}")
    if claims.key_thumbprint and key_thumbprint != claims.key_thumbprint:
        said = "an unsigned request" if not key_thumbprint else f"key {key_thumbprint}"
        return _refuse(
            "invalid_token", f"the licence is bound to key {claims.key_thumbprint}, not {said}"
        )
    canonical = canonical_path(path)
    if not compile_pattern(claims.scope).matches(canonical):
        return _refuse("insufficient_scope", f"{canonical} is outside the licence's {claims.scope}")
    if usage is not None and not covers_usage(claims.usage, usage_token(usage)):
        return _refuse(
            "insufficient_scope",
            f"the licence grants {' '.join(claims.usage)}, not {usage_token(usage)}",
        )
    return ScopeCheck(True, "", f"licence {claims.token_id} covers {canonical}")


def _refuse(error: ScopeError, reason: str) -> ScopeCheck:
    return ScopeCheck(False, error, reason)
