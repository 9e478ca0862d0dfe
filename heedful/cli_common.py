"""What every ``heedful`` subcommand shares: how failures are reported and exit statuses."""

from __future__ import annotations

import click

EXIT_DENIED = 3
"""``heedful check``: some URL may not be used."""
EXIT_LICENSE = 4
"""``heedful check``: nothing denied, but some URL needs a licence."""


class Failure(click.ClickException):
    """Bad input that is not a usage error: reported on one line, exit status 2."""

    exit_code = 2
