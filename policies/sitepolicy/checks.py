"""The policy constructs no combination of published formats can say, refused at load time.

Publishing something a crawler reads differently from what the owner meant is worse than
refusing the file (issue 3 section 2), so each rule here names the construct, why the formats
cannot carry it (the specification sections cited), and the key to change. docs/site-policy.md
"Restrictions" lists the same rules for owners.
"""

from __future__ import annotations

from collections.abc import Callable

from heedful.policies.errors import PolicyProblem
from heedful.policies.licensing.offers import SITE_OFFER_ID, offer_for, site_offers, usage_token
from heedful.policies.model import STRICTNESS, Permission, Use
from heedful.policies.signals.robots.product_names import name_key
from heedful.policies.sitepolicy.model import SitePolicy
from heedful.policies.sitepolicy.resolve import EVERYONE, PolicyIndex, Resolved

LineOf = Callable[[str], int]
"""``line_of(key)``: the line of a dotted key in the file, 0 when unknown."""
_Report = Callable[[str, str], None]

ROBOTS_CAN_RAISE = (Use.SEARCH, Use.AI_TRAIN)
"""Uses a robots.txt ``Content-Usage`` rule can deny per crawler *and* per path (draft-ietf-aipref-attach-05 section 3)."""


def policy_problems(policy: SitePolicy, file: str, line_of: LineOf) -> list[PolicyProblem]:
    """Every semantic problem of a structurally valid policy (empty list: publishable)."""
    out: list[PolicyProblem] = []

    def problem(key: str, message: str) -> None:
        found = PolicyProblem(file=file, line=line_of(key), key=key, message=message)
        if found not in out:
            out.append(found)

    index = PolicyIndex(policy)
    _duplicates(index, problem)
    _licence_terms(policy, problem)
    _offers(policy, index, problem)
    floors = {scope: index.floor(scope) for scope in index.scopes}
    for klass in index.classes:
        rows = {scope: index.resolve(scope, klass) for scope in index.scopes}
        for scope, row in rows.items():
            if row.access:
                _hierarchy(index, klass, row, problem)
                _per_class(index, klass, scope, row, floors[scope], problem)
        _ai_input(index, klass, rows, floors, problem)
    _media_tdm(policy, {scope: index.published(scope) for scope in index.scopes}, problem)
    _media_reading(index, floors, problem)
    _enforcement(policy, problem)
    return out


def _enforcement(policy: SitePolicy, problem: _Report) -> None:
    # A licence answer points at the RSL document (RSL 1.0, Crawler Authorization Protocol:
    # WWW-Authenticate: License and Link rel="license"); without [license] there is none.
    rules = policy.enforcement
    named = [
        (key, getattr(rules, attr))
        for key, attr in (
            ("enforcement.action", "action"),
            ("enforcement.training", "training"),
            ("enforcement.ai-input", "ai_input"),
            ("enforcement.unknown", "unknown"),
            ("enforcement.spoofed", "spoofed"),
        )
    ]
    named += [(f"enforcement.agents[{i}].action", r.action) for i, r in enumerate(rules.agents)]
    if policy.license is None and not policy.offers:
        for key, action in named:
            if action == "license":
                problem(
                    key,
                    "'license' answers with the RSL licence, so it needs a [license] table "
                    "(or use 'block')",
                )
    seen: dict[str, int] = {}
    for i, rule in enumerate(rules.agents):
        key = name_key(rule.agent)
        if key in seen:
            problem(
                f"enforcement.agents[{i}].agent",
                f"{rule.agent} already has an action (enforcement.agents[{seen[key]}])",
            )
        seen.setdefault(key, i)


def _name(index: PolicyIndex, klass: str) -> str:
    return "crawlers without an override" if klass == EVERYONE else index.names[klass]


def _duplicates(index: PolicyIndex, problem: _Report) -> None:
    seen: dict[str, int] = {}
    for prefix, i, _ in index.paths:
        if prefix in seen:
            problem(f"paths[{i}].path", f"same prefix as paths[{seen[prefix]}] ({prefix})")
        seen.setdefault(prefix, i)
    for entries in index.agents.values():
        seen = {}
        for prefix, i, rule in entries:
            if prefix in seen:
                problem(
                    f"agents[{i}].path",
                    f"{rule.agent} already has an entry for {prefix} (agents[{seen[prefix]}])",
                )
            seen.setdefault(prefix, i)


def _licence_terms(policy: SitePolicy, problem: _Report) -> None:
    entries = [("defaults", policy.defaults.said())]
    entries += [(f"paths[{i}]", rule.said()) for i, rule in enumerate(policy.paths)]
    licensed = {
        use for _, said in entries for use, choice in said.items() if choice is Permission.LICENSE
    }
    if policy.license is None:
        if not policy.offers:
            for key, said in entries:
                for use, choice in said.items():
                    if choice is Permission.LICENSE and use is not Use.GENAI_TRAIN:
                        problem(
                            f"{key}.{use}",
                            "'license' needs the terms: a [license] table or an [[offers]] entry",
                        )
        return
    if policy.license.uses is not None:
        listed = set(policy.license.uses) - {Use.GENAI_TRAIN}
        wanted = licensed - {Use.GENAI_TRAIN}
        if listed != wanted:
            problem(
                "license.uses",
                f"lists {', '.join(sorted(listed)) or 'nothing'} but the policy sets "
                f"{', '.join(sorted(wanted)) or 'nothing'} to 'license'",
            )


def _offers(policy: SitePolicy, index: PolicyIndex, problem: _Report) -> None:
    # Offer ids are recorded in tokens and both ledgers, so one id names one offer; "site" is
    # the id [license] takes (docs/licensing.md).
    seen: dict[str, int] = {}
    for i, entry in enumerate(policy.offers):
        if entry.id == SITE_OFFER_ID:
            problem(f"offers[{i}].id", f"{entry.id!r} is the id of [license]; choose another")
        elif entry.id in seen:
            problem(f"offers[{i}].id", f"{entry.id!r} is already offers[{seen[entry.id]}].id")
        seen.setdefault(entry.id, i)
    if not policy.offers:
        return
    # A use valued "license" is published as a licence offer (RSL 1.0 section 3); where no offer
    # covers it there are no terms to publish, and crawlers would read a price list with a hole.
    # TDM alone is not checked: its terms also travel as the TDMRep tdm-policy, and an offer
    # for "all" would sell every narrower use too; `heedful lint` notes it instead.
    offers = site_offers(policy, policy.site.url)
    for scope in index.scopes:
        values = index.floor(scope)
        for use in (Use.AI_TRAIN, Use.AI_INPUT, Use.SEARCH):
            if values[use] is not Permission.LICENSE:
                continue
            if offer_for(offers, scope, use) is None:
                rows = [index.resolve(scope, klass) for klass in index.classes]
                origin = next((row.origin[use] for row in rows if row.access), "defaults")
                problem(
                    f"{origin}.{use}",
                    f"{use} is 'license' at {scope} but no [[offers]] entry (or [license]) "
                    f"covers {scope} for RSL usage {usage_token(use)!r}",
                )


def _hierarchy(index: PolicyIndex, klass: str, row: Resolved, problem: _Report) -> None:
    # A TDM statement reaches AI training and AI input in every reader (docs/decisions.md,
    # Uses and their hierarchy; policies.model.apply_hierarchy), so a narrower use can never be
    # looser than tdm.
    tdm = row.values[Use.TDM]
    for use in (Use.AI_TRAIN, Use.AI_INPUT):
        value = row.values[use]
        if STRICTNESS[value] < STRICTNESS[tdm]:
            where = row.origin[use]
            extra = (
                "; TDMRep has no per-crawler form, so an agent cannot be exempted from a TDM "
                "reservation"
                if where.startswith("agents")
                else ""
            )
            problem(
                f"{where}.{use}",
                f"{use} = '{value}' for {_name(index, klass)} under tdm = '{tdm}' (from "
                f"{row.origin[Use.TDM]}): a TDM reservation covers {use} (docs/decisions.md){extra}",
            )


def _per_class(
    index: PolicyIndex,
    klass: str,
    scope: str,
    row: Resolved,
    floor: dict[Use, Permission],
    problem: _Report,
) -> None:
    # Formats read by every crawler publish the floor; a class can only be raised above it to
    # deny, by robots.txt Content-Usage/Content-Signal in its own group (draft-ietf-aipref-attach-05
    # section 3; Cloudflare's Content Signals Policy).
    for use in (*ROBOTS_CAN_RAISE, Use.AI_INPUT):
        value = row.values[use]
        if value is floor[use] or value is Permission.DENY:
            continue
        lower = next(
            k
            for k in index.classes
            if index.resolve(scope, k).access and index.resolve(scope, k).values[use] is floor[use]
        )
        culprit = index.resolve(scope, lower).origin[use]
        problem(
            f"{culprit}.{use}",
            f"'{floor[use]}' for {_name(index, lower)} at {scope} while "
            f"{_name(index, klass)} must get '{value}': licence offers (RSL, TDMRep) speak to "
            "every crawler and robots.txt cannot require a licence from one",
        )


def _ai_input(
    index: PolicyIndex,
    klass: str,
    rows: dict[str, Resolved],
    floors: dict[str, dict[Use, Permission]],
    problem: _Report,
) -> None:
    # Content-Usage has no ai-input label (draft-ietf-aipref-vocab-07, usage categories) and
    # Content-Signal has no path
    # (Cloudflare's Content Signals Policy): per crawler, ai-input can only be "like everyone" or
    # "denied everywhere".
    usable = [(scope, row) for scope, row in rows.items() if row.access]
    if all(row.values[Use.AI_INPUT] is floors[scope][Use.AI_INPUT] for scope, row in usable):
        return
    if all(row.values[Use.AI_INPUT] is Permission.DENY for _, row in usable):
        return
    # Blame the most specific scope where the class is denied while others are not.
    scope, row = next(
        (s, r) for s, r in reversed(usable) if r.values[Use.AI_INPUT] is not floors[s][Use.AI_INPUT]
    )
    problem(
        f"{row.origin[Use.AI_INPUT]}.ai-input",
        f"ai-input for {_name(index, klass)} differs by path (e.g. {scope}) in a way no format "
        "can publish: robots.txt states ai-input per crawler only for the whole site "
        "(Content-Signal has no path), and headers speak to every crawler",
    )


def _media_tdm(
    policy: SitePolicy, floors: dict[str, dict[Use, Permission]], problem: _Report
) -> None:
    # A tdm-reservation header without tdm-policy keeps the policy tdmrep.json gave the path
    # (TDMRep, section Processing priority), so a media-type rule cannot turn a licensed path into a
    # plain deny.
    licensed = [scope for scope, floor in floors.items() if floor[Use.TDM] is Permission.LICENSE]
    for i, rule in enumerate(policy.media):
        if rule.types and Use.TDM in rule.said() and licensed:
            problem(
                f"media[{i}].tdm",
                f"cannot deny tdm by media type on {licensed[0]}, where tdm is 'license': a "
                "TDMRep header cannot withdraw the tdm-policy tdmrep.json gives the path; match "
                "by extensions only or drop tdm here",
            )


def _media_reading(
    index: PolicyIndex, floors: dict[str, dict[Use, Permission]], problem: _Report
) -> None:
    # Where tdm is allowed but a covered use is licensed, TDMRep publishes a reservation with
    # the terms (tdm_reading). A media-type rule denying a covered use there would need a header
    # without those terms, which TDMRep layering cannot give (section 2.7), as in _media_tdm.
    covered = (Use.AI_TRAIN, Use.GENAI_TRAIN, Use.AI_INPUT)
    licensed = [
        scope
        for scope, floor in floors.items()
        if floor[Use.TDM] is Permission.ALLOW
        and index.published(scope)[Use.TDM] is Permission.LICENSE
    ]
    for i, rule in enumerate(index.policy.media):
        named = [use for use in covered if use in rule.said()]
        if rule.types and named and licensed:
            problem(
                f"media[{i}].{named[0]}",
                f"cannot deny {named[0]} by media type on {licensed[0]}, where TDMRep publishes "
                "a reservation with licence terms (tdm allowed, a use it covers licensed): a "
                "TDMRep header cannot withdraw the terms; match by extensions only",
            )
