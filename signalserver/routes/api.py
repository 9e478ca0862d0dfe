"""The public API: the check endpoint, the OpenAPI document and health."""

from __future__ import annotations

from aiohttp import web
from pydantic import ValidationError

from signalserver.checking import BadCheckURL, CheckQuery
from signalserver.errors import ApiError
from signalserver.keys import CHECKER, OPENAPI, STATE
from signalserver.middlewares import validation_errors
from signalserver.models import CheckIn, HealthOut
from signalserver.store import iso

routes = web.RouteTableDef()


def _query(request: web.Request) -> CheckQuery:
    """The check parameters, validated by :class:`CheckIn`; every problem is reported at once."""
    try:
        checked = CheckIn.model_validate(dict(request.query))
    except ValidationError as exc:
        raise ApiError(400, "invalid check parameters", validation_errors(exc)) from None
    return CheckQuery(**dict(checked))


@routes.get("/api/v1/check")
async def check(request: web.Request) -> web.Response:
    """The explained decision for one URL, agent, use and mode (``heedful check --json``)."""
    query = _query(request)
    try:
        body = request.app[CHECKER].answer(query)
    except BadCheckURL as exc:
        raise ApiError(
            400, "invalid check parameters", [{"field": "url", "message": f"url: {exc}"}]
        ) from None
    return web.Response(body=body, content_type="application/json")


@routes.get("/api/v1/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return web.Response(body=request.app[OPENAPI], content_type="application/json")


@routes.get("/api/v1/health")
async def health(request: web.Request) -> web.Response:
    """Alive, and which policy version is live (no database round trip: it must stay cheap)."""
    live = request.app[STATE].live
    out = HealthOut(
        ok=True,
        policy_version=live.version,
        policy_number=live.number,
        live_since=iso(live.created_at),
    )
    return web.json_response(out.model_dump())


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.StreamResponse:
    return await health(request)
