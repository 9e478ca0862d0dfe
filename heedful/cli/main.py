"""The ``heedful`` command: one CLI, a subcommand per job, each in its own module.

Subcommands are imported when used, so ``heedful check`` never pays for Scrapy or the database
layer. Exit statuses are part of the interface: 2 for bad usage or unreadable input (one line on
stderr, never a traceback), 1 for anything unexpected, 141 (as if killed by SIGPIPE) when
whoever reads stdout stops reading, silently; each subcommand documents the rest.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Final, NoReturn

import click

COMMANDS = {
    "check": "heedful.cli.check:check",
    "lint": "heedful.cli.lint:lint_command",
    "serve": "heedful.cli.serve:serve",
    "export": "heedful.cli.export:export",
    "audit": "heedful.cli.audit:audit_command",
    "diff": "heedful.cli.audit:diff_command",
    "crawl": "heedful.cli.crawl:crawl",
    "ledger": "heedful.cli.crawl:ledger",
    "report": "heedful.cli.report:report",
    "credits": "heedful.cli.report:credits_command",
    "manifest": "heedful.cli.report:manifest_command",
    "recheck": "heedful.cli.report:recheck_command",
    "purge": "heedful.cli.report:purge_command",
    "logs": "heedful.cli.logs:logs_command",
    "ranges": "heedful.cli.ranges:ranges",
    "keys": "heedful.cli.keys:keys",
    "violations": "heedful.cli.violations:violations_command",
    "evidence": "heedful.cli.evidence:evidence_command",
    "stamp": "heedful.cli.stamp:stamp",
    "licence-client": "heedful.cli.licence_client:licence_client",
    "statement": "heedful.cli.statement:statement_command",
}
"""Subcommand name -> ``module:attribute`` of its click command."""

EXIT_CLOSED_PIPE: Final = 141
"""128 + SIGPIPE (13): what a shell reports for a command whose reader stopped reading."""


class ClosedPipe(Exception):
    """stdout's reader went away; carried past click, whose own handling exits 1."""


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise ClosedPipe from None

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
    except (ClosedPipe, BrokenPipeError):
        _quiet_closed_pipe()
    except Exception as exc:  # noqa: BLE001 -- the last line of defence: one line, exit 1, no traceback
        click.echo(f"heedful: unexpected error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)


def _quiet_closed_pipe() -> NoReturn:
    """The reader of stdout went away (``heedful ledger DIR | head``): stop without a word.

    As the Python docs advise ("Note on SIGPIPE", the signal module): point stdout at devnull,
    so the interpreter's final flush of what is still buffered does not fail a second time, and
    exit with the status a shell gives a command killed by SIGPIPE.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (
        OSError,
        ValueError,
    ):  # stdout is not a real file (tests, embedding): nothing to redirect
        pass
    finally:
        os.close(devnull)
    sys.exit(EXIT_CLOSED_PIPE)
