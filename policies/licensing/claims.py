"""A licence token's claims (STAND-IN; JWT encoding with joserfc lives in the server)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class BadClaims(ValueError):
    """The claims are not a Heedful licence token's; the message says which part."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenceClaims:
    token_id: str
    issuer: str
    licensee: str
    audience: str
    scope: str
    usage: tuple[str, ...]
    offer_id: str
    payment: str
    price: str
    policy_version: str
    issued_at: int
    expires_at: int
    key_thumbprint: str = ""

    def to_jwt(self) -> dict[str, object]:
        claims: dict[str, object] = {
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
            claims["cnf"] = {"jkt": self.key_thumbprint}
        return claims

    @classmethod
    def from_jwt(cls, claims: Mapping[str, object]) -> LicenceClaims:
        def text(name: str) -> str:
            value = claims.get(name)
            if not isinstance(value, str):
                raise BadClaims(f"claim {name!r} is missing or not a string")
            return value

        def number(name: str) -> int:
            value = claims.get(name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise BadClaims(f"claim {name!r} is missing or not an integer")
            return value

        cnf = claims.get("cnf", {})
        if not isinstance(cnf, Mapping) or not isinstance(cnf.get("jkt", ""), str):
            raise BadClaims("claim 'cnf' is not an RFC 7800 confirmation with 'jkt'")
        usage = tuple(text("scope").split())
        if not usage:
            raise BadClaims("claim 'scope' names no usage")
        return cls(
            token_id=text("jti"),
            issuer=text("iss"),
            licensee=text("sub"),
            audience=text("aud"),
            scope=text("resource"),
            usage=usage,
            offer_id=text("offer"),
            payment=text("payment"),
            price=text("price"),
            policy_version=text("policy"),
            issued_at=number("iat"),
            expires_at=number("exp"),
            key_thumbprint=str(cnf.get("jkt", "")),
        )
