"""``heedful lint FILE``: the readers' findings for one signal file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from heedful.cli_common import Failure
from heedful.output import diagnostic_line
from policies.lint import FileKind, detect_kind, has_errors, lint


@click.command("lint")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option(
    "--kind", type=click.Choice([k.value for k in FileKind]), help="Default: from the file name."
)
@click.option("--json", "as_json", is_flag=True, help="Findings as a JSON array.")
def lint_command(file: Path, kind: str | None, as_json: bool) -> None:
    """Report what is wrong or unusual in one signal file.

    Exit status: 0 clean (warnings allowed), 1 any error-level finding, 2 unreadable input.
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
    sys.exit(1 if has_errors(findings) else 0)
