"""``heedful lint FILE``: the readers' findings for one signal file, site policy or media file.

A site policy (``….toml``) gets every load problem and where its licence offers and its use
values disagree (``heedful.policies.licensing.consistency``).

A media file (an image, audio, video, PDF or EPUB, recognised by its bytes) gets its readers'
findings and, with ``--policy``, every contradiction between its embedded statements and what
the site policy means at ``--url-path`` (``heedful.policies.signals.media.lint``).

Exit status: 0 when no finding reaches ``--fail-on`` (default ``error``), 1 when one does,
2 for bad usage or unreadable input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Final

import click

from heedful.cli.common import Failure, fail_on_option, read_policy
from heedful.cli.output import diagnostic_line
from heedful.policies.diagnostics import Diagnostic, Severity, reaches
from heedful.policies.lint import FileKind, detect_kind, lint

EXIT_FINDINGS: Final = 1
"""``heedful lint``: a finding at or above the ``--fail-on`` threshold."""


@click.command("lint")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option(
    "--kind", type=click.Choice([k.value for k in FileKind]), help="Default: from the file name."
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A media file's site policy (TOML): report where the file's metadata contradicts it.",
)
@click.option(
    "--url-path",
    help="Where the media file is published on the site (default: /NAME).",
)
@click.option("--json", "as_json", is_flag=True, help="Findings as a JSON array.")
@fail_on_option(EXIT_FINDINGS, default="error")
def lint_command(
    file: Path,
    kind: str | None,
    policy_file: Path | None,
    url_path: str | None,
    as_json: bool,
    fail_on: str,
) -> None:
    """Report what is wrong or unusual in one signal file or media file.

    A media file (image, audio, video, PDF, EPUB) is recognised by its bytes; with --policy its
    embedded statements are compared with what the site policy means at --url-path.

    Exit status: 0 when no finding is as severe as --fail-on (default error: warnings and
    notes pass), 1 when one is, 2 unreadable input.
    """
    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        raise Failure(f"cannot read {file}: {exc.strerror or exc}") from None
    chosen = FileKind(kind) if kind else detect_kind(file.name)
    if chosen is None or (policy_file is not None and not kind):
        findings = _lint_media(data, file.name, policy_file, url_path)
        if findings is None:
            raise Failure(
                f"cannot tell the kind of {file.name!r}; pass --kind robots|ai-txt|tdmrep|rsl|policy"
            )
        chosen_name = "media"
    else:
        if policy_file is not None:
            raise Failure("--policy applies to media files only")
        findings = lint(chosen, data)
        chosen_name = str(chosen)
    if as_json:
        click.echo(json.dumps([d.as_dict() for d in findings], indent=2))
    else:
        for finding in findings:
            click.echo(diagnostic_line(str(file), finding))
        if not findings:
            click.echo(f"{file}: no findings ({chosen_name})")
    failed = reaches((d.severity for d in findings), Severity(fail_on))
    sys.exit(EXIT_FINDINGS if failed else 0)


def _lint_media(
    data: bytes, name: str, policy_file: Path | None, url_path: str | None
) -> tuple[Diagnostic, ...] | None:
    """The media findings, or ``None`` when the bytes are not media (then the kind is unknown).
    ``heedful.policies.signals.media`` loads Pillow, mutagen, pypdf and the C2PA SDK: only media pay for it."""
    from heedful.policies.signals.media import read_media, sniff
    from heedful.policies.signals.media.lint import lint_media
    from heedful.policies.signals.media.read import AUDIO_VIDEO, IMAGES
    from heedful.policies.signals.media.sniff import SIDECAR

    media_type = sniff(data, name)
    readable = IMAGES | AUDIO_VIDEO | {"application/pdf", "application/epub+zip", SIDECAR}
    if media_type not in readable:
        return None
    policy = read_policy(policy_file) if policy_file is not None else None
    path = url_path or "/" + name
    signals = read_media(data, name, source=name)
    return lint_media(signals, policy, path=path if path.startswith("/") else "/" + path)
