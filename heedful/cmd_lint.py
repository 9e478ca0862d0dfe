"""``heedful lint FILE``: the readers' findings for one signal file.

Exit status: 0 when no finding reaches ``--fail-on`` (default ``error``), 1 when one does,
2 for bad usage or unreadable input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Final

import click

from heedful.cli_common import Failure, fail_on_option
from heedful.output import diagnostic_line
from policies.diagnostics import Severity, reaches
from policies.lint import FileKind, detect_kind, lint

EXIT_FINDINGS: Final = 1
"""``heedful lint``: a finding at or above the ``--fail-on`` threshold."""


@click.command("lint")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option(
    "--kind", type=click.Choice([k.value for k in FileKind]), help="Default: from the file name."
)
@click.option("--json", "as_json", is_flag=True, help="Findings as a JSON array.")
@fail_on_option(EXIT_FINDINGS, default="error")
def lint_command(file: Path, kind: str | None, as_json: bool, fail_on: str) -> None:
    """Report what is wrong or unusual in one signal file.

    Exit status: 0 when no finding is as severe as --fail-on (default error: warnings and
    notes pass), 1 when one is, 2 unreadable input.
    """
    chosen = FileKind(kind) if kind else detect_kind(file.name)
    if chosen is None:
        raise Failure(
            f"cannot tell the kind of {file.name!r}; pass --kind robots|ai-txt|tdmrep|rsl"
        )
    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        raise Failure(f"cannot read {file}: {exc.strerror or exc}") from None
    findings = lint(chosen, data)
    if as_json:
        click.echo(json.dumps([d.as_dict() for d in findings], indent=2))
    else:
        for finding in findings:
            click.echo(diagnostic_line(str(file), finding))
        if not findings:
            click.echo(f"{file}: no findings ({chosen})")
    failed = reaches((d.severity for d in findings), Severity(fail_on))
    sys.exit(EXIT_FINDINGS if failed else 0)
