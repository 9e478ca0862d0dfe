"""The site-wide files of a rendered policy: robots.txt, ai.txt, tdmrep.json and the RSL document.

Split from :mod:`heedful.policies.sitepolicy.render` (which explains what each format publishes: the
floor for formats every crawler reads, per-class values in robots.txt groups). Every format is
written by its own writer; this module only chooses the values.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from heedful.policies.agents import published_agents
from heedful.policies.licensing.offers import Offer, offer_for
from heedful.policies.model import Permission, Use
from heedful.policies.patterns import compile_pattern
from heedful.policies.signals.aitxt import AiTxtSpec, render_ai_txt
from heedful.policies.signals.content_signal import render_content_signal
from heedful.policies.signals.content_usage import render_content_usage
from heedful.policies.signals.robots.render import (
    RobotsGroupSpec,
    RobotsSpec,
    merge_groups,
    render_robots,
)
from heedful.policies.signals.robots.training import TRAINING_PREFERENCE_TOKEN
from heedful.policies.signals.rsl.document import RslContent, RslDocument, RslLicense, render_rsl
from heedful.policies.signals.tdmrep import TdmRule, render_tdmrep
from heedful.policies.sitepolicy.model import OWNER_VALUES, SitePolicy
from heedful.policies.sitepolicy.resolve import (
    EVERYONE,
    TDM_COVERS,
    PolicyIndex,
    Vector,
    tdm_reading,
    tighten,
    under_reading,
)
from heedful.policies.urlpath import canonical_path

_RSL_USES: Final = {Use.AI_TRAIN: "ai-train", Use.AI_INPUT: "ai-input", Use.SEARCH: "search"}

CONTENT_SIGNALS_POLICY: Final = """\
As a condition of accessing this website, you agree to abide by the following content signals:

(a) If a content-signal = yes, you may collect content for the corresponding use.
(b) If a content-signal = no, you may not collect content for the corresponding use.
(c) If the website operator does not include a content signal for a corresponding use, the
website operator neither grants nor restricts permission via content signal with respect to the
corresponding use.

The content signals and their meanings are:

search: building a search index and providing search results (e.g., returning hyperlinks and
short excerpts from your website's contents). Search does not include providing AI-generated
search summaries.
ai-input: inputting content into one or more AI models (e.g., retrieval augmented generation,
grounding, or other real-time taking of content for generative AI search answers).
ai-train: training or fine-tuning AI models.

ANY RESTRICTIONS EXPRESSED VIA CONTENT SIGNALS ARE EXPRESS RESERVATIONS OF RIGHTS UNDER ARTICLE 4
OF THE EUROPEAN UNION DIRECTIVE 2019/790 ON COPYRIGHT AND RELATED RIGHTS IN THE DIGITAL SINGLE
MARKET."""
"""Cloudflare's Content Signals Policy text (CC0, contentsignals.org): it gives the
``Content-Signal`` lines their declared meaning and carries the Art. 4 reservation."""


def plain(values: Vector, uses: tuple[Use, ...]) -> dict[Use, Permission]:
    """Only allow/deny: yes/no formats would write a licence requirement as a deny."""
    return {use: values[use] for use in uses if values[use] in (Permission.ALLOW, Permission.DENY)}


def tdm_pair(policy: SitePolicy, values: Vector, license_url: str) -> tuple[int, str]:
    """TDMRep values: ``1`` for deny or licence; the policy URL only for a licence (TDMRep, section Declaring the reservation of TDM Rights)."""
    tdm = values[Use.TDM]
    if tdm is Permission.ALLOW:
        return 0, ""
    if tdm is Permission.DENY:
        return 1, ""
    terms = policy.license.terms if policy.license is not None else None
    return 1, terms or license_url


def _parent(index: PolicyIndex, scope: str) -> str | None:
    """The most specific other scope that contains ``scope``."""
    found = [
        other for other in index.scopes if other != scope and compile_pattern(other).matches(scope)
    ]
    return found[-1] if found else None


def ext_scopes(index: PolicyIndex, uses: tuple[Use, ...]) -> list[tuple[str, str, Vector]]:
    """``(pattern, scope, values)`` for path x extension where a media rule changes ``uses``.

    An extension scope ``P*.E$`` outranks every shorter line matching the same URL, so each
    format reads the most specific scope's values (RFC 9309 section 2.2.2 longest match; TDMRep
    lists
    it first).
    """
    out: list[tuple[str, str, Vector]] = []
    for ext in index.extensions():
        rules = [rule for rule in index.policy.media if ext in rule.extensions]
        said = {use for rule in rules for use in rule.said()}
        if said & {Use.TDM, *TDM_COVERS}:
            said |= set(TDM_COVERS)  # the TDM reading of these files changes (tdm_reading)
        if not said & set(uses):
            continue
        out.extend(
            (f"{scope}*.{ext}$", scope, tdm_reading(tighten(index.floor(scope), rules)))
            for scope in index.scopes
        )
    return out


def robots_txt(
    index: PolicyIndex, version: str, license_url: str, *, compact: bool | None = None
) -> str:
    """The policy's robots.txt: a ``*`` group, one per published crawler and one per override.

    ``compact`` (default: the policy's ``[site] robots-txt = "compact"``) writes crawlers whose
    groups have the same lines as one group with several ``User-agent`` lines.
    """
    if compact is None:
        compact = index.policy.site.robots_txt == "compact"
    star = _group(index, EVERYONE, ("*",))
    groups = [star]
    # A catalogued crawler whose name or fallback has an override obeys that class's group.
    groups += [
        replace(star, agents=(agent.token,))
        for agent in published_agents()
        if index.class_of(agent.token) == EVERYONE
    ]
    groups += [_group(index, klass, (index.names[klass],)) for klass in index.agents]
    training = training_group(index)
    if training is not None:
        groups.append(training)
    site = index.policy.site
    comment = (
        f"{CONTENT_SIGNALS_POLICY}\n\n"
        f"Site: {site.name} <{site.url}>; contact: {site.contact}\n"
        f"Heedful policy version {version}. Every AI crawler named below gets the full rule set."
    )
    return render_robots(
        RobotsSpec(
            groups=merge_groups(tuple(groups)) if compact else tuple(groups),
            licenses=(license_url,) if license_url else (),
            sitemaps=site.sitemaps,
            comment=comment,
        )
    )


def _group(index: PolicyIndex, klass: str, agents: tuple[str, ...]) -> RobotsGroupSpec:
    rows = {}
    for scope in index.scopes:
        row = index.resolve(scope, klass)
        reading = index.published(scope)[Use.TDM]
        rows[scope] = replace(row, values=under_reading(row.values, reading))
    allow: list[str] = []
    disallow: list[str] = []
    usage: list[tuple[str, str]] = []
    written: dict[str, str] = {}
    for scope, row in rows.items():
        parent = _parent(index, scope)
        parent_access = rows[parent].access if parent is not None else True
        if row.access != parent_access:
            (allow if row.access else disallow).append(scope)
        if not row.access:
            continue  # preferences do not attach to paths the crawler may not fetch (draft-ietf-aipref-attach-05 section 3)
        value = render_content_usage(_path_scoped(index, row.values))
        inherited = _inherited(index, scope, written)
        if value != inherited or (scope == "/" and value):
            usage.append(("" if scope == "/" else scope, value))
            written[scope] = value
    signal = render_content_signal(_site_wide(index, [r.values for r in rows.values() if r.access]))
    return RobotsGroupSpec(
        agents=agents,
        allow=tuple(allow),
        disallow=tuple(disallow),
        content_usage=tuple(usage),
        content_signal=signal,
        crawl_delay=index.policy.enforcement.crawl_delay,
    )


def training_group(index: PolicyIndex) -> RobotsGroupSpec | None:
    """The ``User-agent: __usage_ai-training`` group: the policy's training choice for the shared
    policy token (draft-kelley-aipref-training-preference-signal-00).

    The token binds every crawler that supports it, whatever its class, so a path gets a rule
    only where every class gives AI training the same answer: ``Disallow`` where every class
    denies ``ai-train``, ``Allow`` where every class allows both training uses and no media rule
    narrows them. Where the classes differ, or the owner says nothing under a path that has a
    rule, the longest match would carry a parent's rule to a class that chose otherwise, so no
    group is written at all: the other formats say it per class (docs/decisions.md, The shared
    training-preference token).
    """
    narrowed = media_narrowed(index) & {Use.AI_TRAIN, Use.GENAI_TRAIN}
    states: dict[str, Permission] = {}
    for scope in index.scopes:
        answers = set()
        for klass in index.classes:
            values = index.resolve(scope, klass).values
            values = under_reading(values, index.published(scope)[Use.TDM])
            if values[Use.AI_TRAIN] is Permission.DENY:
                answers.add(Permission.DENY)
            elif (
                values[Use.AI_TRAIN] is Permission.ALLOW
                and values[Use.GENAI_TRAIN] is Permission.ALLOW
                and not narrowed
            ):
                answers.add(Permission.ALLOW)
            else:
                answers.add(Permission.UNKNOWN)  # licensed, or narrowed by a media rule
        if len(answers) != 1:
            return None
        states[scope] = answers.pop()
    allow: list[str] = []
    disallow: list[str] = []
    for scope, state in states.items():
        parent = _parent(index, scope)
        inherited = states[parent] if parent is not None else Permission.UNKNOWN
        if state is inherited:
            continue
        if state is Permission.UNKNOWN:
            return None  # silence cannot be written under a rule
        (allow if state is Permission.ALLOW else disallow).append(scope)
    if not allow and not disallow:
        return None
    return RobotsGroupSpec(
        agents=(TRAINING_PREFERENCE_TOKEN,), allow=tuple(allow), disallow=tuple(disallow)
    )


def media_narrowed(index: PolicyIndex) -> set[Use]:
    """Uses a media rule can make differ from its path's value: those it names, and, when it
    names a use TDM covers, every use TDM covers (the TDM reading of those files, tdm_reading)."""
    named = {use for rule in index.policy.media for use in rule.said()}
    if named & {Use.TDM, *TDM_COVERS}:
        named |= set(TDM_COVERS)
    return named


def _path_scoped(index: PolicyIndex, values: Vector) -> dict[Use, Permission]:
    """What a group's ``Content-Usage`` line for one prefix can say
    (IETF aipref attach, draft-ietf-aipref-attach-05 section 3).

    The line has no file-type form, so an allow is written only for a use no media rule
    narrows: ``train-ai=y`` on ``/press/`` would tell a crawler reading only robots.txt that
    ``/press/photo.jpg`` may be trained on while an image rule denies it. Silent there, the
    formats with an extension form (ai.txt, TDMRep, RSL, headers) say it. A deny is always
    written: it is true of every file under the prefix.
    """
    narrowed = media_narrowed(index)
    uses = (Use.AI_TRAIN, Use.AI_INPUT, Use.SEARCH)  # ai-use is ai-input (vocab-08 section 4.2)
    return {
        use: value
        for use, value in plain(values, uses).items()
        if value is Permission.DENY or use not in narrowed
    }


def _site_wide(index: PolicyIndex, usable: list[Vector]) -> dict[Use, Permission]:
    """What a group's ``Content-Signal`` line (no path scope, Cloudflare's Content Signals Policy)
    can say for its class.

    A use is written only when it has one value on every path the class may fetch, media
    rules included, so the line never says "yes" where a path or an image says "no" (Heedful's
    consistency rule, docs/site-policy.md). A class kept out of the whole site gets "no" for
    everything.
    """
    uses = (Use.SEARCH, Use.AI_INPUT, Use.AI_TRAIN)
    if not usable:
        return dict.fromkeys(uses, Permission.DENY)
    out: dict[Use, Permission] = {}
    for use in uses:
        values = {row[use] for row in usable}
        if len(values) != 1:
            continue
        value = values.pop()
        narrowed = use in media_narrowed(index)
        if value is Permission.DENY or (value is Permission.ALLOW and not narrowed):
            out[use] = value
    return out


def _inherited(index: PolicyIndex, scope: str, written: dict[str, str]) -> str:
    parent = _parent(index, scope)
    while parent is not None and parent not in written:
        parent = _parent(index, parent)
    return written.get(parent, "") if parent is not None else ""


def ai_txt(index: PolicyIndex) -> str:
    allow: list[str] = []
    disallow: list[str] = []
    denied = {
        scope: index.published(scope)[Use.AI_TRAIN] is Permission.DENY for scope in index.scopes
    }
    for scope in index.scopes:
        parent = _parent(index, scope)
        if parent is not None and denied[scope] != denied[parent]:
            (disallow if denied[scope] else allow).append(scope)
    for pattern, _, values in ext_scopes(index, (Use.AI_TRAIN,)):
        (disallow if values[Use.AI_TRAIN] is Permission.DENY else allow).append(pattern)
    return render_ai_txt(
        AiTxtSpec(disallow=tuple(disallow), allow=tuple(allow), allow_rest=not denied["/"])
    )


def tdmrep_json(index: PolicyIndex, license_url: str) -> str:
    entries = [(scope, index.published(scope)) for scope in index.scopes]
    # Media rules naming a use TDM covers change the TDM reading of their files (tdm_reading).
    covered = (Use.TDM, Use.AI_TRAIN, Use.GENAI_TRAIN, Use.AI_INPUT)
    entries += [(pattern, values) for pattern, _, values in ext_scopes(index, covered)]
    # TDMRep picks the FIRST matching rule (TDMRep, section TDM File on the Origin Server): most
    # specific (longest) first, "/" last.
    entries.sort(key=lambda entry: -compile_pattern(entry[0]).priority)
    rules = []
    for location, values in entries:
        reservation, policy_url = tdm_pair(index.policy, values, license_url)
        rules.append(TdmRule(location=location, reservation=reservation, policy=policy_url))
    return render_tdmrep(rules)


def rsl_xml(index: PolicyIndex, version: str, offers: tuple[Offer, ...] = ()) -> str:
    """The RSL document: per scope, the licences of its licensed uses, its free uses and its
    prohibitions (RSL 1.0 section 3).

    Scopes are the policy's path prefixes, its extension scopes and the offers' own patterns,
    longest first. A licensed use is published under the offer :func:`offer_for` names for it
    there, one ``<content server>`` per offer; the offer's ``<license>`` permits only the uses
    licensed at that scope, because RSL reads a paid permit of a broader token (``ai-all``) as
    licensing every narrower use, even one the policy allows freely there. Creators and their
    consent travel in Heedful's extension element (docs/licensing.md).
    """
    policy = index.policy
    terms = policy.license
    holder = (terms.copyright if terms is not None else None) or policy.site.name
    contact = policy.site.contact
    email = contact.removeprefix("mailto:") if "@" in contact and "://" not in contact else ""
    url = contact if "://" in contact else ""
    scopes = [(scope, scope, index.published(scope)) for scope in index.scopes]
    scopes += ext_scopes(index, tuple(_RSL_USES))
    written = {location for location, _, _ in scopes}
    for offer in offers:
        if offer.scope not in written:
            prefix = canonical_path(offer.scope.removesuffix("*") or "/")
            scopes.append((offer.scope, prefix, index.published(prefix)))
            written.add(offer.scope)
    # A prefix whose offer pattern is "<prefix>*" is shadowed by it on every URL (one octet
    # longer, RFC 9309 section 2.2.2), and says the same: written once.
    scopes = [row for row in scopes if row[0].endswith("*") or f"{row[0]}*" not in written]
    scopes.sort(key=lambda row: -compile_pattern(row[0]).priority)
    contents: list[RslContent] = []
    for location, scope, values in scopes:
        by = {
            choice: [_RSL_USES[u] for u in _RSL_USES if values[u] is choice]
            for choice in OWNER_VALUES
        }
        credit = index.attribution(scope)
        common = RslContent(
            url=location,
            copyright=holder,
            copyright_email=email,
            copyright_url=url,
            terms=(terms.terms or "") if terms else "",
        )
        denied = tuple(by[Permission.DENY])
        sold: dict[Offer, list[str]] = {}
        for token in by[Permission.LICENSE]:
            seller = offer_for(offers, scope, token)
            if seller is not None:
                sold.setdefault(seller, []).append(token)
        for offer, tokens in sold.items():
            paid = replace(offer.license(tokens), prohibits_usage=denied)
            contents.append(_offered(common, offer, paid))
        if by[Permission.ALLOW]:
            free = RslLicense(
                permits_usage=tuple(by[Permission.ALLOW]),
                prohibits_usage=denied,
                payment_type="attribution" if credit else "",
                legal=(("attribution", credit),) if credit else (),
            )
            contents.append(replace(common, licenses=(free,)))
        if all(values[u] is Permission.DENY for u in _RSL_USES):
            # Every RSL usage denied here: say so, or the broader <content> would answer for
            # it. A <license> without <permits> permits every usage it does not prohibit (RSL
            # 6.3): "all" when mining is denied too, else mining only under the terms.
            mining_offer = offer_for(offers, scope, "all")
            if values[Use.TDM] is Permission.DENY:
                nothing = RslLicense(permits_usage=(), prohibits_usage=("all",))
                contents.append(replace(common, licenses=(nothing,)))
            elif values[Use.TDM] is Permission.LICENSE and mining_offer is not None:
                mining = replace(mining_offer.license(()), prohibits_usage=denied)
                contents.append(_offered(common, mining_offer, mining))
    text = render_rsl(RslDocument(contents=tuple(contents)))
    declaration, _, rest = text.partition("\n")
    return f"{declaration}\n<!-- Heedful policy version {version} -->\n{rest}"


def _offered(common: RslContent, offer: Offer, lic: RslLicense) -> RslContent:
    """The ``<content>`` selling ``offer``: its server, rightsholder, terms and creators."""
    return replace(
        common,
        server=offer.server,
        licenses=(lic,),
        copyright=offer.rightsholder,
        terms=offer.terms or common.terms,
        creators=offer.creators,
        creator_consent=offer.creator_consent,
    )
