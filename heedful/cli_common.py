"""What every ``heedful`` subcommand shares: how failures are reported and exit statuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])

FAIL_ON_CHOICES = ("error", "warning")
"""``--fail-on`` thresholds: the severities a finding must reach for the command to fail."""

EXIT_DENIED = 3
"""``heedful check``: some URL may not be used."""
EXIT_LICENSE = 4
"""``heedful check``: nothing denied, but some URL needs a licence."""


class Failure(click.ClickException):
    """Bad input that is not a usage error: reported on one line, exit status 2."""

    exit_code = 2


def fail_on_option(status: int, *, default: str | None = None) -> Callable[[F], F]:
    """``--fail-on error|warning``: exit ``status`` when some finding is at least that severe.

    ``heedful lint`` and ``heedful audit`` share it, so both read the threshold the same way
    (:func:`policies.diagnostics.reaches`).
    """
    return click.option(
        "--fail-on",
        type=click.Choice(FAIL_ON_CHOICES),
        default=default,
        show_default=default is not None,
        help=f"Exit {status} when a finding is at least this severe.",
    )
