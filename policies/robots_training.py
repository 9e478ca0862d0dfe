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

from policies.model import Permission, Signal, Statement, Use
from policies.product_names import group_key, name_key

if TYPE_CHECKING:
    from policies.robots import RobotsTxt

TRAINING_PREFERENCE_TOKEN: Final = "__usage_ai-training"  # noqa: S105 -- a robots.txt token, not a secret
"""The policy token (UNVERIFIED spelling, docs/decisions.md, The shared training-preference token)."""

TRAINING_USES: Final = {
    # Like aipref train-ai: a Disallow reserves training broadly (every model), an explicit
    # Allow grants it narrowly (generative training only): ``n`` broadly, ``y`` narrowly.
    False: {Use.AI_TRAIN: Permission.DENY},
    True: {Use.GENAI_TRAIN: Permission.ALLOW},
}
"""robots.txt answer for the token -> what it says about the training uses."""

_NAMED: dict[int, tuple[RobotsTxt, bool]] = {}
"""Whether a parsed robots.txt has a group for the token, by identity (kept alive)."""
_STATEMENTS: dict[tuple[int, str, str], tuple[Statement, Statement]] = {}


def has_training_group(robots: RobotsTxt) -> bool:
    """Whether some ``User-agent`` line names the policy token."""
    hit = _NAMED.get(id(robots))
    if hit is not None and hit[0] is robots:
        return hit[1]
    wanted = name_key(TRAINING_PREFERENCE_TOKEN)
    named = any(group_key(value) == wanted for value in robots.named_agents())
    if len(_NAMED) >= 1024:
        _NAMED.clear()
    _NAMED[id(robots)] = (robots, named)
    return named


def training_preference_statements(robots: RobotsTxt, url: str) -> list[Statement]:
    """The training preference the token's group states for ``url``, if it states one.

    Only a rule that matches counts: a group whose rules say nothing about ``url`` leaves
    training unknown (RFC 9309's "no match means allowed" is an access default, and an access
    default is not a grant of training).
    """
    if not has_training_group(robots):
        return []
    access = robots.access(url, TRAINING_PREFERENCE_TOKEN)
    decided = access.statement
    if not decided.location.startswith("line "):
        return []
    key = (id(decided), decided.location, decided.rule)
    hit = _STATEMENTS.get(key)
    if hit is not None and hit[0] is decided:
        return [hit[1]]
    verb = "allows" if access.allowed else "reserves"
    stmt = Statement(
        signal=Signal.TRAINING_PREFERENCE,
        source=decided.source,
        location=decided.location,
        rule=decided.rule,
        uses=dict(TRAINING_USES[access.allowed]),
        note=(
            f"the User-agent: {TRAINING_PREFERENCE_TOKEN} group {verb} AI training here, for"
            " every crawler that supports the shared token"
            " (draft-kelley-aipref-training-preference-signal-00)"
        ),
    )
    if len(_STATEMENTS) >= 4096:
        _STATEMENTS.clear()
    _STATEMENTS[key] = (decided, stmt)
    return [stmt]
