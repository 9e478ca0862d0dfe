"""The public API: the check endpoint, the OpenAPI document and health."""

from __future__ import annotations

from typing import Final

from aiohttp import web

from policies.agents import HEEDFUL_TOKEN
from policies.model import DEFAULT_AIPREF_DRAFT, AiprefDraft, Mode, Use
from signalserver.checking import BadCheckURL, CheckQuery
from signalserver.errors import ApiError
from signalserver.keys import CHECKER, STATE
from signalserver.openapi import openapi_document
from signalserver.store import iso

routes = web.RouteTableDef()

MAX_AGENT_CHARS: Final = 200
MAX_CHECK_URL_CHARS: Final = 4096
_BOOLEANS: Final = {"true": True, "1": True, "false": False, "0": False}


def _query(request: web.Request) -> CheckQuery:
    """Validate the check parameters; every problem is reported at once."""
    params = request.query
    problems: list[dict[str, object]] = []
    url = params.get("url", "")
    if not url:
        problems.append({"field": "url", "message": "url: required (an absolute http(s) URL)"})
    elif len(url) > MAX_CHECK_URL_CHARS:
        problems.append({"field": "url", "message": f"url: longer than {MAX_CHECK_URL_CHARS}"})
    agent = params.get("agent", HEEDFUL_TOKEN).strip()
    if not agent or len(agent) > MAX_AGENT_CHARS or not agent.isprintable():
        problems.append(
            {"field": "agent", "message": f"agent: 1 to {MAX_AGENT_CHARS} printable characters"}
        )
    use = params.get("use", Use.GENAI_TRAIN.value)
    if use not in Use.__members__.values():
        problems.append({"field": "use", "message": f"use: one of {', '.join(Use)}"})
    mode = params.get("mode", Mode.OPT_OUT.value)
    if mode not in Mode.__members__.values():
        problems.append({"field": "mode", "message": f"mode: one of {', '.join(Mode)}"})
    covers = params.get("tdm_covers_search", "false").lower()
    if covers not in _BOOLEANS:
        problems.append(
            {"field": "tdm_covers_search", "message": "tdm_covers_search: true or false"}
        )
    draft = params.get("aipref_draft", DEFAULT_AIPREF_DRAFT.value)
    if draft not in AiprefDraft.__members__.values():
        problems.append(
            {"field": "aipref_draft", "message": f"aipref_draft: one of {', '.join(AiprefDraft)}"}
        )
    if problems:
        raise ApiError(400, "invalid check parameters", problems)
    return CheckQuery(
        url=url,
        agent=agent,
        use=Use(use),
        mode=Mode(mode),
        tdm_covers_search=_BOOLEANS[covers],
        aipref_draft=AiprefDraft(draft),
    )


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
    return web.json_response(openapi_document())


@routes.get("/api/v1/health")
async def health(request: web.Request) -> web.Response:
    """Alive, and which policy version is live (no database round trip: it must stay cheap)."""
    live = request.app[STATE].live
    return web.json_response(
        {
            "ok": True,
            "policy_version": live.version,
            "policy_number": live.number,
            "live_since": iso(live.created_at),
        }
    )


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.StreamResponse:
    return await health(request)
