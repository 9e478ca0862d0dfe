"""The stored tables (SQLModel) and the API's input and output shapes (pydantic).

The OpenAPI document is generated from the API shapes (signalserver/openapi.py), so a limit
is written once, here, and both validation and the document read it.

A removal request is read by signalserver/removal_input.py, which words its refusals for the
visitors who send them.

Tables are append-only where history matters: a policy version is never updated or deleted, so
"which policy was live at time T" always has an answer (issue 3 section 3). A removal request
keeps the requester's personal data here, and only here: the published list carries URLs and
times (policies/signals/removals.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from heedful.policies.agents import HEEDFUL_TOKEN
from heedful.policies.model import DEFAULT_AIPREF_DRAFT, AiprefDraft, Mode, Use, Verdict

MAX_URLS: Final = 50
MAX_URL_CHARS: Final = 2048
MAX_NAME_CHARS: Final = 200
MAX_CONTACT_CHARS: Final = 320
MAX_RELATION_CHARS: Final = 200
MAX_TEXT_CHARS: Final = 5000
MAX_REASON_CHARS: Final = 2000
MAX_USER_AGENT_CHARS: Final = 512
MAX_AGENT_CHARS: Final = 200
MAX_CHECK_URL_CHARS: Final = 4096

WITHDRAWN_BEFORE_USES: Final = '["tdm", "ai-train", "genai-train", "ai-input", "search"]'
"""What a request stored before requests named their uses withdrew: every use."""

RemovalStatus = Literal["pending", "approved", "rejected"]


def _when(*, index: bool = False, nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(), nullable=nullable, index=index)


class PolicyVersion(SQLModel, table=True):
    """One published policy; rows are only ever inserted."""

    __tablename__ = "policy_version"

    number: int | None = SQLField(default=None, primary_key=True)
    text: str = SQLField(sa_column=Column(Text(), nullable=False))
    sha256: str = SQLField(max_length=64)
    created_at: datetime = SQLField(sa_column=_when(index=True))
    """UTC, stored naive; the version is live from this instant until the next one."""
    origin: str = SQLField(max_length=200)
    """Where it came from: ``file NAME`` at start, ``admin api`` or ``admin page``."""


class Credential(SQLModel, table=True):
    """A secret known only by its salted hash (the admin token)."""

    __tablename__ = "credential"

    name: str = SQLField(primary_key=True, max_length=50)
    scheme: str = SQLField(max_length=100)
    salt: str = SQLField(max_length=64)
    digest: str = SQLField(max_length=256)
    created_at: datetime = SQLField(sa_column=_when())


class RemovalRequest(SQLModel, table=True):
    """A creator's request to have works removed, and the site's decision."""

    __tablename__ = "removal_request"

    id: str = SQLField(primary_key=True, max_length=32)
    receipt_sha256: str = SQLField(max_length=64)
    urls: str = SQLField(sa_column=Column(Text(), nullable=False))
    """JSON array of URLs (one URL prefix when ``prefix``)."""
    prefix: bool = False
    uses: str = SQLField(default=WITHDRAWN_BEFORE_USES, sa_column=Column(Text(), nullable=False))
    """JSON array of the withdrawn uses, narrower ones included (policies/signals/removals.py)."""
    requester_name: str = SQLField(max_length=MAX_NAME_CHARS)
    contact: str = SQLField(max_length=MAX_CONTACT_CHARS)
    relation: str = SQLField(max_length=MAX_RELATION_CHARS)
    message: str = SQLField(sa_column=Column(Text(), nullable=False))
    status: str = SQLField(default="pending", max_length=16, index=True)
    reason: str = SQLField(default="", sa_column=Column(Text(), nullable=False))
    created_at: datetime = SQLField(sa_column=_when())
    decided_at: datetime | None = SQLField(default=None, sa_column=_when(nullable=True))


class Violation(SQLModel, table=True):
    """One request the policy in force denied (docs/enforcement.md); rows are only inserted."""

    __tablename__ = "violation"

    id: int | None = SQLField(default=None, primary_key=True)
    time: datetime = SQLField(sa_column=_when(index=True))
    """UTC, stored naive: when the request arrived."""
    agent: str = SQLField(max_length=100, index=True)
    """The catalogue token the request claimed (or the signer's entry)."""
    level: str = SQLField(max_length=16)
    """``signature``, ``ip-range``, ``unverified`` or ``spoofed``."""
    evidence: str = SQLField(sa_column=Column(Text(), nullable=False))
    """How the identity was verified, in words (the signer and key, or the network and snapshot)."""
    signer: str | None = SQLField(default=None, max_length=300)
    client_ip: str = SQLField(max_length=80)
    """As the site owner chose to keep it: ``full``, ``truncated`` or ``hashed`` (ip_mode)."""
    ip_mode: str = SQLField(max_length=10)
    user_agent: str = SQLField(max_length=MAX_USER_AGENT_CHARS)
    method: str = SQLField(max_length=16)
    path: str = SQLField(sa_column=Column(Text(), nullable=False))
    policy_number: int
    policy_version: str = SQLField(max_length=80)
    denied: str = SQLField(max_length=20)
    """``access``, a use (``ai-train``...) or ``identity`` (a refuted claim)."""
    rule: str = SQLField(sa_column=Column(Text(), nullable=False))
    """The policy entry that denied it, as the owner wrote it."""
    action: str = SQLField(max_length=10)
    status: int
    """The status answered (the upstream's or the file's when served)."""
    blocked: bool


class CrawlerDay(SQLModel, table=True):
    """Requests from crawlers per UTC day, agent and verification level (the admin charts)."""

    __tablename__ = "crawler_day"

    day: str = SQLField(primary_key=True, max_length=10)
    agent: str = SQLField(primary_key=True, max_length=100)
    level: str = SQLField(primary_key=True, max_length=16)
    requests: int = 0
    violations: int = 0
    blocked: int = 0


class LicenceClient(SQLModel, table=True):
    """A licensee registered by the admin (OLP client registration, out of band).

    The secret is kept only as its salted scrypt hash (signalserver/security.py); a revoked
    client keeps its row, so the ledger's licensee always names a known client.
    """

    __tablename__ = "licence_client"

    client_id: str = SQLField(primary_key=True, max_length=64)
    name: str = SQLField(max_length=MAX_NAME_CHARS)
    scheme: str = SQLField(max_length=100)
    salt: str = SQLField(max_length=64)
    digest: str = SQLField(max_length=256)
    key_thumbprint: str = SQLField(default="", max_length=64)
    """RFC 7638 thumbprint of the client's registered Web Bot Auth key, ``""`` when none."""
    key_jwk: str = SQLField(default="", sa_column=Column(Text(), nullable=False))
    """The registered public JWK (JSON), ``""`` when none."""
    created_at: datetime = SQLField(sa_column=_when())
    revoked_at: datetime | None = SQLField(default=None, sa_column=_when(nullable=True))


class LicenceIssued(SQLModel, table=True):
    """One licence token issued (usage ledger); rows are only inserted."""

    __tablename__ = "licence_issued"

    token_id: str = SQLField(primary_key=True, max_length=64)
    licensee: str = SQLField(max_length=64, index=True)
    offer_id: str = SQLField(max_length=100)
    scope: str = SQLField(sa_column=Column(Text(), nullable=False))
    resource: str = SQLField(sa_column=Column(Text(), nullable=False))
    """The absolute URL the client asked for (the ``resource`` parameter)."""
    usage: str = SQLField(max_length=200)
    payment: str = SQLField(max_length=20)
    price: str = SQLField(max_length=60)
    """``USD 0.05`` or ``""``: per fetch for ``crawl``, else owed once, at issue."""
    amount: str = SQLField(max_length=40)
    """The amount owed at issue (decimal string; ``0`` for ``crawl`` and free offers)."""
    currency: str = SQLField(max_length=3)
    policy_version: str = SQLField(max_length=80)
    rightsholder: str = SQLField(max_length=300)
    creators: str = SQLField(sa_column=Column(Text(), nullable=False))
    """JSON array of the creators the offer names."""
    key_thumbprint: str = SQLField(max_length=64)
    grant_type: str = SQLField(max_length=32)
    issued_at: datetime = SQLField(sa_column=_when(index=True))
    expires_at: datetime = SQLField(sa_column=_when())


class LicensedFetch(SQLModel, table=True):
    """One fetch served under a licence token (usage ledger); rows are only inserted."""

    __tablename__ = "licensed_fetch"

    id: int | None = SQLField(default=None, primary_key=True)
    token_id: str = SQLField(max_length=64, index=True)
    licensee: str = SQLField(max_length=64, index=True)
    offer_id: str = SQLField(max_length=100)
    path: str = SQLField(sa_column=Column(Text(), nullable=False))
    usage: str = SQLField(max_length=200)
    amount: str = SQLField(max_length=40)
    """Charged for this fetch (``payment = crawl``), else ``0``."""
    currency: str = SQLField(max_length=3)
    policy_version: str = SQLField(max_length=80)
    """The policy in force when the fetch was served (may be newer than the token's)."""
    identity: str = SQLField(sa_column=Column(Text(), nullable=False))
    """The verified identity: ``web-bot-auth <keyid>`` or ``unverified``."""
    time: datetime = SQLField(sa_column=_when(index=True))


class LicenceKey(SQLModel, table=True):
    """The licence server's Ed25519 signing key, made at first start (kept: tokens outlive
    restarts). The private JWK lives in the database the ledger lives in, nowhere else."""

    __tablename__ = "licence_key"

    kid: str = SQLField(primary_key=True, max_length=64)
    private_jwk: str = SQLField(sa_column=Column(Text(), nullable=False))
    created_at: datetime = SQLField(sa_column=_when())


# --- API shapes -----------------------------------------------------------------------------


class DecisionIn(BaseModel):
    """An admin's decision on a removal request; a rejection needs a reason."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    decision: Literal["approve", "reject"]
    reason: str = Field(default="", max_length=MAX_REASON_CHARS)

    @model_validator(mode="after")
    def _reason(self) -> DecisionIn:
        if self.decision == "reject" and not self.reason:
            raise ValueError("a rejection needs a reason the requester will read")
        return self


class PolicyIn(BaseModel):
    """A new policy sent as JSON (``text/plain`` and ``application/toml`` bodies work too)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)


_FLAGS: Final = {"true": True, "1": True, "false": False, "0": False}


def _flag(value: object) -> object:
    """A query-string flag: ``true``/``false``/``1``/``0`` in any case, nothing looser."""
    if isinstance(value, str):
        found = _FLAGS.get(value.lower())
        if found is None:
            raise ValueError("true or false")
        return found
    return value


Flag = Annotated[
    bool,
    BeforeValidator(_flag),
    WithJsonSchema({"type": "string", "enum": list(_FLAGS)}, mode="validation"),
]


class CheckIn(BaseModel):
    """The query of ``GET /api/v1/check``: what ``heedful check --json`` is asked."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    url: str = Field(
        min_length=1, max_length=MAX_CHECK_URL_CHARS, description="An absolute http(s) URL."
    )
    agent: str = Field(default=HEEDFUL_TOKEN, min_length=1, max_length=MAX_AGENT_CHARS)
    use: Use = Use.GENAI_TRAIN
    mode: Mode = Mode.OPT_OUT
    tdm_covers_search: Flag = False
    aipref_draft: AiprefDraft = DEFAULT_AIPREF_DRAFT

    @field_validator("agent")
    @classmethod
    def _printable(cls, value: str) -> str:
        if not value.isprintable():
            raise ValueError(f"1 to {MAX_AGENT_CHARS} printable characters")
        return value


class RemovalsQueryIn(BaseModel):
    """The query of ``GET /api/v1/admin/removals``: which requests to list."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    status: RemovalStatus | None = Field(default=None, description="Only requests in this state.")


Uri = Annotated[str, Field(max_length=MAX_URL_CHARS, json_schema_extra={"format": "uri"})]


class RemovalRequestIn(BaseModel):
    """Give either urls (one or more) or url_prefix. Every address must be on the site's own
    origin (the policy's [site] url or the server's --base-url: same scheme, host and port; a
    subdomain is another site). A refusal is a 400 whose error and errors[].message are plain
    sentences for the requester, with errors[].field naming the field.

    signalserver/removal_input.py reads a request against these limits in the requester's words.
    """

    model_config = ConfigDict(extra="forbid", title="RemovalIn")

    urls: list[Uri] = Field(default_factory=list, max_length=MAX_URLS)
    url_prefix: Uri | None = None
    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    contact: str = Field(min_length=3, max_length=MAX_CONTACT_CHARS)
    relation: str = Field(min_length=1, max_length=MAX_RELATION_CHARS)
    text: str = Field(default="", max_length=MAX_TEXT_CHARS)
    uses: list[Use] | None = Field(
        default=None,
        min_length=1,
        description=(
            "The uses withdrawn (docs/decisions.md vocabulary); a use takes its narrower ones "
            "with it, except search. Default: every AI use "
            '["tdm", "ai-train", "genai-train", "ai-input"]. Search is withdrawn only when '
            '"search" is listed.'
        ),
    )


class ErrorItem(BaseModel):
    """One problem: at least a message; ``field``, ``file``, ``line``, ``key`` when they apply."""

    model_config = ConfigDict(extra="allow")

    message: str


class ErrorOut(BaseModel):
    """Every error of every route (signalserver/middlewares.py)."""

    model_config = ConfigDict(title="Error")

    ok: Literal[False]
    status: int
    error: str
    errors: list[ErrorItem] = Field(min_length=1)


class ReasonOut(BaseModel):
    signal: str
    source: str
    location: str
    rule: str
    effect: str
    note: str = ""


class DecisionOut(BaseModel):
    """The explained decision (``heedful check --json``; policies.model.Decision.as_dict)."""

    model_config = ConfigDict(title="Decision")

    url: str
    agent: str
    use: Use
    mode: Mode
    verdict: Verdict
    access: Verdict
    status: int | None = Field(default=None, description="The page's HTTP status, when fetched.")
    uses: dict[str, str]
    reasons: list[ReasonOut] = Field(min_length=1)
    offers: list[dict[str, Any]]


class PolicyVersionOut(BaseModel):
    """One stored policy version (the text only where asked for)."""

    model_config = ConfigDict(title="PolicyVersion")

    number: int
    version: str
    sha256: str
    created_at: str
    origin: str
    text: str | None = None


class RemovalPublic(BaseModel):
    """What the requester may see: their request's targets and the decision, nothing else."""

    id: str
    status: RemovalStatus
    reason: str
    urls: list[str]
    prefix: bool
    uses: list[Use]
    created_at: str
    decided_at: str | None


class RemovalAdmin(RemovalPublic):
    """A removal request as the admin sees it, with the requester's details."""

    requester_name: str
    contact: str
    relation: str
    text: str


class HealthOut(BaseModel):
    """Alive, and which policy version is live."""

    ok: bool
    policy_version: str
    policy_number: int
    live_since: str


SERVER_TABLES = frozenset(
    str(model.__tablename__)
    for model in (
        PolicyVersion,
        Credential,
        RemovalRequest,
        Violation,
        CrawlerDay,
        LicenceClient,
        LicenceIssued,
        LicensedFetch,
        LicenceKey,
    )
)
"""The tables this server owns. SQLModel keeps one metadata for every model a process imports
(the crawler's ledger too), so migrations and their checks look at these tables only."""


def owns(
    _object: object, name: str | None, type_: str, _reflected: bool, _compare_to: object
) -> bool:
    """Alembic ``include_object`` hook: compare and migrate only the server's own tables."""
    return type_ != "table" or name in SERVER_TABLES
