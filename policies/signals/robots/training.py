"""The shared training-preference token: a robots.txt group that is a preference, not an access rule.

draft-kelley-aipref-training-preference-signal-00 binds "no AI training" to paths with ordinary
robots.txt groups keyed by a per-purpose *policy token* on the ``User-agent`` line; the path
language, longest match and group structure are RFC 9309's. No crawler is named by the token,
so the group never decides access: it is a training preference binding every crawler that
declares support -- Heedful does -- in every mode (docs/decisions.md, The shared
training-preference token).

The token's spelling could not be read in the draft's body (only its abstract was available);
:data:`TRAINING_PREFERENCE_TOKEN` holds the spelling one secondary source gives, in this one
place, so it changes in one line once the primary text is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from heedful.policies.model import Permission, Signal, Statement, Use

if TYPE_CHECKING:
    from heedful.policies.signals.robots.document import RobotsTxt

TRAINING_PREFERENCE_TOKEN: Final = "__usage_ai-training"  # noqa: S105 -- a robots.txt token, not a secret
"""The policy token (UNVERIFIED spelling, docs/decisions.md, The shared training-preference token)."""

TRAINING_USES: Final = {
    # Like aipref train-ai: a Disallow reserves training broadly (every model), an explicit
    # Allow grants it narrowly (generative training only): ``n`` broadly, ``y`` narrowly.
    False: {Use.AI_TRAIN: Permission.DENY},
    True: {Use.GENAI_TRAIN: Permission.ALLOW},
}
"""robots.txt answer for the token -> what it says about the training uses."""


def training_statement(decided: Statement, *, allowed: bool) -> Statement:
    """The training preference a line of the token's group states, from that line's access
    statement (:meth:`heedful.policies.signals.robots.document.RobotsTxt.training_preference`)."""
    verb = "allows" if allowed else "reserves"
    return Statement(
        signal=Signal.TRAINING_PREFERENCE,
        source=decided.source,
        location=decided.location,
        rule=decided.rule,
        uses=dict(TRAINING_USES[allowed]),
        note=(
            f"the User-agent: {TRAINING_PREFERENCE_TOKEN} group {verb} AI training here, for"
            " every crawler that supports the shared token"
            " (draft-kelley-aipref-training-preference-signal-00)"
        ),
    )


def training_preference_statements(robots: RobotsTxt, url: str) -> list[Statement]:
    """The training preference the token's group states for ``url``, if it states one.

    Only a rule that matches counts: a group whose rules say nothing about ``url`` leaves
    training unknown (RFC 9309's "no match means allowed" is an access default, and an access
    default is not a grant of training).
    """
    stmt = robots.training_preference(url)
    return [] if stmt is None else [stmt]
