"""Per-page opt-outs: ``X-Robots-Tag`` headers and ``<meta name="robots">`` (Google's robots meta
tag specification).

Read per Google's robots meta tag specification: every header instance counts; an instance may start
with a product
token and a colon (``googlebot: nofollow``) to address one crawler, unless the word before the
colon is a rule that takes a value (``unavailable_after: 2026-01-01`` is a rule, not a token);
rules are comma-separated and case-insensitive. In HTML, ``<meta name="robots">`` speaks to every
crawler and ``<meta name="<token>">`` to one. ``Robots-Tag``, the field draft-illyes-repext-03
(section 3.1.1) moves the header to, is a structured-field List of product tokens carrying their
rules as Parameters (``Robots-Tag: *;noai, ExampleBot;noindex``). A directive applies to us when
it is global or addressed to our product token; the page says the union of those -- "the sum of
negative rules specific to their product token and the global product token"
(draft-illyes-repext-03 section 3.1.2) -- so a rule for our token never lifts a global one.

Mapping (docs/decisions.md, Each mechanism's own rules): ``noai`` denies AI training and AI input;
``noimageai`` does the
same for images (an image response, or the images of a page — see :func:`images_reserved`);
``noindex``/``none`` deny search. Other rules (``nofollow``, ``nosnippet``...) say nothing about
the uses Heedful decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from http_sfv.list import List

from heedful.policies.diagnostics import Diagnostic, ParseResult, Severity
from heedful.policies.headers import Headers, header_values
from heedful.policies.html import HeadMeta
from heedful.policies.model import Permission, Signal, Statement, Use, apply_hierarchy
from heedful.policies.signals.robots.groups import crawler_token

HEADER: Final = "X-Robots-Tag"
REPEXT_HEADER: Final = "Robots-Tag"
"""The field draft-illyes-repext-03 section 3.1.1 defines: a structured-field List (RFC 8941) of
product tokens (or ``*``) whose Parameters are the rules that apply to them."""
REPEXT_MAX_BYTES: Final = 8 * 1024
"""draft-illyes-repext-03 section 3.1.1: the parsing limit MUST be at least 8 KiB; longer values
are read up to this many bytes' worth of whole members."""
META_GLOBAL: Final = "robots"

KNOWN_RULE_NAMES: Final = frozenset(
    {"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"}
)
"""Rules written ``name: value`` that must not be read as a product token (Google's robots meta tag specification)."""

_AI_DENY: Final[Mapping[Use, Permission]] = {
    Use.AI_TRAIN: Permission.DENY,
    Use.AI_INPUT: Permission.DENY,
}
_SEARCH_DENY: Final[Mapping[Use, Permission]] = {Use.SEARCH: Permission.DENY}

PAGE_EFFECTS: Final[Mapping[str, Mapping[Use, Permission]]] = {
    # docs/decisions.md, Each mechanism's own rules: whether noai bars AI input (RAG, grounding) is
    # unclear; the
    # creator's framing is "no AI use of this content", so it denies AI input as well.
    "noai": _AI_DENY,
    # DeviantArt's noai and noimageai directives: ``noml`` is seen in the wild with the meaning of
    # noai.
    "noml": _AI_DENY,
    "noindex": _SEARCH_DENY,
    "none": _SEARCH_DENY,
}
"""What each directive denies for the response that carries it (an HTML page, a PDF...)."""

IMAGE_EFFECTS: Final[Mapping[str, Mapping[Use, Permission]]] = {
    **PAGE_EFFECTS,
    # DeviantArt's noai and noimageai directives; Google's robots meta tag specification: on an
    # image response, noimageai reserves that image itself.
    "noimageai": _AI_DENY,
    # img2dataset's downloader: for an image response, noimageindex is its search opt-out
    # (img2dataset
    # drops such images too); on a page it only concerns the page's images in image search.
    "noimageindex": _SEARCH_DENY,
}
"""What each directive denies for an image response."""

IMAGE_RESERVING: Final = frozenset({"noai", "noml", "noimageai"})
"""Directives on a page that reserve the page's images for AI (``noai`` covers all content)."""

KNOWN_DIRECTIVES: Final = frozenset(
    {
        "all", "index", "follow", "noindex", "nofollow", "none", "nosnippet", "indexifembedded",
        "notranslate", "noimageindex", "noarchive", "nocache", "noodp", "noydir", "noai",
        "noimageai", "noml",
    }
    | KNOWN_RULE_NAMES
)  # fmt: skip
"""Directives recognised without a diagnostic (Google's robots meta tag specification; DeviantArt's noai and noimageai directives, Bing's nocache)."""

_PREFIX: Final = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_.-]*)\s*:\s*(.*)$", re.DOTALL)
"""A leading ``name:`` addresses one crawler; product names may hold digits (``AI2Bot: noai``)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class _Group:
    """Directives of one header value or meta element, with the token they address."""

    token: str | None
    directives: tuple[str, ...]


def product_token(agent: str) -> str:
    """The crawler's lower-cased product name, compared with a header's ``name:`` or a
    ``<meta name>`` as robots.txt compares ``User-agent`` values (:mod:`heedful.policies.signals.robots.product_names`).
    """
    return crawler_token(agent)


def _split_header(value: str) -> list[_Group]:
    """Split one header value into addressed groups.

    Google's robots meta tag specification reads a leading ``token:`` as addressing the whole value.
    A proxy may join
    repeated fields with commas (RFC 9110 5.3), so a later ``otherbot: noindex`` member starts a
    new group instead of becoming an unknown rule that applies to everyone.
    """
    groups: list[_Group] = []
    token: str | None = None
    current: list[str] = []
    for member in value.split(","):
        prefixed = _PREFIX.match(member)
        if prefixed and prefixed.group(1).lower() not in KNOWN_RULE_NAMES:
            if current or token is not None:
                groups.append(_Group(token=token, directives=tuple(current)))
            token, current = prefixed.group(1).lower(), []
            member = prefixed.group(2)
        directive = member.strip().lower()
        if directive:
            current.append(directive)
    if current or token is not None:
        groups.append(_Group(token=token, directives=tuple(current)))
    return groups


_EMPTY_PARAMS: Final = re.compile(r";\s*(?=,|$)")
"""``ExampleBot;``: a product token with an empty parameter list, as draft-illyes-repext-03's own
example writes it, which RFC 8941's grammar does not allow."""


def _split_repext(value: str) -> tuple[list[_Group], str]:
    """The groups of one ``Robots-Tag`` value (draft-illyes-repext-03 section 3.1.1), and a
    problem to report, or ``""``.

    Each List member names a product token (``*`` for every crawler) and carries its rules as
    Parameters; instances of one token are merged. A member that is itself a rule name and has
    no Parameters (``Robots-Tag: noai``) was written in the ``X-Robots-Tag`` style: it is read as
    a rule for every crawler, the reading that keeps the site's reservation, and reported. A value
    that is not a structured field at all is read the ``X-Robots-Tag`` way, for the same reason.
    """
    raw = value.encode("utf-8", "replace")[:REPEXT_MAX_BYTES]
    parsed = List()
    try:
        parsed.parse(_EMPTY_PARAMS.sub("", raw.decode("utf-8", "replace")).encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return _split_header(value), "not a structured-field List (RFC 8941); read as X-Robots-Tag"
    groups: list[_Group] = []
    legacy: list[str] = []
    for member in parsed:
        name = str(member.value).strip().lower()
        rules = tuple(
            str(key).lower() if param is True else f"{str(key).lower()}: {param}"
            for key, param in member.params.items()
        )
        if not rules and name in KNOWN_DIRECTIVES:
            legacy.append(name)
            continue
        groups.append(_Group(token=None if name == "*" else name, directives=rules))
    problem = ""
    if legacy:
        groups.append(_Group(token=None, directives=tuple(legacy)))
        problem = (
            f"{', '.join(legacy)} written as product tokens; read as rules for every crawler"
            f" (write *;{';'.join(legacy)}, draft-illyes-repext-03 section 3.1.1)"
        )
    return groups, problem


def _directive_name(directive: str) -> str:
    return directive.split(":", 1)[0].strip()


def _effects(
    directives: Sequence[str], table: Mapping[str, Mapping[Use, Permission]]
) -> dict[Use, Permission]:
    uses: dict[Use, Permission] = {}
    for directive in directives:
        uses.update(table.get(directive, {}))
    return uses


def _meta_rule(meta: HeadMeta) -> str:
    content = meta.content.replace("&", "&amp;").replace('"', "&quot;")
    return f'<meta name="{meta.name}" content="{content}">'


def _sources(
    headers: Headers, metas: Sequence[HeadMeta], token: str
) -> list[tuple[str, str, int, list[_Group], str, str]]:
    """``(location, rule, line, groups, kind, problem)`` for every header instance and relevant
    meta; ``problem`` is a reading that had to be guessed, for a diagnostic."""
    out: list[tuple[str, str, int, list[_Group], str, str]] = []
    for number, value in enumerate(header_values(headers, HEADER), start=1):
        location = f"header {HEADER}" + (f"#{number}" if number > 1 else "")
        out.append((location, value, 0, _split_header(value), HEADER, ""))
    for number, value in enumerate(header_values(headers, REPEXT_HEADER), start=1):
        location = f"header {REPEXT_HEADER}" + (f"#{number}" if number > 1 else "")
        groups, problem = _split_repext(value)
        out.append((location, value, 0, groups, REPEXT_HEADER, problem))
    for meta in metas:
        # Google's robots meta tag specification: name "robots" is global, name == our token
        # addresses us only.
        if meta.name == META_GLOBAL or (token and meta.name == token):
            directives = tuple(d.strip().lower() for d in meta.content.split(",") if d.strip())
            addressed = None if meta.name == META_GLOBAL else meta.name
            group = _Group(token=addressed, directives=directives)
            out.append(
                (f"meta[name={meta.name}]", _meta_rule(meta), meta.line, [group], "html", "")
            )
    return out


def robots_tag_statements(
    headers: Headers,
    metas: Sequence[HeadMeta],
    *,
    agent: str,
    source: str,
    image: bool = False,
) -> ParseResult[list[Statement]]:
    """One :class:`Statement` per header instance or meta element that affects a use.

    ``image`` says the response is an image: then ``noimageai`` reserves it like ``noai``. On an
    HTML page ``noimageai`` leaves the text alone; :func:`images_reserved` reports it.
    """
    if not isinstance(agent, str) or not isinstance(source, str):
        raise TypeError("robots_tag_statements expects str agent and source")
    token = product_token(agent)
    table = IMAGE_EFFECTS if image else PAGE_EFFECTS
    statements: list[Statement] = []
    diagnostics: list[Diagnostic] = []

    def note(severity: Severity, kind: str, line: int, code: str, message: str) -> None:
        diagnostics.append(
            Diagnostic(severity=severity, kind=kind, line=line, code=code, message=message)
        )

    for location, rule, line, groups, kind, problem in _sources(headers, metas, token):
        if problem:
            note(Severity.WARNING, kind, line, "robots-tag-syntax", f"{location}: {problem}")
        if not any(group.directives for group in groups):
            note(Severity.WARNING, kind, line, "robots-tag-empty", f"{location} has no rules")
            continue
        applicable: list[str] = []
        for group in groups:
            for directive in group.directives:
                name = _directive_name(directive)
                if name not in KNOWN_DIRECTIVES:
                    note(
                        Severity.INFO,
                        kind,
                        line,
                        "robots-tag-unknown-directive",
                        f"{location}: unknown rule {directive!r} ignored",
                    )
            if group.token is None or group.token == token:
                applicable.extend(group.directives)
        uses = _effects(applicable, table)
        if not uses:
            continue
        notes = []
        if "noml" in applicable:
            notes.append("noml read as noai (DeviantArt's noai and noimageai directives)")
            note(Severity.INFO, kind, line, "robots-tag-noml", f"{location}: noml read as noai")
        if any(group.token is not None and group.token == token for group in groups):
            notes.append(f"addressed to {token}")
        statements.append(
            Statement(
                signal=Signal.ROBOTS_TAG,
                source=source,
                location=location,
                rule=rule,
                uses=uses,
                note="; ".join(notes),
            )
        )
    return ParseResult(statements, tuple(diagnostics))


def addressed_tokens(headers: Headers, metas: Sequence[HeadMeta]) -> frozenset[str]:
    """The product tokens a response addresses by name: every other crawler reads it alike,
    so a reader can prepare one answer per token and one for the rest."""
    tokens = {meta.name for meta in metas if meta.name != META_GLOBAL}
    for _, _, _, groups, _, _ in _sources(headers, (), ""):
        tokens.update(group.token for group in groups if group.token is not None)
    return frozenset(tokens)


def images_reserved(
    headers: Headers, metas: Sequence[HeadMeta], *, agent: str, source: str = ""
) -> Statement | None:
    """The first statement reserving a page's images for AI, or ``None``.

    DeviantArt's noai and noimageai directives: ``noimageai`` on a page means the images on it may
    not be used for AI
    training; ``noai`` (no content of the page) covers them as well. The crawler drops them.
    """
    if not isinstance(agent, str):
        raise TypeError(f"images_reserved expects str agent, got {type(agent).__name__}")
    token = product_token(agent)
    for location, rule, _line, groups, _kind, _problem in _sources(headers, metas, token):
        applicable = [
            directive
            for group in groups
            if group.token is None or group.token == token
            for directive in group.directives
        ]
        found = sorted(IMAGE_RESERVING.intersection(applicable))
        if found:
            return Statement(
                signal=Signal.ROBOTS_TAG,
                source=source,
                location=location,
                rule=rule,
                uses=dict(_AI_DENY),
                note=f"{', '.join(found)}: the page's images may not be used for AI",
            )
    return None


def _denied(permission: Permission) -> bool:
    return permission in (Permission.DENY, Permission.LICENSE)


def render_robots_tag(uses: Mapping[Use, Permission], *, images: bool = False) -> str:
    """The ``X-Robots-Tag`` value for ``uses``; ``""`` when it cannot say anything.

    ``noai`` denies AI training *and* AI input when read back, so it is written only when both
    are denied (or licensed: a licence requirement is written as a deny, as elsewhere); a policy
    that reserves training only is left to the signals that can say so. ``images`` adds
    ``noimageai`` (for image responses, and pages whose images share the policy).
    """
    full = apply_hierarchy(uses)
    rules = []
    if _denied(full[Use.AI_TRAIN]) and _denied(full[Use.AI_INPUT]):
        rules.append("noai")
        if images:
            rules.append("noimageai")
    if _denied(full[Use.SEARCH]):
        rules.append("noindex")
    return ", ".join(rules)


def render_robots_meta(uses: Mapping[Use, Permission]) -> str:
    """``<meta name="robots" content="...">`` for ``uses`` (images included), or ``""``."""
    content = render_robots_tag(uses, images=True)
    return f'<meta name="robots" content="{content}">' if content else ""
