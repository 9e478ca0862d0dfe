"""The ``heedful`` command: one CLI, a subcommand per job.

Exit statuses are part of the interface: 2 for bad usage or unreadable input (one line on stderr,
never a traceback), 1 for anything unexpected; each subcommand documents the rest.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import click
from rich.console import Console

from heedful.check import BadURL, check_urls
from heedful.output import decision_json, diagnostic_line, print_decision, print_matrix
from policies.agents import HEEDFUL_TOKEN, known_agents
from policies.lint import FileKind, detect_kind, has_errors, lint
from policies.model import Decision, Mode, Use, Verdict

EXIT_DENIED = 3
EXIT_LICENSE = 4


class Failure(click.ClickException):
    """Bad input that is not a usage error: reported on one line, exit status 2."""

    exit_code = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="heedful")
def cli() -> None:
    """Heedful: read, decide, publish and honour machine-readable AI-use signals."""


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@click.option(
    "--agent", default=HEEDFUL_TOKEN, show_default=True, help="Product token to decide for."
)
@click.option(
    "--agents", "all_agents", type=click.Choice(["all"]), help="Decide for every known AI agent."
)
@click.option(
    "--use",
    "use",
    type=click.Choice([u.value for u in Use]),
    default=Use.GENAI_TRAIN.value,
    show_default=True,
    help="The use the content is wanted for.",
)
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default=Mode.OPT_OUT.value,
    show_default=True,
    help="opt-out: silence allows; consent: silence denies.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=600),
    default=10.0,
    show_default=True,
    help="Seconds allowed for each fetch; an unreachable robots.txt denies.",
)
@click.option(
    "--tdm-covers-search", is_flag=True, help="Read a TDM reservation as covering search too."
)
def check(
    urls: tuple[str, ...],
    agent: str,
    all_agents: str | None,
    use: str,
    mode: str,
    as_json: bool,
    timeout: float,
    tdm_covers_search: bool,
) -> None:
    """Fetch a site's signals and decide whether URLS may be used.

    Exit status: 0 every URL allowed, 3 any denied, 4 none denied but some need a licence.
    """
    agents = [a.token for a in known_agents()] if all_agents else [agent]
    try:
        checked = asyncio.run(check_urls(urls, agents=agents, fetch_timeout=timeout))
    except BadURL as exc:
        raise Failure(str(exc)) from None
    console = Console(highlight=False, soft_wrap=True)
    verdicts: list[Verdict] = []
    for item in checked:
        if all_agents:
            rows = []
            for token in agents:
                cells = [
                    item.decide(
                        agent=token, use=u, mode=Mode(mode), tdm_covers_search=tdm_covers_search
                    )
                    for u in Use
                ]
                rows.append((token, cells))
                _emit(cells, as_json)
            if not as_json:
                print_matrix(console, item.url, rows)
            verdicts.extend(d.verdict for _, cells in rows for d in cells if d.use == Use(use))
        else:
            decision = item.decide(
                agent=agent, use=Use(use), mode=Mode(mode), tdm_covers_search=tdm_covers_search
            )
            if as_json:
                _emit([decision], True)
            else:
                print_decision(console, decision)
            verdicts.append(decision.verdict)
    sys.exit(_exit_status(verdicts))


def _emit(decisions: list[Decision], as_json: bool) -> None:
    if as_json:
        for decision in decisions:
            click.echo(decision_json(decision))


def _exit_status(verdicts: list[Verdict]) -> int:
    if Verdict.DENY in verdicts:
        return EXIT_DENIED
    if Verdict.LICENSE in verdicts:
        return EXIT_LICENSE
    return 0


@cli.command("lint")
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
