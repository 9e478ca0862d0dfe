"""What a file's own statements add up to, per use (docs/decisions.md, Combining statements).

The same rules as for a site's statements: each statement is spread down the use hierarchy
(unless it is ``exact``), then the most restrictive answer wins; what stays unknown takes the
mode's default. Layering a file's statements on its page's and site's is the evaluator's job;
this answers "what does the file itself say", for ``heedful check FILE``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from policies.model import (
    VERDICT_OF,
    Mode,
    Permission,
    Statement,
    Use,
    Verdict,
    apply_hierarchy,
    most_restrictive,
)

_DEFAULT: Final[Mapping[Mode, Verdict]] = {Mode.OPT_OUT: Verdict.ALLOW, Mode.CONSENT: Verdict.DENY}


def spread(stmt: Statement, *, tdm_covers_search: bool = False) -> dict[Use, Permission]:
    """One statement's answer for every use."""
    if stmt.exact:
        return {use: stmt.uses.get(use, Permission.UNKNOWN) for use in Use}
    return apply_hierarchy(stmt.uses, tdm_covers_search=tdm_covers_search)


def combined_uses(
    statements: Iterable[Statement], *, tdm_covers_search: bool = False
) -> dict[Use, Permission]:
    """The strictest answer per use across ``statements`` (``unknown`` where none speaks)."""
    out = dict.fromkeys(Use, Permission.UNKNOWN)
    for stmt in statements:
        for use, permission in spread(stmt, tdm_covers_search=tdm_covers_search).items():
            out[use] = most_restrictive(out[use], permission)
    return out


def verdicts(
    statements: Iterable[Statement], *, mode: Mode = Mode.OPT_OUT, tdm_covers_search: bool = False
) -> dict[Use, Verdict]:
    """Per use, the verdict the file's statements alone give in ``mode``."""
    uses = combined_uses(statements, tdm_covers_search=tdm_covers_search)
    return {use: VERDICT_OF.get(perm, _DEFAULT[mode]) for use, perm in uses.items()}


_RANK: Final[Mapping[Verdict, int]] = {Verdict.ALLOW: 0, Verdict.LICENSE: 1, Verdict.DENY: 2}


def narrowed(
    site_verdict: Verdict,
    statements: Iterable[Statement],
    use: Use,
    *,
    tdm_covers_search: bool = False,
) -> Verdict:
    """The site's verdict for ``use`` after the file's own statements: a file's reservation
    narrows what the site allows, but its allow never widens a site's reservation (a copy of a
    photo cannot lift the reservation of the site that published it; docs/decisions.md,
    Media-embedded signals)."""
    own = combined_uses(statements, tdm_covers_search=tdm_covers_search)[use]
    if site_verdict not in _RANK:
        # ``unknown`` waits for what could not be read, unless the file denies outright;
        # ``failed`` had nothing to use.
        if site_verdict is Verdict.UNKNOWN and own is Permission.DENY:
            return Verdict.DENY
        return site_verdict
    file_verdict = VERDICT_OF.get(own, Verdict.ALLOW)
    return max(site_verdict, file_verdict, key=_RANK.__getitem__)
