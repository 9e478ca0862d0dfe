"""What a licence token says: its claims, as a JWT claim set and back (RFC 7519 section 4).

The licence server signs and verifies the JWS (joserfc, EdDSA); this module only maps the
claims, so the server, the crawler and the tests read one shape. Registered claims keep their
RFC 7519 names (``jti iss sub aud iat exp``); ``scope`` is the OAuth 2.0 space-separated scope
(RFC 8693 section 4.2, here RSL usage tokens); ``cnf.jkt`` binds the token to a key (RFC 7800
section 3.1, the JWK thumbprint of RFC 7638, as Web Bot Auth names its key). The rest are
Heedful's: ``resource`` (the offer's scope pattern), ``offer``, ``payment``, ``price``,
``policy``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from heedful.policies.errors import HeedfulError


class BadClaims(HeedfulError):
    """A claim set that is not a Heedful licence token; ``reason`` says which claim is wrong."""

    status_hint = 401

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenceClaims:
    token_id: str
    """``jti``: the token's id, recorded in both ledgers."""
    issuer: str
    """``iss``: the licence server URL."""
    licensee: str
    """``sub``: the client_id the licence was issued to."""
    audience: str
    """``aud``: the site's origin, e.g. ``http://127.0.0.1:8080``."""
    scope: str
    """``resource``: the offer's scope pattern, e.g. ``/photos/*``."""
    usage: tuple[str, ...]
    """``scope``: the RSL usage tokens granted."""
    offer_id: str
    payment: str
    price: str
    """``USD 0.05`` (per fetch for ``crawl``, else paid once at issue) or ``""``."""
    policy_version: str
    issued_at: int
    expires_at: int
    key_thumbprint: str = ""
    """``cnf.jkt`` when the token is bound to a Web Bot Auth key, else ``""``."""

    def to_jwt(self) -> dict[str, object]:
        """The JWT claim set."""
        out: dict[str, object] = {
            "jti": self.token_id,
            "iss": self.issuer,
            "sub": self.licensee,
            "aud": self.audience,
            "resource": self.scope,
            "scope": " ".join(self.usage),
            "offer": self.offer_id,
            "payment": self.payment,
            "price": self.price,
            "policy": self.policy_version,
            "iat": self.issued_at,
            "exp": self.expires_at,
        }
        if self.key_thumbprint:
            out["cnf"] = {"jkt": self.key_thumbprint}
        return out

    @classmethod
    def from_jwt(cls, claims: Mapping[str, object]) -> LicenceClaims:
        """Read a claim set back; a missing or mistyped claim raises :class:`BadClaims`."""
        if not isinstance(claims, Mapping):
            raise BadClaims("the claim set is not a JSON object")
        text = {name: _text(claims, name) for name in _TEXT}
        times = {name: _time(claims, name) for name in ("iat", "exp")}
        if times["exp"] < times["iat"]:
            raise BadClaims("exp is before iat")
        usage = tuple(text["scope"].split())
        if not usage:
            raise BadClaims("scope grants no usage")
        if not text["resource"].startswith("/"):
            raise BadClaims("resource is not a path pattern starting with '/'")
        thumbprint = ""
        if "cnf" in claims:
            cnf = claims["cnf"]
            jkt = cnf.get("jkt") if isinstance(cnf, Mapping) else None
            if not isinstance(jkt, str) or not jkt:
                raise BadClaims("cnf has no jkt (RFC 7800 section 3.1)")
            thumbprint = jkt
        return cls(
            token_id=text["jti"],
            issuer=text["iss"],
            licensee=text["sub"],
            audience=text["aud"],
            scope=text["resource"],
            usage=usage,
            offer_id=text["offer"],
            payment=text["payment"],
            price=text["price"],
            policy_version=text["policy"],
            issued_at=times["iat"],
            expires_at=times["exp"],
            key_thumbprint=thumbprint,
        )


_TEXT = ("jti", "iss", "sub", "aud", "resource", "scope", "offer", "payment", "price", "policy")
_MAY_BE_EMPTY = frozenset({"price"})


def _text(claims: Mapping[str, object], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str):
        raise BadClaims(f"claim {name!r} is missing or not a string")
    if not value and name not in _MAY_BE_EMPTY:
        raise BadClaims(f"claim {name!r} is empty")
    return value


def _time(claims: Mapping[str, object], name: str) -> int:
    value = claims.get(name)
    # bool is an int in Python; a JSON true is not a time (RFC 7519 section 2, NumericDate).
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadClaims(f"claim {name!r} is missing or not a NumericDate")
    return value
