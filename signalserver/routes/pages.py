"""HTML pages for people: the removal form, the status page, and the admin review page.

Plain forms that work without JavaScript; every form carries a CSRF token; every bad input is
answered with the form again and a readable list of what to fix.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from multidict import MultiDict
from pydantic import ValidationError

from heedful.policies.model import Use
from heedful.policies.signals.removals import AI_USES
from heedful.signalserver import models, store
from heedful.signalserver.auth import (
    CSRF_FIELD,
    check_csrf,
    csrf_token,
    end_session,
    rate_limit,
    require_admin,
    start_session,
    token_valid,
)
from heedful.signalserver.charts import stacked_days
from heedful.signalserver.errors import ApiError
from heedful.signalserver.keys import DATABASE, RECORDER
from heedful.signalserver.middlewares import validation_errors
from heedful.signalserver.models import DecisionIn, RemovalRequest
from heedful.signalserver.removal_input import (
    USE_WORDS,
    RemovalRefused,
    origin_text,
    read_removal,
)
from heedful.signalserver.routes.admin import decide
from heedful.signalserver.routes.removals import lookup, own_origins
from heedful.signalserver.statement import PeriodError, statement
from heedful.signalserver.statement_page import values as statement_page_values
from heedful.signalserver.templating import Safe, escape, page

routes = web.RouteTableDef()

LIMITS = {
    "max_urls": models.MAX_URLS,
    "max_url": models.MAX_URL_CHARS,
    "max_name": models.MAX_NAME_CHARS,
    "max_contact": models.MAX_CONTACT_CHARS,
    "max_relation": models.MAX_RELATION_CHARS,
    "max_text": models.MAX_TEXT_CHARS,
}
FORM_FIELDS = ("urls", "url_prefix", "name", "contact", "relation", "text")
AI_USE_WORDS = ", ".join(USE_WORDS[use] for use in AI_USES[:-1]) + f" and {USE_WORDS[AI_USES[-1]]}"


def _html(
    request: web.Request, template: str, /, *, title: str, status: int = 200, **values: object
) -> web.Response:
    response = web.Response(status=status, content_type="text/html")
    csrf = csrf_token(request, response)
    filled = {k: v(csrf) if callable(v) else v for k, v in values.items()}
    response.text = page(template, title=title, csrf=csrf, **filled)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    )
    return response


async def _form(request: web.Request) -> MultiDict[str]:
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise ApiError(415, "Send the form from this site's removal page.")
    form = await request.post()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    return MultiDict((k, v) for k, v in form.items() if isinstance(v, str))


def _new_form(
    request: web.Request, *, status: int = 200, details: list[str] | None = None, **values: str
) -> web.Response:
    fields = {name: values.get(name, "") for name in FORM_FIELDS}
    origins = [origin_text(origin) for origin in own_origins(request)]
    sites = " or ".join(origins) or "this site"
    return _html(
        request,
        "removal_new.html",
        title="Ask for a work to be removed",
        status=status,
        details=details or [],
        search_checked=Safe(" checked") if values.get("search") else "",
        ai_uses=AI_USE_WORDS,
        sites=sites,
        first_site=origins[0] if origins else "https://",
        **fields,
        **LIMITS,
    )


def _see_other(location: str) -> web.Response:
    """A 303 to ``location`` that can still carry cookies (a raised one cannot)."""
    return web.Response(status=303, headers={"Location": location})


@routes.get("/removals/new")
async def new_removal(request: web.Request) -> web.Response:
    return _new_form(request)


@routes.post("/removals/new")
async def submit_removal(request: web.Request) -> web.Response:
    rate_limit(request)
    form = await _form(request)
    values = {name: str(form.get(name, "")) for name in FORM_FIELDS}
    search = form.get("search") == "withdraw"
    uses = [str(use) for use in AI_USES] + (["search"] if search else [])
    urls = [line.strip() for line in values["urls"].splitlines() if line.strip()]
    prefix = values["url_prefix"].strip()
    try:
        removal = read_removal(
            {**values, "urls": urls or None, "url_prefix": prefix or None, "uses": uses},
            origins=own_origins(request),
        )
    except RemovalRefused as exc:
        shown = {**values, "search": "withdraw" if search else ""}
        return _new_form(request, status=400, details=exc.problems, **shown)
    row, receipt = await store.add_removal(request.app[DATABASE], removal)
    return _html(
        request,
        "removal_receipt.html",
        title="Request received",
        status=201,
        id=row.id,
        receipt=receipt,
    )


def _status_result(row: RemovalRequest) -> Safe:
    words = {
        "pending": "is waiting for a decision",
        "approved": "was approved: the addresses are on the site's public removal list",
        "rejected": "was not approved",
    }
    said = escape(words.get(row.status, row.status))
    parts = [
        f'<p id="status" data-status="{escape(row.status)}">Request {escape(row.id)} {said}.</p>'
    ]
    if row.reason:
        parts.append(f'<p id="reason">Reason given: {escape(row.reason)}</p>')
    urls = "".join(f"<li>{escape(u)}</li>" for u in store.removal_urls(row))
    label = "Every address starting with" if row.prefix else "Addresses"
    parts.append(f"<p>{label}:</p><ul>{urls}</ul>")
    uses = store.removal_uses(row)
    withdrawn = "; ".join(USE_WORDS[use] for use in uses)
    search = "" if Use.SEARCH in uses else " Search engines may still index these addresses."
    parts.append(f'<p id="uses">Uses withdrawn: {escape(withdrawn)}.{escape(search)}</p>')
    return Safe("".join(parts))


@routes.get("/removals/status")
async def status_page(request: web.Request) -> web.Response:
    return _html(
        request,
        "removal_status.html",
        title="Check a removal request",
        details=[],
        result="",
        id=request.query.get("id", "")[:64],
    )


@routes.post("/removals/status")
async def status_lookup(request: web.Request) -> web.Response:
    form = await _form(request)
    removal_id = str(form.get("id", "")).strip()
    receipt = str(form.get("receipt", "")).strip()
    try:
        row = await lookup(request, removal_id, receipt)
    except ApiError as exc:
        return _html(
            request,
            "removal_status.html",
            title="Check a removal request",
            status=exc.status,
            details=[exc.message],
            result="",
            id=removal_id[:64],
        )
    return _html(
        request,
        "removal_status.html",
        title="Removal request status",
        details=[],
        result=_status_result(row),
        id=row.id,
    )


@routes.get("/admin/login")
async def login_page(request: web.Request) -> web.Response:
    return _html(request, "admin_login.html", title="Admin sign-in", details=[])


@routes.post("/admin/login")
async def login(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    if not await token_valid(request, str(form.get("token", "")).strip()):
        return _html(
            request,
            "admin_login.html",
            title="Admin sign-in",
            status=401,
            details=["That is not the admin token."],
        )
    response = _see_other("/admin/removals")
    start_session(request, response)
    return response


@routes.post("/admin/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    await _form(request)
    response = _see_other("/admin/login")
    end_session(response)
    return response


def _row(row: RemovalRequest, csrf: str) -> str:
    urls = "".join(f"<li>{escape(u)}</li>" for u in store.removal_urls(row))
    who = f"{escape(row.requester_name)} ({escape(row.relation)}), contact {escape(row.contact)}"
    cells = [
        f"<td>{escape(store.iso(row.created_at)[:19])}</td>",
        (
            f"<td>{'prefix ' if row.prefix else ''}<ul>{urls}</ul>"
            f"<p>Withdraws: {escape(', '.join(str(u) for u in store.removal_uses(row)))}</p></td>"
        ),
        f"<td>{who}<p>{escape(row.message)}</p></td>",
    ]
    if row.status == "pending":
        rid = escape(row.id)
        cells.append(
            f'<td><form method="post" action="/admin/removals/{rid}">'
            f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
            f'<label for="reason-{rid}">Reason (needed to reject)</label>'
            f'<textarea id="reason-{rid}" name="reason" rows="2" maxlength="{models.MAX_REASON_CHARS}"></textarea>'
            f'<button type="submit" name="decision" value="approve" id="approve-{rid}">Approve</button> '
            f'<button type="submit" name="decision" value="reject" id="reject-{rid}">Reject</button>'
            "</form></td>"
        )
    else:
        cells.append(
            f"<td>{escape(row.status)}{': ' + escape(row.reason) if row.reason else ''}</td>"
        )
    return f'<tr id="removal-{escape(row.id)}">{"".join(cells)}</tr>'


def _table(rows: list[RemovalRequest], csrf: str) -> Safe:
    if not rows:
        return Safe("<p>None.</p>")
    head = "<tr><th>Received</th><th>Addresses</th><th>Requester</th><th>Decision</th></tr>"
    return Safe(f"<table>{head}{''.join(_row(r, csrf) for r in rows)}</table>")


@routes.get("/admin/removals")
async def review_page(request: web.Request) -> web.StreamResponse:
    try:
        await require_admin(request, session=True)
    except ApiError:
        raise web.HTTPSeeOther("/admin/login") from None
    rows = await store.removals(request.app[DATABASE])
    pending = [r for r in rows if r.status == "pending"]
    decided = [r for r in rows if r.status != "pending"]
    return _html(
        request,
        "admin_removals.html",
        title="Removal requests",
        details=[],
        pending=lambda csrf: _table(pending, csrf),
        decided=lambda csrf: _table(decided, csrf),
    )


@routes.post("/admin/removals/{id}")
async def review_decide(request: web.Request) -> web.StreamResponse:
    await require_admin(request, session=True)
    form = await _form(request)
    try:
        decision = DecisionIn(
            decision=str(form.get("decision", "")),  # type: ignore[arg-type]
            reason=str(form.get("reason", "")),
        )
    except ValidationError as exc:
        raise ApiError(400, "the decision was not recorded", validation_errors(exc)) from None
    await decide(request, request.match_info["id"], decision)
    raise web.HTTPSeeOther("/admin/removals")


CHART_DAYS = 30
LATEST = 100


def daily_series(
    rows: list[models.CrawlerDay], field: str
) -> tuple[list[str], dict[str, list[int]]]:
    """Days (oldest first) and, per agent, the ``field`` count of each day."""
    days = sorted({r.day for r in rows})
    position = {day: i for i, day in enumerate(days)}
    series: dict[str, list[int]] = {}
    for row in rows:
        values = series.setdefault(row.agent, [0] * len(days))
        values[position[row.day]] += int(getattr(row, field))
    return days, series


def _violation_rows(rows: list[models.Violation]) -> Safe:
    if not rows:
        return Safe('<p id="none">None recorded.</p>')
    head = (
        "<tr><th>Time (UTC)</th><th>Agent</th><th>Identity</th><th>Address</th><th>Path</th>"
        "<th>Rule (policy version)</th><th>Answer</th></tr>"
    )
    body = "".join(
        f'<tr class="violation"><td>{escape(store.iso(r.time)[:19])}</td><td>{escape(r.agent)}</td>'
        f"<td>{escape(r.level)}</td><td>{escape(r.client_ip)}</td><td>{escape(r.path)}</td>"
        f"<td>{escape(r.rule)} ({escape(r.policy_version)})</td>"
        f"<td>{escape(r.status)}{' blocked' if r.blocked else ''}</td></tr>"
        for r in rows
    )
    return Safe(f'<table id="violations">{head}{body}</table>')


@routes.get("/admin/violations")
async def violations_page(request: web.Request) -> web.StreamResponse:
    try:
        await require_admin(request, session=True)
    except ApiError:
        raise web.HTTPSeeOther("/admin/login") from None
    db = request.app[DATABASE]
    await request.app[RECORDER].flush()
    since = (store.utcnow() - timedelta(days=CHART_DAYS - 1)).strftime("%Y-%m-%d")
    days_rows = await store.crawler_days(db, since=since)
    latest = await store.violations(db, limit=LATEST)
    days, requests = daily_series(days_rows, "requests")
    _, violations = daily_series(days_rows, "violations")
    total_requests = sum(r.requests for r in days_rows)
    total_violations = sum(r.violations for r in days_rows)
    return _html(
        request,
        "admin_violations.html",
        title="Crawlers and violations",
        details=[],
        totals=f"Last {CHART_DAYS} days: {total_requests} crawler requests, "
        f"{total_violations} violations.",
        requests_chart=stacked_days(
            "requests-chart", "Crawler requests per agent per day", days, requests
        ),
        violations_chart=stacked_days(
            "violations-chart", "Violations per agent per day", days, violations
        ),
        table=_violation_rows(latest),
    )


@routes.get("/admin/statement")
async def statement_page(request: web.Request) -> web.StreamResponse:
    """The licensing statement (``?period=2026-12``), for the signed-in admin."""
    try:
        await require_admin(request, session=True)
    except ApiError:
        raise web.HTTPSeeOther("/admin/login") from None
    try:
        document = await statement(request.app[DATABASE], request.query.get("period") or None)
    except PeriodError as exc:
        raise ApiError(400, str(exc)) from None
    shown = statement_page_values(document)
    return _html(
        request,
        "admin_statement.html",
        title="Licensing statement",
        details=[],
        period=shown["period"],
        note=shown["note"],
        table=shown["table"],
        reconciliation=shown["reconciliation"],
    )
