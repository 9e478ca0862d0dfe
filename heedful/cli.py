"""The ``heedful`` command: one CLI, a subcommand per job, each in its own module.

Subcommands are imported when used, so ``heedful check`` never pays for Scrapy or the database
layer. Exit statuses are part of the interface: 2 for bad usage or unreadable input (one line on
stderr, never a traceback), 1 for anything unexpected; each subcommand documents the rest.
"""

from __future__ import annotations

import importlib
import sys

import click

COMMANDS = {
    "check": "heedful.cmd_check:check",
    "lint": "heedful.cmd_lint:lint_command",
    "serve": "heedful.cmd_serve:serve",
    "export": "heedful.cmd_export:export",
    "audit": "heedful.cmd_audit:audit_command",
    "diff": "heedful.cmd_audit:diff_command",
    "crawl": "heedful.cmd_crawl:crawl",
    "ledger": "heedful.cmd_crawl:ledger",
    "report": "heedful.cmd_report:report",
    "credits": "heedful.cmd_report:credits_command",
    "recheck": "heedful.cmd_report:recheck_command",
    "purge": "heedful.cmd_report:purge_command",
}
"""Subcommand name -> ``module:attribute`` of its click command."""


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="heedful")
def cli() -> None:
    """Heedful: read, decide, publish and honour machine-readable AI-use signals."""


def main() -> None:
    """Console-script entry point: every failure is one line on stderr, never a traceback."""
    try:
        status = cli.main(standalone_mode=False)
    except click.ClickException as exc:
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "heedful"
        hint = f" (see '{where} --help')" if isinstance(exc, click.UsageError) else ""
        click.echo(f"{where}: error: {exc.format_message()}{hint}", err=True)
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("heedful: aborted", err=True)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 -- the last line of defence: one line, exit 1, no traceback
        click.echo(f"heedful: unexpected error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)
