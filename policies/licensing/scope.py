"""Does a licence token cover this request? (STAND-IN; see the package docstring.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from heedful.policies.licensing.claims import LicenceClaims
from heedful.policies.patterns import compile_pattern
from heedful.policies.signals.rsl.terms import covers


@dataclass(frozen=True, slots=True)
class ScopeCheck:
    ok: bool
    error: Literal["", "invalid_token", "insufficient_scope"]
    reason: str


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
    """Origin, path, usage, time (``leeway`` seconds of skew) and key binding, in that order."""
    if claims.audience.rstrip("/").lower() != origin.rstrip("/").lower():
        return ScopeCheck(
            False, "invalid_token", f"the token is for {claims.audience}, not {origin}"
        )
    if not compile_pattern(claims.scope).matches(path):
        return ScopeCheck(False, "invalid_token", f"the token covers {claims.scope}, not {path}")
    if usage is not None and not covers(claims.usage, usage, prohibiting=False):
        return ScopeCheck(
            False, "insufficient_scope", f"the token grants {' '.join(claims.usage)}, not {usage}"
        )
    if now >= claims.expires_at + leeway:
        return ScopeCheck(False, "invalid_token", "the token expired")
    if claims.issued_at > now + leeway:
        return ScopeCheck(False, "invalid_token", "the token is issued in the future (clock skew)")
    if claims.key_thumbprint and claims.key_thumbprint != key_thumbprint:
        return ScopeCheck(
            False,
            "invalid_token",
            "the token is bound to another Web Bot Auth key (RFC 7800 cnf.jkt)"
            if key_thumbprint
            else "the token is bound to a Web Bot Auth key: sign the request with it",
        )
    return ScopeCheck(True, "", "covered")
