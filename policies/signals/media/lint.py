"""``heedful lint`` on a media file: what its readers noticed, and where its own statements
contradict the site policy for the path it is published at.

A file's statements and the site's are layered (docs/decisions.md, Media-embedded signals,
Layering on the site's signals), so Heedful itself acts on the stricter. But the file travels
alone: a copy found elsewhere is read by its metadata only. An IPTC ``DMI-ALLOWED`` on a photo
whose site reserves AI training hands the permission to everyone who finds the copy, which is
why it is an error; the other directions are warnings, as ``heedful audit`` grades a conflict
that only a licence or a narrowing stands behind (docs/audit.md, HF100/HF106).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Final

from heedful.policies.diagnostics import Diagnostic, Severity
from heedful.policies.model import Permission, Use, Verdict
from heedful.policies.signals.media.combine import spread
from heedful.policies.signals.media.plus import VOCAB_PREFIX
from heedful.policies.signals.media.signals import MediaSignals, diagnostic
from heedful.policies.sitepolicy.resolve import intended

if TYPE_CHECKING:
    from heedful.policies.model import Statement
    from heedful.policies.sitepolicy.model import SitePolicy

KIND: Final = "media"
EVERY_CRAWLER: Final = "*"

CONTRADICTIONS: Final[Mapping[tuple[Permission, Verdict], tuple[str, Severity, str]]] = {
    (Permission.ALLOW, Verdict.DENY): (
        "media-allows-reserved",
        Severity.ERROR,
        ("{site} reserves {uses} at {path}; a copy of the file found elsewhere is read as allowed"),
    ),
    (Permission.ALLOW, Verdict.LICENSE): (
        "media-allows-licensed",
        Severity.WARNING,
        (
            "{site} asks for a licence for {uses} at {path}; a copy of the file found "
            "elsewhere is read as free to use"
        ),
    ),
    (Permission.DENY, Verdict.ALLOW): (
        "media-reserves-allowed",
        Severity.WARNING,
        "{site} allows {uses} at {path}; the file's reservation wins wherever it is read",
    ),
    (Permission.LICENSE, Verdict.ALLOW): (
        "media-licenses-allowed",
        Severity.WARNING,
        "{site} allows {uses} at {path}; the file's licence terms win wherever it is read",
    ),
}
"""(what the file says, what the policy means) -> rule code, severity, explanation."""


def lint_media(
    signals: MediaSignals,
    policy: SitePolicy | None = None,
    *,
    path: str = "/",
    tdm_covers_search: bool = False,
) -> tuple[Diagnostic, ...]:
    """The readers' diagnostics, then one finding per embedded statement and kind of
    contradiction with ``policy`` at ``path`` (every crawler without an override, ``*``)."""
    found = list(signals.diagnostics)
    if policy is None:
        return tuple(found)
    site = {
        use: intended(
            policy, path=path, agent=EVERY_CRAWLER, use=use, media_type=signals.media_type
        )
        for use in Use
    }
    found.extend(
        finding
        for _, finding in contradictions(
            signals, site, path=path, tdm_covers_search=tdm_covers_search
        )
    )
    return tuple(found)


def contradictions(
    signals: MediaSignals,
    site: Mapping[Use, Verdict],
    *,
    path: str,
    said_by: str = "the site policy",
    tdm_covers_search: bool = False,
) -> Iterator[tuple[Statement, Diagnostic]]:
    """Each embedded statement with one finding per kind of contradiction with ``site`` (the
    verdict per use the site means at ``path``; a use left out is one the site says nothing
    about, so nothing contradicts it). ``said_by`` names the site's side in the message: the
    site policy for ``heedful lint``, the site's live signals for ``heedful audit --media``."""
    for stmt in signals.statements:
        grouped: dict[tuple[Permission, Verdict], list[Use]] = {}
        for use, permission in spread(stmt, tdm_covers_search=tdm_covers_search).items():
            if use in site and (permission, site[use]) in CONTRADICTIONS:
                grouped.setdefault((permission, site[use]), []).append(use)
        for key, uses in grouped.items():
            code, severity, why = CONTRADICTIONS[key]
            names = ", ".join(str(u) for u in uses)
            message = f"{_said(stmt)} {key[0]} {names}, but " + why.format(
                site=said_by, uses=names, path=path
            )
            yield stmt, diagnostic(KIND, code, message, severity=severity)


def _said(stmt: Statement) -> str:
    return f"{stmt.location} = {stmt.rule.removeprefix(VOCAB_PREFIX)[:120]}:"
