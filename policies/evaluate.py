"""Turn everything a site said about a URL into one explained :class:`Decision`.

The resolution follows docs/decisions.md: access first (robots.txt, then the response status),
then each mechanism's own precedence (done by its reader), then the use hierarchy per statement,
then "most restrictive wins" across statements, then the mode's default for what stays unknown.

Everything that does not depend on the URL is prepared when the origin's files and the page are
read (:func:`heedful.policies.signals.read.read_site`, :func:`heedful.policies.signals.read.read_page`): rules are compiled and
statements built there, so deciding a URL only matches paths and combines the statements found.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from heedful.policies.agents import training_agents
from heedful.policies.fetch.page_access import page_failure
from heedful.policies.fetch.statuses import Availability
from heedful.policies.model import (
    DEFAULT_AIPREF_DRAFT,
    STRICTNESS,
    AiprefDraft,
    Decision,
    LicenseOffer,
    Mode,
    Permission,
    Reason,
    Signal,
    Statement,
    Strictness,
    Use,
    Verdict,
    apply_hierarchy,
    reached_uses,
)
from heedful.policies.signals.content_usage import under_draft
from heedful.policies.signals.read import PageSignals, SiteSignals
from heedful.policies.signals.robots.product_names import group_key, name_key
from heedful.policies.signals.robots.training import training_preference_statements

DEFAULTS: Final = {Mode.OPT_OUT: Permission.ALLOW, Mode.CONSENT: Permission.DENY}
"""What an unknown use means in each mode (docs/decisions.md, Combining statements)."""

_DEFAULT_NOTES: Final = {
    Mode.OPT_OUT: "mode opt-out: unknown means allowed (EU DSM Art. 4(3) opt-out)",
    Mode.CONSENT: "mode consent: only an explicit allow or a free licence lets content in",
}
_TO_VERDICT: Final = {
    Permission.ALLOW: Verdict.ALLOW,
    Permission.DENY: Verdict.DENY,
    Permission.LICENSE: Verdict.LICENSE,
}
_USES: Final = tuple(Use)
_BY_STRICTNESS: Final = tuple(sorted(STRICTNESS, key=STRICTNESS.__getitem__))
"""Permissions indexed by their strictness."""
_HIERARCHY_NOTE: Final = "through the use hierarchy (docs/decisions.md, Uses and their hierarchy)"
_EFFECTS: Final = {verdict: f"access {verdict}" for verdict in Verdict}
"""Each access verdict's reason effect."""
_UNKNOWNS: Final = (Permission.UNKNOWN,) * len(_USES)


def _spread_table(
    *, exact: bool, tdm_covers_search: bool
) -> Mapping[tuple[Permission, ...], tuple[int, ...]]:
    """Strictness per use, hierarchy applied, for every answer a statement can give.

    A statement answers each of the few uses with one of four permissions, so the hierarchy
    (:func:`heedful.policies.model.apply_hierarchy`) is a finite table: built here once, looked up per
    statement instead of recomputed per URL.
    """
    table: dict[tuple[Permission, ...], tuple[int, ...]] = {}
    for answers in itertools.product(tuple(Permission), repeat=len(_USES)):
        given = dict(zip(_USES, answers, strict=True))
        spread = given if exact else apply_hierarchy(given, tdm_covers_search=tdm_covers_search)
        table[answers] = tuple(STRICTNESS[spread[use]] for use in _USES)
    return MappingProxyType(table)


_SPREAD: Final = {
    (exact, covers): _spread_table(exact=exact, tdm_covers_search=covers)
    for exact in (False, True)
    for covers in (False, True)
}
"""``(exact, tdm_covers_search)`` -> the hierarchy table for statements of that kind."""


def _vector(stmt: Statement, tdm_covers_search: bool) -> tuple[int, ...]:
    answers = tuple(map(stmt.uses.get, _USES, _UNKNOWNS))
    return _SPREAD[stmt.exact, tdm_covers_search][answers]


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
    page_must_answer: bool = True,
    aipref_draft: AiprefDraft | str = DEFAULT_AIPREF_DRAFT,
) -> Decision:
    """Decide ``use`` of ``url`` for ``agent``; ``page`` is ``None`` before the URL is fetched.

    A page that gave no answer (404, 5xx, no response) is ``failed``: there is no page to use.
    Tools that ask what a site's signals say about a URL whatever its page answers -- the audit,
    ``heedful diff``, the signal server's check API -- pass ``page_must_answer=False`` and get
    the verdict of the signals, the response's headers included.

    Before a fetch, only site-wide files speak; the crawler asks again with the response.
    ``strict`` also reads a robots.txt ``Disallow`` for any known AI-training crawler as a
    reservation of AI training (the operators' crawler documentation control-token notes: a site
    that blocks the
    training crawlers by name means it, even for crawlers it did not name).

    ``aipref_draft`` is the draft-ietf-aipref-vocab revision ``Content-Usage`` values are read
    under (``08``, the current one, unless a tester replays a decision under ``07``); readers
    parse with the current revision, so only another one costs a second reading
    (docs/decisions.md, aipref revisions).
    """
    draft = AiprefDraft(aipref_draft)
    access, access_reason, crawlable = _access(
        site, page, url=url, agent=agent, page_must_answer=page_must_answer
    )
    statements = site_statements(site, url=url, agent=agent, crawlable=crawlable)
    statements.extend(page_statements(site, page, url=url, agent=agent))
    if strict:
        statements.extend(strict_statements(site, url=url))
    if draft is not DEFAULT_AIPREF_DRAFT:
        statements = [under_draft(stmt, draft) for stmt in statements]
    notes = unread_files(site, page, url=url)
    outcome = _outcome(access, access_reason, statements, notes, use, mode, tdm_covers_search)
    offers = outcome.offers
    control = page.access_control if page is not None else None
    if access is Verdict.LICENSE and control is not None and control.offer is not None:
        # docs/decisions.md, HTTP 402 dialects: the page's own 402 (or RSL challenge) is an offer
        # too; it is listed first, with its dialect and terms, so a checker sees what was asked.
        offers = tuple(dict.fromkeys((control.offer, *offers)))
    return Decision(
        url=url,
        agent=agent,
        use=use,
        mode=mode,
        verdict=outcome.verdict,
        access=access,
        uses=outcome.uses,
        reasons=outcome.reasons,
        offers=offers,
        terms=outcome.terms,
        status=page.status if page is not None else None,
        aipref_draft=str(draft),
    )


def unread_files(site: SiteSignals, page: PageSignals | None, *, url: str) -> tuple[Statement, ...]:
    """The site files that could not be read and that could still speak about ``url``.

    A TDMRep file no longer matters for ``url`` when one of its rules read whole matches it
    (the first match wins, TDMRep, section TDM File on the Origin Server) or when the response
    carries its own TDMRep header or meta, which supersede the file (TDMRep, section Processing
    priority).
    """
    if not site.notes:
        return ()
    settled = (site.tdmrep is not None and site.tdmrep.statement(url) is not None) or (
        page is not None and (page.tdmrep_header is not None or page.tdmrep_meta is not None)
    )
    if not settled:
        return site.notes
    return tuple(note for note in site.notes if note.signal is not Signal.TDMREP)


@dataclass(frozen=True, slots=True)
class _Outcome:
    """Everything a decision says besides its URL and agent."""

    verdict: Verdict
    uses: Mapping[Use, Permission]
    reasons: tuple[Reason, ...]
    offers: tuple[LicenseOffer, ...]
    terms: tuple[LicenseOffer, ...]


def _outcome(
    access: Verdict,
    access_reason: Reason,
    statements: list[Statement],
    notes: tuple[Statement, ...],
    use: Use,
    mode: Mode,
    tdm_covers_search: bool,
) -> _Outcome:
    """Hierarchy per statement, most restrictive across them, then the mode's default."""
    vectors = [_vector(stmt, tdm_covers_search) for stmt in statements]
    combined = (
        [max(column) for column in zip(*vectors, strict=True)] if vectors else [0] * len(_USES)
    )
    uses = {u: _BY_STRICTNESS[level] for u, level in zip(_USES, combined, strict=True)}
    position = _USES.index(use)
    asked = uses[use]

    deciding = [
        (vector[position], stmt)
        for stmt, vector in zip(statements, vectors, strict=True)
        if vector[position]
    ]
    deciding.sort(key=_strictest_first)
    reasons = [access_reason]
    reasons.extend(
        _reason(stmt, _BY_STRICTNESS[level].value, inherited=use not in stmt.uses)
        for level, stmt in deciding
    )
    offers = _offers(stmt for level, stmt in deciding if level == Strictness.LICENSE)

    unread = [
        note
        for note in notes
        if use in reached_uses(note.uses, tdm_covers_search=tdm_covers_search)
    ]
    verdict: Verdict
    if access is Verdict.FAILED or access is Verdict.DENY:
        verdict = access
    elif asked is Permission.DENY:
        verdict = Verdict.DENY
    elif unread:
        # docs/decisions.md, Signal files that cannot be read: a file that may reserve this use
        # could not be read, so the use is neither allowed nor denied until it can be.
        verdict = Verdict.UNKNOWN
    elif access is Verdict.LICENSE:
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
                note=_DEFAULT_NOTES[mode],
            )
        )
    else:
        verdict = _TO_VERDICT[asked]
    reasons.extend(_reason(note, "unknown") for note in notes)
    terms: tuple[LicenseOffer, ...] = ()
    if verdict is Verdict.ALLOW:
        terms = tuple(
            dict.fromkeys(
                offer
                for level, stmt in deciding
                if level == Strictness.ALLOW
                for offer in stmt.terms.get(use, ())
            )
        )
    return _Outcome(verdict, MappingProxyType(uses), tuple(reasons), offers, terms)


def site_statements(
    site: SiteSignals, *, url: str, agent: str, crawlable: bool | None = None
) -> list[Statement]:
    """Statements from the origin's files that speak about ``url`` (the TDMRep file excluded:
    it is layered under the response's own TDMRep values in :func:`page_statements`).

    ``crawlable`` is the robots.txt answer when the caller has it: robots.txt preferences
    attach only to URLs the crawler may fetch (aipref attach 3).
    """
    out: list[Statement] = []
    if site.robots is not None:
        out.extend(site.robots.use_statements(url, agent, allowed=crawlable))
        # draft-kelley-aipref-training-preference-signal-00: a group for the shared policy token
        # is a training preference for every crawler, whatever its own group says about access.
        out.extend(training_preference_statements(site.robots, url))
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
    named = {group_key(value) for value in site.robots.named_agents()}
    for known in training_agents():
        if name_key(known.token) not in named:
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
    """Statements carried by the response, and the TDMRep value after its layering (TDMRep, section Processing priority)."""
    file_stmt = site.tdmrep.statement(url) if site.tdmrep is not None else None
    if page is None:
        return [file_stmt] if file_stmt is not None else []
    out = list(page.statements)
    if (tdm := page.tdmrep_over(file_stmt)) is not None:
        out.append(tdm)
    out.extend(page.agent_statements(agent))
    for doc_url, doc in page.licenses.items():
        if doc_url not in site.licenses and (stmt := doc.statement(url)) is not None:
            out.append(stmt)
    return out


def _access(
    site: SiteSignals,
    page: PageSignals | None,
    *,
    url: str,
    agent: str,
    page_must_answer: bool = True,
) -> tuple[Verdict, Reason, bool]:
    """Access verdict, its reason, and whether robots.txt lets the crawler fetch ``url``."""
    outcome = site.robots_outcome
    robots = site.robots
    if outcome.availability is not Availability.FOUND or robots is None:
        crawlable = outcome.availability is Availability.UNAVAILABLE
        # No answer at all (refused, timed out, no such host) is the host failing, not the site
        # saying no: RFC 9309 section 2.3.1.4's complete disallow still keeps the crawler out,
        # and the verdict says ``failed`` so a checker does not report it as the site's refusal.
        verdict = _crawlable(crawlable) if outcome.answered else Verdict.FAILED
        reason = Reason(
            signal=Signal.ROBOTS,
            source=site.origin.rstrip("/") + "/robots.txt",
            location="fetch",
            rule=outcome.reason,
            effect=_EFFECTS[verdict],
        )
    else:
        result = robots.access(url, agent)
        crawlable = result.allowed
        verdict = _crawlable(crawlable)
        reason = result.reason
    if not crawlable or page is None:
        return verdict, reason, crawlable
    if page_must_answer and (failure := page_failure(page.status, page.error)):
        return Verdict.FAILED, _page_failed(page, failure), crawlable
    control = page.access_control
    if control is not None:
        licensed = Permission.LICENSE in control.uses.values()
        verdict = Verdict.LICENSE if licensed else Verdict.DENY
        reason = _reason(control, _EFFECTS[verdict])
    return verdict, reason, crawlable


def _page_failed(page: PageSignals, failure: str) -> Reason:
    return Reason(
        signal=Signal.HTTP_STATUS,
        source=page.url,
        location=f"status {page.status}" if page.status is not None else "fetch",
        rule=failure,
        effect=_EFFECTS[Verdict.FAILED],
        note="no verdict: the page's own statements could not be read",
    )


def _crawlable(allowed: bool) -> Verdict:
    return Verdict.ALLOW if allowed else Verdict.DENY


def _strictest_first(pair: tuple[int, Statement]) -> int:
    return -pair[0]


def _reason(stmt: Statement, effect: str, *, inherited: bool = False) -> Reason:
    note = stmt.note
    if inherited and effect != "unknown" and not effect.startswith("access"):
        note = f"{note}; {_HIERARCHY_NOTE}" if note else _HIERARCHY_NOTE
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
