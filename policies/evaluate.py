"""Turn everything a site said about a URL into one explained :class:`Decision`.

The resolution follows docs/decisions.md: access first (robots.txt, then the response status),
then each mechanism's own precedence (done by its reader), then the use hierarchy per statement,
then "most restrictive wins" across statements, then the mode's default for what stays unknown.

Rules are compiled and statements built when the origin's files and the page are read
(:func:`heedful.policies.signals.read.read_site`, :func:`heedful.policies.signals.read.read_page`);
an :class:`OriginDecider` then prepares them for one agent and use, so deciding a URL only
matches its path and combines statements already prepared.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, NamedTuple

from heedful.policies.agents import training_agents
from heedful.policies.fetch.page_access import page_failure
from heedful.policies.fetch.statuses import Availability
from heedful.policies.licensing.offers import covers_usage, usage_token
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
from heedful.policies.patterns import robots_form
from heedful.policies.signals.content_usage import under_draft
from heedful.policies.signals.read import PageSignals, SiteSignals
from heedful.policies.signals.robots.product_names import group_key, name_key
from heedful.policies.signals.robots.training import (
    training_preference_statements,
    training_statement,
)
from heedful.policies.signals.rsl.document import RslDocument
from heedful.policies.urlpath import canonical_path

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
_NOTHING: Final = (0,) * len(_USES)
"""The strictness vector of no statement at all."""


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

    One decision: an :class:`OriginDecider` prepares ``site`` for the agent and use and decides
    once (the options are documented there). Callers deciding many URLs of one origin hold the
    decider instead, so the preparation is done once.
    """
    decider = OriginDecider(
        site,
        agent=agent,
        use=use,
        mode=mode,
        tdm_covers_search=tdm_covers_search,
        strict=strict,
        aipref_draft=aipref_draft,
    )
    return decider.decide(url, page, page_must_answer=page_must_answer)


class _Entry(NamedTuple):
    """One statement prepared for one asked use: what it adds to every decision it is part of.

    A statement is immutable, so its strictness per use (hierarchy applied), its reason and the
    offer and terms it contributes are the same in every decision: made once, reused.
    """

    statement: Statement
    vector: tuple[int, ...]
    """Strictness per use in ``Use`` order, hierarchy applied."""
    level: int
    """Strictness for the asked use; 0 when the statement says nothing about it."""
    reason: Reason | None
    """The statement as a reason, when it speaks about the asked use."""
    offer: LicenseOffer | None
    """The statement's offer, when it asks a licence for the asked use."""
    terms: tuple[LicenseOffer, ...]
    """The free licences the asked use is allowed under, when the statement allows it."""


class PreparedPage:
    """A response read for one :class:`OriginDecider`: its statements prepared for the decider's
    agent and use. Build it with :meth:`OriginDecider.prepare_page`.

    The TDMRep value also depends on the path (the site file's rule the response's header and
    meta are layered over, TDMRep, section Processing priority): it is layered once per file
    rule.
    """

    __slots__ = (
        "_decider",
        "_tdm",
        "access_control",
        "agent_entries",
        "entries",
        "failed",
        "has_tdmrep",
        "licenses",
        "page",
    )

    def __init__(self, decider: OriginDecider, page: PageSignals) -> None:
        self.page = page
        self._decider = decider
        prepare = decider.prepare
        failure = page_failure(page.status, page.error)
        self.failed = _page_failed(page, failure) if failure else None
        """The reason the response leaves nothing to decide, when it leaves nothing."""
        control = page.access_control
        self.access_control: tuple[Verdict, Reason] | None = None
        """401/402/403 or a licence challenge: the access verdict and its reason."""
        if control is not None:
            licensed = Permission.LICENSE in control.uses.values()
            verdict = Verdict.LICENSE if licensed else Verdict.DENY
            self.access_control = (verdict, _reason(control, _EFFECTS[verdict]))
        self.entries = tuple(map(prepare, page.statements))
        self.agent_entries = tuple(map(prepare, page.agent_statements(decider.agent)))
        self.licenses = tuple(
            doc for doc_url, doc in page.licenses.items() if doc_url not in decider.site.licenses
        )
        """RSL documents the response names that the origin's files do not."""
        self.has_tdmrep = page.tdmrep_header is not None or page.tdmrep_meta is not None
        """The response carries its own TDMRep value, which supersedes the file's."""
        self._tdm: dict[int | None, _Entry | None] = {}

    def tdmrep(self, rule: int | None) -> _Entry | None:
        """The TDMRep value over the site file's rule at ``rule`` (None: no rule matches)."""
        if rule in self._tdm:
            return self._tdm[rule]
        layered = self.page.tdmrep_over(self._decider.tdmrep_statement(rule))
        entry = self._tdm[rule] = None if layered is None else self._decider.prepare(layered)
        return entry


_LEVEL: Final = operator.attrgetter("level")
_READ_ALL: Final = ((False, ()), (False, ()))
"""The unread files of an origin whose files could all be read."""


class OriginDecider:
    """An origin's signals compiled for one agent, one use and one mode, like h11's
    ``Connection``: made once when the origin's files are read, then asked about each URL.

    Everything that does not depend on the path is prepared here: the robots.txt groups that
    bind the agent, the statements that speak for every path (``Content-Signal``, the mode's
    default, the files that could not be read), and each rule's statement as what it gives the
    asked use (strictness, reason, offer), made the first time that rule decides a URL and
    reused: statements and reasons are immutable. Deciding a URL is then its canonical path,
    the compiled matchers, and the prepared statements they name.

    ``tdm_covers_search`` lets a TDM reservation reach search. ``strict`` also reads a
    robots.txt ``Disallow`` for any known AI-training crawler as a reservation of AI training
    (the operators' crawler documentation control-token notes: a site that blocks the training
    crawlers by name means it, even for crawlers it did not name). ``aipref_draft`` is the
    draft-ietf-aipref-vocab revision ``Content-Usage`` values are read under (``08``, the
    current one, unless a tester replays a decision under ``07``); readers parse with the
    current revision, so only another one costs a second reading (docs/decisions.md, aipref
    revisions).
    """

    __slots__ = (
        "_access",
        "_ai_entries",
        "_ai_rules",
        "_default",
        "_licenses",
        "_notes",
        "_position",
        "_signal_entries",
        "_tdm_entries",
        "_training",
        "_training_entries",
        "_unbound",
        "_usage_entries",
        "_uses",
        "_view",
        "agent",
        "draft",
        "mode",
        "site",
        "strict",
        "tdm_covers_search",
        "use",
    )

    def __init__(
        self,
        site: SiteSignals,
        *,
        agent: str,
        use: Use,
        mode: Mode = Mode.OPT_OUT,
        tdm_covers_search: bool = False,
        strict: bool = False,
        aipref_draft: AiprefDraft | str = DEFAULT_AIPREF_DRAFT,
    ) -> None:
        self.site = site
        self.agent = agent
        self.use = use
        self.mode = mode
        self.tdm_covers_search = tdm_covers_search
        self.strict = strict
        self.draft = (
            aipref_draft if isinstance(aipref_draft, AiprefDraft) else AiprefDraft(aipref_draft)
        )
        self._position = _USES.index(use)
        self._uses: dict[tuple[int, ...], Mapping[Use, Permission]] = {}
        """The combined answer per use for each strictness vector met (at most 4**5)."""

        outcome = site.robots_outcome
        robots = site.robots
        self._access: tuple[Verdict, Reason, bool] | None = None
        """The access answer for every path, when robots.txt was not read."""
        if outcome.availability is not Availability.FOUND or robots is None:
            crawlable = outcome.availability is Availability.UNAVAILABLE
            # No answer at all (refused, timed out, no such host) is the host failing, not the
            # site saying no: RFC 9309 section 2.3.1.4's complete disallow still keeps the
            # crawler out, and the verdict says ``failed`` so a checker does not report it as
            # the site's refusal.
            verdict = _crawlable(crawlable) if outcome.answered else Verdict.FAILED
            reason = Reason(
                signal=Signal.ROBOTS,
                source=site.origin.rstrip("/") + "/robots.txt",
                location="fetch",
                rule=outcome.reason,
                effect=_EFFECTS[verdict],
            )
            self._access = (verdict, reason, crawlable)
        view = robots.view(agent) if robots is not None else None
        self._view = view
        self._unbound = (
            robots.unbound(agent, view)
            if robots is not None and view is not None and not view.selection.groups
            else None
        )
        """robots.txt's answer when no group binds the agent and no rule can match."""
        self._usage_entries = tuple(self.prepare(s) for _, s in view.usage) if view else ()
        self._signal_entries = tuple(map(self.prepare, view.signals)) if view else ()
        self._training = robots.training_view() if robots is not None else None
        self._training_entries: list[_Entry | None] = (
            [None] * len(self._training.matcher.patterns) if self._training is not None else []
        )
        self._ai_rules = site.ai_txt.rules(agent) if site.ai_txt is not None else ()
        self._ai_entries: list[_Entry | None] = [None] * len(self._ai_rules)
        self._licenses: tuple[tuple[RslDocument, dict[tuple[int, ...], _Entry]], ...] = tuple(
            (doc, {}) for doc in site.licenses.values()
        )
        """Each RSL document with its statements prepared by the scopes that make them."""
        self._tdm_entries: list[_Entry | None] = (
            [None] * len(site.tdmrep.rules) if site.tdmrep is not None else []
        )
        self._default: Reason | None = None
        """The reason the mode's default gives, made the first time the default decides."""
        every = site.notes
        settled = tuple(note for note in every if note.signal is not Signal.TDMREP)
        self._notes = (self._unread(every), self._unread(settled)) if every else _READ_ALL
        """The files that could not be read and still speak about a URL: all of them, and those
        left once TDMRep is settled for it (:meth:`decide`)."""

    def _unread(self, notes: tuple[Statement, ...]) -> tuple[bool, tuple[Reason, ...]]:
        """Whether ``notes`` keep the asked use unknown, and their reasons."""
        covers = self.tdm_covers_search
        blocked = any(
            self.use in reached_uses(note.uses, tdm_covers_search=covers) for note in notes
        )
        return blocked, tuple(_reason(note, "unknown") for note in notes)

    def prepare(self, stmt: Statement) -> _Entry:
        """``stmt`` as the asked use reads it: strictness per use, its reason, offer, terms."""
        if self.draft is not DEFAULT_AIPREF_DRAFT:
            stmt = under_draft(stmt, self.draft)
        vector = _vector(stmt, self.tdm_covers_search)
        level = vector[self._position]
        if not level:
            return _Entry(stmt, vector, 0, None, None, ())
        reason = _reason(stmt, _BY_STRICTNESS[level].value, inherited=self.use not in stmt.uses)
        offer = stmt.offers.get(self.use, stmt.offer) if level == Strictness.LICENSE else None
        terms = tuple(stmt.terms.get(self.use, ())) if level == Strictness.ALLOW else ()
        return _Entry(stmt, vector, level, reason, offer, terms)

    def tdmrep_statement(self, rule: int | None) -> Statement | None:
        """The TDMRep file's statement at ``rule`` (None: no rule matches)."""
        tdmrep = self.site.tdmrep
        return None if rule is None or tdmrep is None else tdmrep.rule_statement(rule)

    def prepare_page(self, page: PageSignals) -> PreparedPage:
        """``page`` prepared for this decider, to decide its URL with."""
        return PreparedPage(self, page)

    def decide(
        self,
        url: str,
        page: PageSignals | PreparedPage | None = None,
        *,
        page_must_answer: bool = True,
    ) -> Decision:
        """Decide the use of ``url``; ``page`` is ``None`` before the URL is fetched.

        A page that gave no answer (404, 5xx, no response) is ``failed``: there is no page to
        use. Tools that ask what a site's signals say about a URL whatever its page answers --
        the audit, ``heedful diff``, the signal server's check API -- pass
        ``page_must_answer=False`` and get the verdict of the signals, the response's headers
        included. Before a fetch, only site-wide files speak; the crawler asks again with the
        response.
        """
        prepared = self.prepare_page(page) if isinstance(page, PageSignals) else page
        path = canonical_path(url)
        form = robots_form(path)
        site = self.site
        view = self._view

        # Access first: robots.txt, then the response status (docs/decisions.md).
        if self._access is not None:
            access, access_reason, crawlable = self._access
        else:
            assert view is not None  # robots.txt was read
            answer = view.access(form)
            if self._unbound is not None and answer is view.no_match:
                answer = self._unbound
            crawlable = answer.allowed
            access = _crawlable(crawlable)
            access_reason = answer.reason
        if crawlable and prepared is not None:
            if page_must_answer and prepared.failed is not None:
                access, access_reason = Verdict.FAILED, prepared.failed
            elif prepared.access_control is not None:
                access, access_reason = prepared.access_control

        # The origin's files (the TDMRep file aside: it is layered under the response's own
        # TDMRep values below).
        entries: list[_Entry] = []
        if view is not None:
            if crawlable:
                # robots.txt preferences attach only to URLs the crawler may fetch (aipref
                # attach 3).
                if view.usage:
                    usage = self._usage_entries
                    entries.extend(usage[i] for i in view.usage_matches(path))
                entries.extend(self._signal_entries)
            if self._training is not None:
                # draft-kelley-aipref-training-preference-signal-00: the shared token's group is
                # a training preference for every crawler, whatever its own group says.
                found = self._training.rule_index(form)
                if found is not None:
                    entries.append(self._training_entry(found))
        if self._ai_rules:
            assert site.ai_txt is not None  # the rules are its rules
            found = site.ai_txt.rule_index(path, self.agent)
            if found is not None:
                entries.append(self._ai_entry(found))
        for doc, by_scopes in self._licenses:
            if chosen := doc.scopes(url, path):
                entry = by_scopes.get(chosen)
                if entry is None:
                    entry = by_scopes[chosen] = self.prepare(doc.scope_statement(chosen))
                entries.append(entry)
        if site.removals is not None and (stmt := site.removals.statement(url)) is not None:
            entries.append(self.prepare(stmt))

        # The response, and the TDMRep value after its layering (TDMRep, section Processing
        # priority).
        rule = site.tdmrep.rule_index(path) if site.tdmrep is not None else None
        if prepared is None:
            if rule is not None:
                entries.append(self._tdmrep_entry(rule))
        else:
            entries.extend(prepared.entries)
            if (tdm := prepared.tdmrep(rule)) is not None:
                entries.append(tdm)
            entries.extend(prepared.agent_entries)
            if prepared.licenses:
                entries.extend(
                    self.prepare(stmt)
                    for doc in prepared.licenses
                    if (stmt := doc.statement(url)) is not None
                )
        if self.strict:
            entries.extend(map(self.prepare, strict_statements(site, url=url)))

        # A TDMRep file no longer matters for the URL when one of its rules read whole matches
        # it (the first match wins, TDMRep, section TDM File on the Origin Server) or when the
        # response carries its own TDMRep value, which supersedes the file (section Processing
        # priority).
        settled = rule is not None or (prepared is not None and prepared.has_tdmrep)
        unread, note_reasons = self._notes[settled]
        return self._combine(url, prepared, access, access_reason, entries, unread, note_reasons)

    def _default_reason(self) -> Reason:
        if self._default is None:
            default = DEFAULTS[self.mode]
            self._default = Reason(
                signal=Signal.DEFAULT,
                source="",
                location="default",
                rule=f"no statement about {self.use}",
                effect=f"default {default}",
                note=_DEFAULT_NOTES[self.mode],
            )
        return self._default

    def _tdmrep_entry(self, rule: int) -> _Entry:
        entry = self._tdm_entries[rule]
        if entry is None:
            stmt = self.tdmrep_statement(rule)
            assert stmt is not None  # ``rule`` is one of the file's rules
            entry = self._tdm_entries[rule] = self.prepare(stmt)
        return entry

    def _training_entry(self, index: int) -> _Entry:
        entry = self._training_entries[index]
        if entry is None:
            assert self._training is not None  # ``index`` is one of its rules
            access = self._training.answer(index)
            stmt = training_statement(access.statement, allowed=access.allowed)
            entry = self._training_entries[index] = self.prepare(stmt)
        return entry

    def _ai_entry(self, index: int) -> _Entry:
        entry = self._ai_entries[index]
        if entry is None:
            entry = self._ai_entries[index] = self.prepare(self._ai_rules[index][1])
        return entry

    def _combine(
        self,
        url: str,
        page: PreparedPage | None,
        access: Verdict,
        access_reason: Reason,
        entries: list[_Entry],
        unread: bool,
        note_reasons: tuple[Reason, ...],
    ) -> Decision:
        """Most restrictive across the prepared statements, then the mode's default."""
        if len(entries) > 1:
            combined = tuple(map(max, *[entry.vector for entry in entries]))
        else:
            combined = entries[0].vector if entries else _NOTHING
        uses = self._uses.get(combined)
        if uses is None:
            uses = self._uses[combined] = MappingProxyType(
                {u: _BY_STRICTNESS[level] for u, level in zip(_USES, combined, strict=True)}
            )
        asked = _BY_STRICTNESS[combined[self._position]]
        deciding = [entry for entry in entries if entry.level]
        deciding.sort(key=_LEVEL, reverse=True)  # strictest first; stable, so file order after
        reasons = [access_reason]
        reasons += [entry.reason for entry in deciding if entry.reason is not None]
        offers = tuple(
            dict.fromkeys([entry.offer for entry in deciding if entry.offer is not None])
        )

        verdict: Verdict
        if access is Verdict.FAILED or access is Verdict.DENY:
            verdict = access
        elif asked is Permission.DENY:
            verdict = Verdict.DENY
        elif unread:
            # docs/decisions.md, Signal files that cannot be read: a file that may reserve this
            # use could not be read, so the use is neither allowed nor denied until it can be.
            verdict = Verdict.UNKNOWN
        elif access is Verdict.LICENSE:
            verdict = Verdict.LICENSE
        elif asked is Permission.UNKNOWN:
            verdict = _TO_VERDICT[DEFAULTS[self.mode]]
            reasons.append(self._default_reason())
        else:
            verdict = _TO_VERDICT[asked]
        consent = ""
        missing: tuple[str, ...] = ()
        if verdict is Verdict.LICENSE:
            missing = ("licence",)
            consent, gap = creator_gap(offers, self.use)
            if gap is not None and self.mode is Mode.CONSENT:
                # Issue 14 section 4: in consent mode a rightsholder's licence does not stand in
                # for the creators' own consent (docs/licensing.md, Creator consent).
                verdict = Verdict.DENY
                reasons.append(gap)
                missing = ("licence", "creator-consent")
        reasons.extend(note_reasons)
        terms: tuple[LicenseOffer, ...] = ()
        if verdict is Verdict.ALLOW:
            terms = tuple(dict.fromkeys(offer for entry in deciding for offer in entry.terms))
        control = page.page.access_control if page is not None else None
        if access is Verdict.LICENSE and control is not None and control.offer is not None:
            # docs/decisions.md, HTTP 402 dialects: the page's own 402 (or RSL challenge) is an
            # offer too; it is listed first, with its dialect and terms, so a checker sees what
            # was asked.
            offers = tuple(dict.fromkeys((control.offer, *offers)))
        return Decision(
            url=url,
            agent=self.agent,
            use=self.use,
            mode=self.mode,
            verdict=verdict,
            access=access,
            uses=uses,
            reasons=tuple(reasons),
            offers=offers,
            terms=terms,
            status=page.page.status if page is not None else None,
            aipref_draft=str(self.draft),
            creator_consent=consent,
            missing=missing,
        )


def creator_gap(offers: tuple[LicenseOffer, ...], use: Use) -> tuple[str, Reason | None]:
    """Whether the creators the offers name consented to ``use``: ``(state, reason)`` where
    ``state`` is ``given``, ``not-stated``, ``refused`` or ``""`` (no creators named), and
    ``reason`` explains a missing consent (``None`` when nothing is missing)."""
    token = usage_token(use)
    for offer in offers:
        if not offer.creators and not offer.creator_consent:
            continue
        who = offer.creators or "the creators"
        if not offer.creator_consent:
            state, why = "not-stated", f"the site does not say whether {who} consented"
        elif offer.creator_consent != "none" and covers_usage(offer.creator_consent.split(), token):
            continue
        else:
            state = "refused"
            why = f"{who} consented to {offer.creator_consent}, not {token}"
        return state, Reason(
            signal=Signal.RSL,
            source=offer.url,
            location=f'<content url="{offer.scope}"> <hf:creators>',
            rule=f'<hf:creators consent="{offer.creator_consent}">{offer.creators}</hf:creators>',
            effect="deny",
            note=(
                f"creator consent missing: {why}; a licence from the rightsholder "
                f"({offer.copyright or 'unnamed'}) is not enough in consent mode"
            ),
        )
    named = any(offer.creators or offer.creator_consent for offer in offers)
    return ("given" if named else ""), None


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
