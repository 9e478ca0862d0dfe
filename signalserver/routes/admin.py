"""The admin API (bearer token): the policy, its history, removal decisions, the violation
log, and the licence server's clients and statement."""

from __future__ import annotations

import json
import re
from datetime import datetime

from aiohttp import web

from heedful.signalserver import licence_store, store
from heedful.signalserver.auth import rate_limit, require_admin
from heedful.signalserver.errors import ApiError, NotFound
from heedful.signalserver.keys import DATABASE, LICENSING, RECORDER
from heedful.signalserver.licence_clients import client_view, register
from heedful.signalserver.models import (
    CrawlerDay,
    DecisionIn,
    PolicyIn,
    PolicyVersion,
    PolicyVersionOut,
    RemovalRequest,
    RemovalsQueryIn,
    Violation,
)
from heedful.signalserver.publishing import refresh_removals, replace_policy
from heedful.signalserver.routes.removals import admin_view, json_object
from heedful.signalserver.statement import PeriodError, statement

routes = web.RouteTableDef()

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
POLICY_TYPES = ("text/plain", "application/toml", "text/x-toml")


def version_view(row: PolicyVersion, *, text: bool) -> dict[str, object]:
    assert row.number is not None  # a stored row
    out = PolicyVersionOut(
        number=row.number,
        version=f"{row.number}-{row.sha256[:12]}",
        sha256=row.sha256,
        created_at=store.iso(row.created_at),
        origin=row.origin,
        text=row.text if text else None,
    )
    return out.model_dump(exclude_none=True)


def _when(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise ApiError(400, "at: expected an ISO 8601 time such as 2026-11-25T12:00:00Z") from None
    return store.aware(when)


@routes.get("/api/v1/admin/policy")
async def get_policy(request: web.Request) -> web.Response:
    """The live policy, or with ``?at=TIME`` the one that was live then."""
    await require_admin(request)
    db = request.app[DATABASE]
    at = request.query.get("at")
    row = await (store.policy_at(db, _when(at)) if at else store.latest_policy(db))
    if row is None:
        raise NotFound(f"no policy was live at {at}")
    return web.json_response(version_view(row, text=True))


async def _policy_text(request: web.Request) -> str:
    if request.content_type == "application/json":
        return PolicyIn.model_validate(await json_object(request)).text
    if request.content_type not in POLICY_TYPES:
        raise ApiError(
            415, 'send the policy as text/plain or application/toml, or JSON {"text": ...}'
        )
    raw = await request.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "the policy must be UTF-8 text") from None


@routes.put("/api/v1/admin/policy")
@routes.post("/api/v1/admin/policy")
async def put_policy(request: web.Request) -> web.Response:
    """Replace the policy: validated first; on any problem the old one stays live (422)."""
    await require_admin(request)
    rate_limit(request)
    text = await _policy_text(request)
    live = await replace_policy(request.app, text, origin="admin api")
    row = await store.policy_by_number(request.app[DATABASE], live.number)
    return web.json_response({"ok": True, **version_view(row, text=False)}, status=201)


@routes.get("/api/v1/admin/policy/history")
async def history(request: web.Request) -> web.Response:
    await require_admin(request)
    rows = await store.policy_history(request.app[DATABASE])
    return web.json_response({"versions": [version_view(r, text=False) for r in rows]})


@routes.get("/api/v1/admin/policy/versions/{number}")
async def policy_version(request: web.Request) -> web.Response:
    await require_admin(request)
    number = request.match_info["number"]
    if not number.isdigit() or len(number) > 12:
        raise NotFound(f"no policy version {number!r}")
    row = await store.policy_by_number(request.app[DATABASE], int(number))
    return web.json_response(version_view(row, text=True))


@routes.get("/api/v1/admin/removals")
async def list_removals(request: web.Request) -> web.Response:
    await require_admin(request)
    query = RemovalsQueryIn.model_validate(dict(request.query))
    rows = await store.removals(request.app[DATABASE], status=query.status)
    return web.json_response({"removals": [admin_view(r) for r in rows]})


async def decide(request: web.Request, removal_id: str, decision: DecisionIn) -> RemovalRequest:
    row = await store.decide_removal(request.app[DATABASE], removal_id, decision)
    if row.status == "approved":
        await refresh_removals(request.app)
    return row


@routes.post("/api/v1/admin/removals/{id}")
async def decide_removal(request: web.Request) -> web.Response:
    """Approve or reject (with a reason); an approval is published at once."""
    await require_admin(request)
    decision = DecisionIn.model_validate(await json_object(request))
    row = await decide(request, request.match_info["id"], decision)
    return web.json_response(admin_view(row))


def violation_view(row: Violation) -> dict[str, object]:
    """One violation as the API and ``heedful violations`` give it."""
    return {
        "id": row.id,
        "time": store.iso(row.time),
        "agent": row.agent,
        "verification": row.level,
        "evidence": row.evidence,
        "signer": row.signer,
        "client_ip": row.client_ip,
        "ip_stored_as": row.ip_mode,
        "user_agent": row.user_agent,
        "method": row.method,
        "path": row.path,
        "policy_number": row.policy_number,
        "policy_version": row.policy_version,
        "denied": row.denied,
        "rule": row.rule,
        "action": row.action,
        "status": row.status,
        "blocked": row.blocked,
    }


def _flag(text: str | None, name: str) -> bool | None:
    if text is None:
        return None
    if text not in ("true", "false"):
        raise ApiError(400, f"{name}: true or false")
    return text == "true"


def _number(text: str | None, name: str, *, default: int | None = None) -> int | None:
    if text is None:
        return default
    if not text.isdigit() or len(text) > 12:
        raise ApiError(400, f"{name}: a whole number")
    return int(text)


@routes.get("/api/v1/admin/violations")
async def list_violations(request: web.Request) -> web.Response:
    """Violations newest first; filters ``since``, ``until``, ``agent``, ``verification``,
    ``blocked``; pages of ``limit`` (at most 1000), the next one from ``before=<next>``."""
    await require_admin(request)
    query = request.query
    await request.app[RECORDER].flush()
    limit = _number(query.get("limit"), "limit", default=100) or 100
    rows = await store.violations(
        request.app[DATABASE],
        since=_when(query["since"]) if "since" in query else None,
        until=_when(query["until"]) if "until" in query else None,
        agent=query.get("agent"),
        level=query.get("verification"),
        blocked=_flag(query.get("blocked"), "blocked"),
        before=_number(query.get("before"), "before"),
        limit=limit,
    )
    full = len(rows) == min(limit, store.MAX_PAGE)
    return web.json_response(
        {
            "violations": [violation_view(r) for r in rows],
            "next": rows[-1].id if rows and full else None,
        }
    )


@routes.get("/api/v1/admin/crawlers/daily")
async def crawlers_daily(request: web.Request) -> web.Response:
    """Requests, violations and refusals per UTC day, agent and verification level."""
    await require_admin(request)
    since = request.query.get("since")
    if since is not None and not _DAY.fullmatch(since):
        raise ApiError(400, "since: a day such as 2026-12-01")
    await request.app[RECORDER].flush()
    rows = await store.crawler_days(request.app[DATABASE], since=since)
    return web.json_response({"days": [day_view(r) for r in rows]})


def day_view(row: CrawlerDay) -> dict[str, object]:
    return {
        "day": row.day,
        "agent": row.agent,
        "verification": row.level,
        "requests": row.requests,
        "violations": row.violations,
        "blocked": row.blocked,
    }


# --- the licence server: clients and the statement (docs/server.md, Licence server) ----------


@routes.post("/api/v1/admin/licensing/clients")
async def add_licence_client(request: web.Request) -> web.Response:
    """Register a licensee: ``{"name": ..., "key": JWK object or PEM text}``; the secret is
    in this answer only (stored hashed)."""
    await require_admin(request)
    rate_limit(request)
    body = await json_object(request)
    name, key = body.get("name"), body.get("key")
    if not isinstance(name, str):
        raise ApiError(400, "name: the client's name is required")
    if isinstance(key, dict):
        key = json.dumps(key)
    if key is not None and not isinstance(key, str):
        raise ApiError(400, "key: a JWK object or PEM text")
    try:
        made = await register(request.app[DATABASE], name, key)
    except ValueError as exc:  # KeyFormatError too
        raise ApiError(400, str(exc)) from None
    view = client_view(made.row)
    return web.json_response({**view, "client_secret": made.client_secret}, status=201)


@routes.get("/api/v1/admin/licensing/clients")
async def list_licence_clients(request: web.Request) -> web.Response:
    await require_admin(request)
    rows = await licence_store.clients(request.app[DATABASE])
    return web.json_response({"clients": [client_view(r) for r in rows]})


@routes.post("/api/v1/admin/licensing/clients/{client_id}/revoke")
async def revoke_licence_client(request: web.Request) -> web.Response:
    await require_admin(request)
    rate_limit(request)
    row = await licence_store.revoke_client(request.app[DATABASE], request.match_info["client_id"])
    request.app[LICENSING].forget_client(row.client_id)
    return web.json_response(client_view(row))


@routes.get("/api/v1/admin/licensing/statement")
async def licensing_statement(request: web.Request) -> web.Response:
    """The statement for ``?period=2026-12`` (all time without one)."""
    await require_admin(request)
    try:
        document = await statement(request.app[DATABASE], request.query.get("period"))
    except PeriodError as exc:
        raise ApiError(400, str(exc)) from None
    return web.json_response(document)
