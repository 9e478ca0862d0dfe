"""Turn everything a site said about a URL into one explained :class:`Decision`.

The resolution follows standards.md 12.3: access first (robots.txt, then the response status),
then each mechanism's own precedence (done by its reader), then the use hierarchy per statement,
then "most restrictive wins" across statements, then the mode's default for what stays unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from policies.content_signal import parse_content_signal
from policies.content_usage import parse_content_usage
from policies.agents import training_agents
from policies.fetching import Availability, page_access
from policies.headers import header_values
from policies.model import (
    STRICTNESS,
    Decision,
    LicenseOffer,
    Mode,
    Permission,
    Reason,
    Signal,
    Statement,
    Use,
    Verdict,
    apply_hierarchy,
    most_restrictive,
)
from policies.robots_tag import robots_tag_statements
from policies.site import PageSignals, SiteSignals
from policies.tdmrep import resolve_tdmrep, tdmrep_header_statement, tdmrep_meta_statement

DEFAULTS = {Mode.OPT_OUT: Permission.ALLOW, Mode.CONSENT: Permission.DENY}
"""What an unknown use means in each mode (standards.md 12.3 step 6)."""

_TO_VERDICT = {
    Permission.ALLOW: Verdict.ALLOW,
    Permission.DENY: Verdict.DENY,
    Permission.LICENSE: Verdict.LICENSE,
}


def evaluate(
    site: SiteSignals,
    page: PageSignals | None = None,
    *,
    url: str,
    agent: str,
    use: Use,
    mode: Mode = Mode.OPT_OUT,
    tdm_covers_search: bool = False,
    strict: bool = False,
) -> Decision:
    """Decide ``use`` of ``url`` for ``agent``; ``page`` is ``None`` before the URL is fetched.

    Before a fetch, only site-wide files speak; the crawler asks again with the response.
    ``strict`` also reads a robots.txt ``Disallow`` for any known AI-training crawler as a
    reservation of AI training (standards.md 10.2 control-token notes: a site that blocks the
    training crawlers by name means it, even for crawlers it did not name).
    """
    access, access_reason = _access(site, page, url=url, agent=agent)
    statements = [
        *(strict_statements(site, url=url) if strict else ()),
        *site_statements(site, url=url, agent=agent),
        *page_statements(site, page, url=url, agent=agent),
    ]
    spread = [
        (stmt, apply_hierarchy(stmt.uses, tdm_covers_search=tdm_covers_search))
        for stmt in statements
    ]
    uses = {u: most_restrictive(*(vector[u] for _, vector in spread)) for u in Use}
    asked = uses[use]

    reasons = [access_reason]
    deciding = sorted(
        ((stmt, vector[use]) for stmt, vector in spread if vector[use] is not Permission.UNKNOWN),
        key=lambda pair: -STRICTNESS[pair[1]],
    )
    reasons.extend(
        _reason(stmt, str(effect), inherited=use not in stmt.uses) for stmt, effect in deciding
    )
    offers = _offers(stmt for stmt, effect in deciding if effect is Permission.LICENSE)

    if access is Verdict.DENY:
        verdict = Verdict.DENY
    elif access is Verdict.LICENSE and asked is not Permission.DENY:
        verdict = Verdict.LICENSE
    elif asked is Permission.UNKNOWN:
        default = DEFAULTS[mode]
        verdict = _TO_VERDICT[default]
        reasons.append(
            Reason(
                signal=Signal.DEFAULT,
                source="",
                location="default",
                rule=f"no statement about {use}",
                effect=f"default {default}",
                note=f"mode {mode}: "
                + (
                    "unknown means allowed (EU DSM Art. 4(3) opt-out)"
                    if mode is Mode.OPT_OUT
                    else "only an explicit allow or a free licence lets content in"
                ),
            )
        )
    else:
        verdict = _TO_VERDICT[asked]
    reasons.extend(_reason(note, "unknown") for note in site.notes)
    return Decision(
        url=url,
        agent=agent,
        use=use,
        mode=mode,
        verdict=verdict,
        access=access,
        uses=uses,
        reasons=tuple(reasons),
        offers=offers,
    )


def site_statements(site: SiteSignals, *, url: str, agent: str) -> list[Statement]:
    """Statements from the origin's files that speak about ``url`` (the TDMRep file excluded:
    it is layered under the response's own TDMRep values in :func:`page_statements`)."""
    out: list[Statement] = []
    if site.robots is not None:
        out.extend(site.robots.use_statements(url, agent))
    if site.ai_txt is not None and (stmt := site.ai_txt.statement(url, agent)) is not None:
        out.append(stmt)
    out.extend(stmt for doc in site.licenses.values() if (stmt := doc.statement(url)) is not None)
    if site.removals is not None and (stmt := site.removals.statement(url)) is not None:
        out.append(stmt)
    return out


def strict_statements(site: SiteSignals, *, url: str) -> list[Statement]:
    """The strict reading: robots.txt keeps a known AI-training crawler out of ``url``."""
    if site.robots is None:
        return []
    named = {token.lower() for token in site.robots.named_agents()}
    for known in training_agents():
        if known.token.lower() not in named:
            continue
        access = site.robots.access(url, known.token)
        if not access.allowed:
            stmt = access.statement
            return [
                Statement(
                    signal=Signal.STRICT,
                    source=stmt.source,
                    location=stmt.location,
                    rule=stmt.rule,
                    uses={Use.AI_TRAIN: Permission.DENY},
                    note=f"strict mode: robots.txt keeps {known.token} out of this URL; "
                    "read as a reservation of AI training for every crawler",
                )
            ]
    return []


def page_statements(
    site: SiteSignals, page: PageSignals | None, *, url: str, agent: str
) -> list[Statement]:
    """Statements carried by the response, and the TDMRep value after its layering (2.7)."""
    file_stmt = site.tdmrep.statement(url) if site.tdmrep is not None else None
    if page is None:
        return [file_stmt] if file_stmt is not None else []
    out: list[Statement] = []
    metas = page.head.metas if page.head is not None else ()
    header_stmt = tdmrep_header_statement(page.headers, source=page.url).value
    meta_stmt = tdmrep_meta_statement([(m.name, m.content) for m in metas], source=page.url).value
    tdm = resolve_tdmrep(file_stmt, header_stmt, meta_stmt)
    if tdm is not None:
        out.append(tdm)
    for index, value in enumerate(header_values(page.headers, "content-usage")):
        parsed = parse_content_usage(value)
        out.append(
            _header_statement(
                Signal.CONTENT_USAGE, page.url, "Content-Usage", index, value, parsed.value.uses
            )
        )
    for index, value in enumerate(header_values(page.headers, "content-signal")):
        signal = parse_content_signal(value)
        out.append(
            _header_statement(
                Signal.CONTENT_SIGNAL, page.url, "Content-Signal", index, value, signal.value.uses
            )
        )
    out.extend(
        robots_tag_statements(
            page.headers, metas, agent=agent, source=page.url, image=page.image
        ).value
    )
    out.extend(
        stmt
        for doc_url, doc in page.licenses.items()
        if doc_url not in site.licenses and (stmt := doc.statement(url)) is not None
    )
    return out


def _access(
    site: SiteSignals, page: PageSignals | None, *, url: str, agent: str
) -> tuple[Verdict, Reason]:
    outcome = site.robots_outcome
    robots_url = site.origin.rstrip("/") + "/robots.txt"
    if outcome.availability is not Availability.FOUND or site.robots is None:
        allowed = outcome.availability is Availability.UNAVAILABLE
        verdict = Verdict.ALLOW if allowed else Verdict.DENY
        reason = Reason(
            signal=Signal.ROBOTS,
            source=robots_url,
            location="fetch",
            rule=outcome.reason,
            effect=f"access {verdict}",
        )
    else:
        result = site.robots.access(url, agent)
        verdict = Verdict.ALLOW if result.allowed else Verdict.DENY
        reason = _reason(result.statement, f"access {verdict}")
    if verdict is Verdict.ALLOW and page is not None and page.status is not None:
        control = page_access(page.status, page.headers, source=page.url)
        if control is not None:
            strongest = most_restrictive(*control.uses.values())
            verdict = Verdict.LICENSE if strongest is Permission.LICENSE else Verdict.DENY
            reason = _reason(control, f"access {verdict}")
    return verdict, reason


def _header_statement(
    signal: Signal, source: str, name: str, index: int, value: str, uses: Mapping[Use, Permission]
) -> Statement:
    location = f"header {name}" + (f" #{index + 1}" if index else "")
    return Statement(signal=signal, source=source, location=location, rule=value, uses=uses)


def _reason(stmt: Statement, effect: str, *, inherited: bool = False) -> Reason:
    note = stmt.note
    if inherited and effect not in ("unknown",) and not effect.startswith("access"):
        note = "; ".join(
            filter(None, [note, "through the use hierarchy (standards.md 12.3 step 3)"])
        )
    return Reason(
        signal=stmt.signal,
        source=stmt.source,
        location=stmt.location,
        rule=stmt.rule,
        effect=effect,
        note=note,
    )


def _offers(statements: Iterable[Statement]) -> tuple[LicenseOffer, ...]:
    return tuple(dict.fromkeys(stmt.offer for stmt in statements if stmt.offer is not None))
