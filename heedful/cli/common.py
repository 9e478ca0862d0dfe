"""What every ``heedful`` subcommand shares: how failures are reported and exit statuses.

Exit statuses are unique across commands, so a script can tell them apart: 0 success, 1 an
unexpected error, 2 bad usage or input, 3 and 4 ``check`` verdicts, 5 ``audit`` findings,
6 ``diff`` differences, 7 and 8 ``check`` failures and unknowns, 9 ``logs`` violations,
10 ``stamp`` files left unstamped, 11 ``statement`` ledger not reconciled, 141 a closed output
pipe.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from heedful.policies.budget import BadMoney, Money, parse_money
from heedful.policies.model import DEFAULT_AIPREF_DRAFT, AiprefDraft

if TYPE_CHECKING:
    from heedful.policies.sitepolicy import SitePolicy

F = TypeVar("F", bound=Callable[..., object])

AIPREF_DRAFT_OPTION: Callable[[F], F] = click.option(
    "--aipref-draft",
    type=click.Choice([d.value for d in AiprefDraft]),
    default=DEFAULT_AIPREF_DRAFT.value,
    show_default=True,
    help="The draft-ietf-aipref-vocab revision Content-Usage is read under (08 is current).",
)
"""``--aipref-draft 07|08`` for ``check``, ``audit`` and ``crawl``: replay a decision under
either revision (docs/decisions.md, aipref revisions)."""

FAIL_ON_CHOICES = ("error", "warning")
"""``--fail-on`` thresholds: the severities a finding must reach for the command to fail."""

EXIT_DENIED = 3
"""``heedful check``: some URL may not be used."""
EXIT_LICENSE = 4
"""``heedful check``: nothing denied, but some URL needs a licence."""
EXIT_FAILED = 7
"""``heedful check``: some host or page gave no usable answer (no response, 404, 5xx), so no
verdict could be given for it; takes precedence over every verdict, the run is incomplete.
``heedful crawl``: nothing was kept and some URL failed (the same causes, or a signal file that
could not be read)."""
EXIT_UNKNOWN = 8
"""``heedful check``: nothing failed, but for some URL a signal file that governs the use
answered and could not be read (cut, malformed, 5xx), so the use is neither allowed nor denied
yet. Takes precedence over denied and licence: a retry may still deny."""
EXIT_VIOLATIONS = 9
"""``heedful logs --fail-on violation``: some logged request violated the site policy."""

EXIT_NOT_STAMPED = 10
"""``heedful stamp``: some file could not be stamped (a type Heedful cannot write, unreadable,
or its stamped bytes did not read back as planned); each is named and left unchanged."""

EXIT_UNRECONCILED = 11
"""``heedful statement``: some licensed fetch has no issued token, so the usage ledger does not
reconcile (the statement is printed first)."""


def _money(ctx: click.Context, param: click.Parameter, value: str | None) -> Money | None:
    if value is None:
        return None
    try:
        return parse_money(value)
    except BadMoney as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def budget_options(command: F) -> F:
    """``--budget MONEY [--max-price MONEY]`` for ``check`` and ``audit``: say whether each
    licence offer fits (:func:`heedful.policies.budget.covers`)."""
    command = click.option(
        "--max-price",
        callback=_money,
        metavar="MONEY",
        help="With --budget: the most one item may cost, e.g. 'USD 0.02'.",
    )(command)
    return click.option(
        "--budget",
        callback=_money,
        metavar="MONEY",
        help="Say whether each licence offer fits this budget, e.g. 'USD 5.00'.",
    )(command)


class Failure(click.ClickException):
    """Bad input that is not a usage error: reported on one line, exit status 2."""

    exit_code = 2


def fail_on_option(status: int, *, default: str | None = None) -> Callable[[F], F]:
    """``--fail-on error|warning``: exit ``status`` when some finding is at least that severe.

    ``heedful lint`` and ``heedful audit`` share it, so both read the threshold the same way
    (:func:`heedful.policies.diagnostics.reaches`).
    """
    return click.option(
        "--fail-on",
        type=click.Choice(FAIL_ON_CHOICES),
        default=default,
        show_default=default is not None,
        help=f"Exit {status} when a finding is at least this severe.",
    )


def read_policy(path: Path) -> SitePolicy:
    """A site policy file, or a :class:`Failure` naming its first problem."""
    from heedful.policies.errors import PolicyFormatError
    from heedful.policies.sitepolicy import load_site_policy

    try:
        text = path.read_bytes()
    except OSError as exc:
        raise Failure(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return load_site_policy(text, filename=str(path))
    except PolicyFormatError as exc:
        first, *rest = exc.problems
        more = f" (and {len(rest)} more)" if rest else ""
        raise Failure(f"{first}{more}") from None
