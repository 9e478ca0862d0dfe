"""The public removal-request API: submit, then check status with the receipt."""

from __future__ import annotations

import hmac
import json

from aiohttp import web

from policies.origin import Origin
from signalserver import store
from signalserver.auth import rate_limit
from signalserver.errors import ApiError, NotFound
from signalserver.keys import DATABASE, STATE
from signalserver.models import RemovalAdmin, RemovalPublic, RemovalRequest
from signalserver.removal_input import read_removal, site_origins
from signalserver.security import sha256_hex

routes = web.RouteTableDef()
NO_SUCH_REQUEST = "There is no removal request with that number and receipt."


async def json_object(request: web.Request) -> dict[str, object]:
    """The request body as a JSON object, or a 400 that says what is wrong."""
    if request.content_type != "application/json":
        raise ApiError(415, "Send the body as JSON, with Content-Type: application/json.")
    raw = await request.read()
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise ApiError(400, f"The body is not valid JSON ({exc.msg} at {where}).") from None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The body is not valid JSON (it is not UTF-8 text).") from None
    if not isinstance(document, dict):
        raise ApiError(400, "The body must be a JSON object: {...}.")
    return document


def own_origins(request: web.Request) -> tuple[Origin, ...]:
    """The origins this site's removals may name, from the live policy and ``--base-url``."""
    state = request.app[STATE]
    return site_origins(state.live.policy.site.url, state.base_url)


def public_view(row: RemovalRequest) -> dict[str, object]:
    """What the requester may see: their request's targets and the decision, nothing else."""
    return RemovalPublic.model_validate(_public_fields(row)).model_dump(mode="json")


def _public_fields(row: RemovalRequest) -> dict[str, object]:
    return {
        "id": row.id,
        "status": row.status,
        "reason": row.reason,
        "urls": store.removal_urls(row),
        "prefix": row.prefix,
        "uses": list(store.removal_uses(row)),
        "created_at": store.iso(row.created_at),
        "decided_at": store.iso(row.decided_at) if row.decided_at else None,
    }


def admin_view(row: RemovalRequest) -> dict[str, object]:
    """A request with the requester's details, for the admin API."""
    fields = {
        **_public_fields(row),
        "requester_name": row.requester_name,
        "contact": row.contact,
        "relation": row.relation,
        "text": row.message,
    }
    return RemovalAdmin.model_validate(fields).model_dump(mode="json")


async def lookup(request: web.Request, removal_id: str, receipt: str) -> RemovalRequest:
    """The request, if the receipt matches; an unknown id and a wrong receipt look the same."""
    if not receipt or len(receipt) > 128 or not removal_id or len(removal_id) > 64:
        raise NotFound(NO_SUCH_REQUEST)
    try:
        row = await store.removal(request.app[DATABASE], removal_id)
    except NotFound:
        raise NotFound(NO_SUCH_REQUEST) from None
    if not hmac.compare_digest(row.receipt_sha256, sha256_hex(receipt)):
        raise NotFound(NO_SUCH_REQUEST)
    return row


@routes.post("/api/v1/removals")
async def submit(request: web.Request) -> web.Response:
    """201 with the id and the receipt (shown once; only its hash is stored)."""
    rate_limit(request)
    request_in = read_removal(await json_object(request), origins=own_origins(request))
    row, receipt = await store.add_removal(request.app[DATABASE], request_in)
    return web.json_response(
        {
            "ok": True,
            "id": row.id,
            "receipt": receipt,
            "status": row.status,
            "status_url": f"/api/v1/removals/{row.id}",
        },
        status=201,
    )


@routes.get("/api/v1/removals/{id}")
async def status(request: web.Request) -> web.Response:
    receipt = request.query.get("receipt", "")
    if not receipt:
        raise ApiError(400, "Give the receipt you were sent: ?receipt=...")
    row = await lookup(request, request.match_info["id"], receipt)
    return web.json_response(public_view(row))
