"""The licence server's machinery: its signing key, licence tokens, and Web Bot Auth binding.

Tokens are JWS compact serialisations (RFC 7515) of the claims
:class:`heedful.policies.licensing.LicenceClaims` defines, signed with Ed25519 through joserfc
(``alg`` ``Ed25519``, the fully specified name RFC 9864 gives EdDSA over Ed25519; joserfc marks the
older ``EdDSA`` name deprecated). The key is made at first start and kept in the database, so a
restart keeps every token it issued valid. No crypto is written here: joserfc signs and verifies,
the Web Bot Auth verifier of :mod:`heedful.policies.identity.webbotauth` checks request signatures.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

from aiohttp import web
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from heedful.policies.identity import signature_agent, verify_web_bot_auth
from heedful.policies.licensing import BadClaims, LicenceClaims
from heedful.signalserver import licence_store
from heedful.signalserver.db import Database
from heedful.signalserver.enforcement import SIGNATURE_INPUT, KeyDirectories
from heedful.signalserver.models import LicenceClient
from heedful.signalserver.ratelimit import RateLimiter

ALGORITHM: Final = "Ed25519"
TOKEN_TYPE: Final = "License"  # noqa: S105 -- the RFC 6749 token_type, not a secret
MAX_TOKEN_CHARS: Final = 4096
"""A licence token is well under 1 KiB; anything far larger is not one of ours."""
KNOWN_TOKENS: Final = 65_536
"""Token ids remembered as issued (bounded; a miss costs one database read)."""
CLIENT_SECONDS: Final = 5.0
"""How long a licensee's row is reused when fetches are checked: a revocation made through
another process (``heedful licence-client revoke``) takes effect within this; one made through
this process's admin API at once."""
MAX_CLIENTS: Final = 4096
MAX_TOKENS: Final = 4096
"""Verified tokens kept, the most recently verified first to go last."""


class TokenInvalid(ValueError):
    """A presented token that cannot be believed; the message is the reason (no secret in it)."""


@dataclass(frozen=True, slots=True)
class KeyProof:
    """What a request's Web Bot Auth signature proved."""

    signed: bool
    thumbprint: str | None
    """The verified key's RFC 7638 thumbprint; ``None`` when unsigned or not verified."""
    reason: str

    @property
    def identity(self) -> str:
        """As the usage ledger records it."""
        if self.thumbprint is not None:
            return f"web-bot-auth {self.thumbprint}"
        return "unverified" if not self.signed else f"unverified (signature: {self.reason})"


UNSIGNED: Final = KeyProof(signed=False, thumbprint=None, reason="not signed")


async def signing_key(db: Database) -> OKPKey:
    """The stored signing key, made and stored first when there is none."""
    row = await licence_store.signing_key(db)
    if row is None:
        fresh = OKPKey.generate_key("Ed25519")
        text = json.dumps(fresh.as_dict(private=True))
        await licence_store.set_signing_key_once(db, fresh.thumbprint(), text)
        # Processes starting together may each store one: all use the earliest.
        row = await licence_store.signing_key(db)
        assert row is not None
    return OKPKey.import_key(json.loads(row.private_jwk))


class LicenceServer:
    """One per application: the signing key, the token lifetime, the token-request limiter."""

    def __init__(
        self,
        *,
        db: Database,
        key: OKPKey,
        directories: KeyDirectories | None,
        token_seconds: int,
        leeway: int,
        limiter: RateLimiter,
    ) -> None:
        self.db = db
        self._key = key
        self.kid = key.thumbprint()
        self.directories = directories
        self.token_seconds = token_seconds
        self.leeway = leeway
        self.limiter = limiter
        self._known: OrderedDict[str, None] = OrderedDict()
        self._clients: OrderedDict[str, tuple[float, LicenceClient | None]] = OrderedDict()
        self._verified: OrderedDict[str, LicenceClaims] = OrderedDict()
        """Tokens whose signature verified, by token: a crawler presents one token for many
        fetches, and its claims cannot change (the time and scope are checked per fetch)."""
        self.fetches = licence_store.FetchRecorder(db)

    @classmethod
    async def open(
        cls,
        db: Database,
        *,
        directories: KeyDirectories | None,
        token_seconds: int,
        leeway: int,
        limiter: RateLimiter,
    ) -> LicenceServer:
        """The server with the stored key, made and stored first when there is none."""
        key = await signing_key(db)
        return cls(
            db=db,
            key=key,
            directories=directories,
            token_seconds=token_seconds,
            leeway=leeway,
            limiter=limiter,
        )

    def public_jwk(self) -> dict[str, object]:
        """The verification key (a JWK without ``d``), for whoever wants to check tokens."""
        public: dict[str, object] = dict(self._key.as_dict(private=False))
        public.update(kid=self.kid, alg=ALGORITHM, use="sig")
        return public

    @staticmethod
    def new_token_id() -> str:
        return secrets.token_urlsafe(18)

    def sign(self, claims: LicenceClaims) -> str:
        header = {"alg": ALGORITHM, "typ": "license+jwt", "kid": self.kid}
        payload = json.dumps(claims.to_jwt(), separators=(",", ":")).encode()
        return jws.serialize_compact(header, payload, self._key, algorithms=[ALGORITHM])

    def read(self, token: str) -> LicenceClaims:
        """The claims of a token this server signed; :class:`TokenInvalid` with why otherwise."""
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            self._verified[token] = claims
            while len(self._verified) > MAX_TOKENS:
                self._verified.popitem(last=False)
        return claims

    def _verify(self, token: str) -> LicenceClaims:
        if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
            raise TokenInvalid("not a JWS compact token (RFC 7515 section 7.1)")
        try:
            found = jws.deserialize_compact(token, self._key, algorithms=[ALGORITHM])
        except JoseError:
            raise TokenInvalid(
                "the signature does not verify: tampered or not issued here"
            ) from None
        except ValueError:
            raise TokenInvalid("the token cannot be decoded") from None
        try:
            data = json.loads(found.payload)
        except ValueError:
            raise TokenInvalid("the token's claims are not JSON") from None
        if not isinstance(data, dict):
            raise TokenInvalid("the token's claims are not a JSON object")
        try:
            return LicenceClaims.from_jwt(data)
        except BadClaims as exc:
            raise TokenInvalid(f"the token's claims are not a licence's: {exc}") from None

    def remember(self, token_id: str) -> None:
        self._known[token_id] = None
        while len(self._known) > KNOWN_TOKENS:
            self._known.popitem(last=False)

    async def was_issued(self, token_id: str) -> bool:
        """Whether the ledger holds the token (a valid signature without a ledger row means
        the ledger was lost or the key leaked: refused either way)."""
        if token_id in self._known:
            return True
        if await licence_store.issued(self.db, token_id) is None:
            return False
        self.remember(token_id)
        return True

    async def client(self, client_id: str) -> LicenceClient | None:
        """The licensee's row, read at most every :data:`CLIENT_SECONDS` (fetches repeat)."""
        now = time.monotonic()
        kept = self._clients.get(client_id)
        if kept is not None and kept[0] > now:
            return kept[1]
        row = await licence_store.client(self.db, client_id)
        self._clients[client_id] = (now + CLIENT_SECONDS, row)
        self._clients.move_to_end(client_id)
        while len(self._clients) > MAX_CLIENTS:
            self._clients.popitem(last=False)
        return row

    def forget_client(self, client_id: str) -> None:
        """A change made here (revocation) applies to the next fetch."""
        self._clients.pop(client_id, None)

    async def key_proof(self, request: web.Request, client: LicenceClient | None) -> KeyProof:
        """Verify the request's Web Bot Auth signature: against the client's registered key
        when it has one, else the signer's key directory (fetched and cached as the enforcer
        does, signalserver/enforcement.py)."""
        if SIGNATURE_INPUT not in request.headers:
            return UNSIGNED
        lines = list(request.headers.items())
        directory = b""
        if client is not None and client.key_jwk:
            directory = json.dumps({"keys": [json.loads(client.key_jwk)]}).encode()
        else:
            named = signature_agent(lines)
            if named is not None and self.directories is not None:
                directory = await self.directories.get(named.directory_url)
        url = f"{request.scheme}://{request.host}{request.rel_url.raw_path_qs}"
        result = verify_web_bot_auth(
            method=request.method,
            url=url,
            headers=lines,
            directory=directory,
            now=int(time.time()),
        )
        if not result.valid or result.keyid is None:
            return KeyProof(signed=True, thumbprint=None, reason=result.reason)
        return KeyProof(signed=True, thumbprint=result.keyid, reason="verified")
